"""A survey whose every piece of text is hostile: roster, questionnaire, answers, review reasons, names of things.

Every page of the app is then walked (tests/security/test_escaping.py) and every form fuzzed (test_fuzz.py).
"""
from __future__ import annotations

import re

import pytest
import yaml
from sqlalchemy import select

from survey_service.auth.models import Role
from survey_service.auth.operations import create_api_token, create_user
from survey_service.extensions import db
from survey_service.questionnaires.models import QuestionnaireDraft
from survey_service.jobs.models import Job, JobState
from survey_service.mail.models import MailBatch, MailDelivery, ReminderRule
from survey_service.questionnaires.operations import import_questionnaire
from survey_service.responses.models import Validity
from survey_service.responses.operations import correct_answers, decide_validity, save_answers
from survey_service.roster.operations import import_roster
from survey_service.scorecard.operations import store_scorecard
from survey_service.surveys.models import Invitation, SurveyState
from survey_service.surveys.operations import change_state, create_survey
from tests.conftest import DATA, QUESTIONNAIRE, csrf_token, fresh_postgres_database, log_in, make_app

#: what an attacker would type; none of it may reach a page as markup
PAYLOADS = ('<script>alert("xss")</script>', '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>")
#: the markup those payloads would leave in a page that failed to escape them
MARKUP = re.compile(r'<script>alert\("xss"\)</script>|<img src=x onerror|<svg onload', re.IGNORECASE)
SCRIPT, IMG, SVG = PAYLOADS
KEY = "hostile-2018"
OTHER_KEY = "hostile-draft-2018"
PASSWORD = "correct horse battery"


def hostile_questionnaire() -> bytes:
    """The shared questionnaire with markup in every text a page shows."""
    definition = yaml.safe_load(QUESTIONNAIRE.read_text("utf-8"))
    definition.update(key="hostile", title="问卷" + SCRIPT, title_en="Survey" + IMG, intro=SVG, intro_en=SCRIPT)
    for option in definition["scale"]["options"]:
        option["label"] += IMG
        option["label_en"] += SCRIPT
    definition["scale"]["not_applicable"]["label"] += SVG
    for dimension in definition["dimensions"]:
        dimension["title"] += SCRIPT
        dimension["title_en"] += IMG
        for item in dimension["items"]:
            item["text"] += IMG
            item["text_en"] += SVG
    for question in definition["open_questions"]:
        question["text"] += SCRIPT
    definition["indicator"]["name"] += IMG
    return yaml.safe_dump(definition, allow_unicode=True).encode()


def hostile_roster() -> bytes:
    rows = ["code,name,district,kind,contact_email"]
    districts = ["黄浦区" + SCRIPT, "徐汇区" + IMG, SVG]
    for number in range(9):
        rows.append(f'31010{number:04d},"中心{number}{IMG.replace(chr(34), chr(34) * 2)}",'
                    f'"{districts[number % 3].replace(chr(34), chr(34) * 2)}",街道{SVG},c{number}@example.org')
    return "\n".join(rows).encode()


def hostile_scorecard() -> bytes:
    definition = yaml.safe_load((DATA / "scorecard-example.yaml").read_text("utf-8"))
    definition["title"] += SCRIPT
    definition["indicators"][0]["name"] += IMG
    return yaml.safe_dump(definition, allow_unicode=True).encode()


def populate() -> dict:
    """The hostile survey (open, eight answers, one marked invalid with a hostile reason) and one of every object."""
    version, _ = import_questionnaire(hostile_questionnaire(), "hostile.yaml")
    roster = import_roster(hostile_roster(), "hostile.csv", "名册" + SCRIPT)
    survey = create_survey(KEY, version, roster, title="调查" + IMG)
    change_state(survey, SurveyState.open)
    create_survey(OTHER_KEY, version, roster, title="草稿" + SVG)
    admin = create_user("admin@example.org", Role.admin.value, PASSWORD)
    create_user("evaluator@example.org", Role.evaluator.value, PASSWORD)
    target = create_user("target@example.org", Role.viewer.value, PASSWORD)
    token, _ = create_api_token(target, "报告" + SCRIPT)
    invitations = db.session.scalars(select(Invitation).filter_by(survey_id=survey.id).order_by(Invitation.id)).all()
    responses = []
    for number, invitation in enumerate(invitations[:8]):
        likert = {f"q{n:02d}": (number + n) % 5 + 1 for n in range(1, 13)}
        responses.append(save_answers(invitation, likert, {"suggestions": PAYLOADS[number % 3] + "意见"}, submit=True))
    decide_validity(responses[0], Validity.invalid, "理由" + SCRIPT + IMG, admin)
    correct_answers(responses[1], {f"q{n:02d}": 3 for n in range(1, 13)}, {"suggestions": IMG},
                    reason="更正" + SCRIPT, by=admin)
    batch = MailBatch(survey_id=survey.id, kind="invitation", total=1, finished_at=invitations[0].created_at)
    batch.deliveries = [MailDelivery(invitation_id=invitations[0].id, kind="invitation", status="failed",
                                     recipient="c0@example.org", error=SCRIPT)]
    db.session.add(batch)
    scorecard = store_scorecard(hostile_scorecard(), "hostile-scorecard.yaml")
    draft = QuestionnaireDraft(definition=version.definition, history=[], based_on=version)
    rule = ReminderRule(survey_id=survey.id, days_before=2, at_time="09:00")
    build = Job(kind="report", survey_id=survey.id, state=JobState.done, params={"format": "pdf"})
    # a file named with markup, whose import failed on problems worded from its rows
    import_job = Job(kind="response_import", survey_id=survey.id, state=JobState.failed, error=SCRIPT,
                     params={"filename": f"{SCRIPT}.csv", "problems": [SCRIPT]})
    db.session.add_all([draft, rule, build, import_job])
    db.session.commit()
    return {"key": KEY, "other": OTHER_KEY, "response_id": responses[0].id, "batch_id": batch.id,
            "user_id": target.id, "token_id": token.id, "token": invitations[-1].token,
            "submitted_token": invitations[0].token, "filename": "css/app.css", "scorecard_id": scorecard.id,
            "admin_id": admin.id, "code": "310100008", "draft_id": draft.id, "questionnaire": version.key,
            "number": version.version, "rule_id": rule.id, "fmt": "pdf", "job_id": build.id,
            "import_id": import_job.id}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def hostile(request, tmp_path_factory):
    """(app, objects): the hostile data set on its own database, once per test module."""
    if request.param == "sqlite":
        databases = iter([f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'hostile.db'}"])
    else:
        databases = fresh_postgres_database()
    application = make_app(next(databases), RATELIMIT_ENABLED=False)
    with application.app_context():
        db.create_all()
        objects = populate()
    yield application, objects
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    next(databases, None)


def signed_in(app, email: str = "admin@example.org"):
    """A client logged in (an administrator passes every role check) and the CSRF token of its session."""
    client = app.test_client()
    assert log_in(client, email, PASSWORD).status_code == 302
    return client, csrf_token(client, "/surveys/new")

