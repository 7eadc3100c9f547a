"""Who may do what: every route of the app, for every kind of visitor, in one table.

The test walks ``app.url_map`` and fails for a route the table does not list, so a route added later must be
added here with its expected behaviour. Rules under ``/static/``, ``/s/`` (a centre's questionnaire, opened by
its personal link) and ``/api/`` (bearer tokens) are covered by prefix rules unless listed themselves.
"""
from __future__ import annotations

import io
import json
import re
from urllib.parse import urlparse

import pytest
from docx import Document
from sqlalchemy import select

from survey_service.auth.models import ApiToken
from survey_service.auth.operations import create_api_token, create_user, find_user
from survey_service.extensions import db
from survey_service.jobs.models import Job, JobState
from survey_service.mail.models import MailBatch, MailDelivery, ReminderRule
from survey_service.questionnaires.drafting import blank_definition
from survey_service.questionnaires.models import QuestionnaireDraft
from survey_service.scorecard.operations import store_scorecard
from survey_service.surveys.models import Invitation, Survey
from tests.conftest import CSRF_FIELD, DATA, built_download, create_account, log_in
from tests.console.conftest import make_survey, submit

VISITORS = ("anonymous", "centre", "viewer", "evaluator", "admin")

# What a visitor gets:
OPEN = "open"            # served (< 400)
LOGIN = "login"          # sent to the login page
DENIED = "denied"        # 403
ALLOWED = "allowed"      # passes access control: 200, 202 (a build started), 422 (form errors) or a redirect
#                          that is not to the login page
CENTRE = "centre"        # a centre's page behind its personal link: never a console login, never 403
UNAUTHORIZED = "unauthorized"  # 401 or 403, never a login redirect (an API without a valid bearer token)
UNCHECKED = None         # left to the feature's own tests

PUBLIC = dict.fromkeys(VISITORS, OPEN)
VIEWER = {"anonymous": LOGIN, "centre": LOGIN, "viewer": ALLOWED, "evaluator": ALLOWED, "admin": ALLOWED}
EVALUATOR = {**VIEWER, "viewer": DENIED}
ADMIN = {**EVALUATOR, "evaluator": DENIED}
CENTRE_PAGE = dict.fromkeys(VISITORS, CENTRE)
API = {"anonymous": UNAUTHORIZED, "centre": UNAUTHORIZED, "viewer": UNCHECKED, "evaluator": UNCHECKED,
       "admin": UNCHECKED}

ROUTES = {
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("GET", "/assets/plotly.min.js"): PUBLIC,
    ("GET", "/assets/plotly.css"): PUBLIC,
    ("GET", "/assets/plotly-maps.css"): PUBLIC,
    ("GET", "/"): VIEWER,
    ("GET", "/surveys/<key>"): VIEWER,
    ("GET", "/questionnaires"): EVALUATOR,
    ("POST", "/questionnaires"): EVALUATOR,
    ("GET", "/questionnaires/new"): EVALUATOR,
    ("POST", "/questionnaires/new"): EVALUATOR,
    ("GET", "/questionnaires/template.xlsx"): EVALUATOR,
    ("GET", "/questionnaires/drafts/<int:draft_id>"): EVALUATOR,
    ("POST", "/questionnaires/drafts/<int:draft_id>"): EVALUATOR,
    ("GET", "/questionnaires/drafts/<int:draft_id>/preview"): EVALUATOR,
    ("GET", "/questionnaires/drafts/<int:draft_id>/preview/form"): EVALUATOR,
    ("POST", "/questionnaires/drafts/<int:draft_id>/preview/form"): EVALUATOR,
    ("GET", "/questionnaires/<questionnaire>"): EVALUATOR,
    ("GET", "/questionnaires/<questionnaire>/versions/<int:number>.<any(yaml, xlsx):fmt>"): EVALUATOR,
    ("GET", "/questionnaires/<questionnaire>/versions/<int:number>/preview"): EVALUATOR,
    ("GET", "/questionnaires/<questionnaire>/versions/<int:number>/preview/form"): EVALUATOR,
    ("POST", "/questionnaires/<questionnaire>/versions/<int:number>/preview/form"): EVALUATOR,
    ("GET", "/rosters"): EVALUATOR,
    ("POST", "/rosters"): EVALUATOR,
    ("GET", "/surveys/new"): EVALUATOR,
    ("POST", "/surveys/new"): EVALUATOR,
    ("POST", "/surveys/<key>/<any(open, close, reopen, archive, restore):action>"): EVALUATOR,
    ("GET", "/surveys/<key>/edit"): EVALUATOR,
    ("POST", "/surveys/<key>/edit"): EVALUATOR,
    ("POST", "/surveys/<key>/delete"): EVALUATOR,
    ("GET", "/surveys/<key>/invitations"): EVALUATOR,
    ("GET", "/surveys/<key>/invitations.<any(csv, xlsx):fmt>"): EVALUATOR,
    ("GET", "/surveys/<key>/invitations/qr"): EVALUATOR,
    ("GET", "/surveys/<key>/mail"): EVALUATOR,
    ("POST", "/surveys/<key>/mail/<any(invitation, reminder):kind>"): EVALUATOR,
    ("GET", "/surveys/<key>/mail/batches/<int:batch_id>"): EVALUATOR,
    ("GET", "/surveys/<key>/mail/batches/<int:batch_id>/progress"): EVALUATOR,
    ("POST", "/surveys/<key>/mail/batches/<int:batch_id>/retry"): EVALUATOR,
    ("GET", "/surveys/<key>/mail/templates/<any(invitation, reminder):kind>"): EVALUATOR,
    ("POST", "/surveys/<key>/mail/templates/<any(invitation, reminder):kind>"): EVALUATOR,
    ("POST", "/surveys/<key>/mail/templates/<any(invitation, reminder):kind>/reset"): EVALUATOR,
    ("POST", "/surveys/<key>/mail/schedule"): EVALUATOR,
    ("POST", "/surveys/<key>/mail/schedule/suggested"): EVALUATOR,
    ("POST", "/surveys/<key>/mail/schedule/<int:rule_id>/delete"): EVALUATOR,
    ("GET", "/jobs"): EVALUATOR,
    ("GET", "/surveys/<key>/results/report.<fmt>/builds/<int:job_id>"): VIEWER,
    ("GET", "/admin/mail"): ADMIN,
    ("POST", "/admin/mail"): ADMIN,
    ("POST", "/admin/mail/server"): ADMIN,
    ("GET", "/surveys/<key>/non-respondents"): EVALUATOR,
    ("GET", "/surveys/<key>/non-respondents.<any(csv, xlsx):fmt>"): EVALUATOR,
    ("GET", "/surveys/<key>/review"): EVALUATOR,
    ("GET", "/surveys/<key>/responses"): EVALUATOR,
    ("GET", "/surveys/<key>/responses/<int:response_id>"): EVALUATOR,
    ("POST", "/surveys/<key>/responses/<int:response_id>/validity"): EVALUATOR,
    ("GET", "/surveys/<key>/responses/<int:response_id>/correction"): EVALUATOR,
    ("POST", "/surveys/<key>/responses/<int:response_id>/correction"): EVALUATOR,
    ("GET", "/surveys/<key>/responses/import"): EVALUATOR,
    ("POST", "/surveys/<key>/responses/import"): EVALUATOR,
    ("POST", "/surveys/<key>/responses/import/confirm"): EVALUATOR,
    ("GET", "/surveys/<key>/responses/imports/<int:import_id>"): EVALUATOR,
    ("GET", "/surveys/<key>/responses/imports/<int:import_id>/status"): EVALUATOR,
    ("GET", "/surveys/<key>/centres"): EVALUATOR,
    ("GET", "/surveys/<key>/centres/<code>"): EVALUATOR,
    ("POST", "/surveys/<key>/centres/<code>/reminder"): EVALUATOR,
    ("POST", "/surveys/<key>/centres/<code>/reissue"): EVALUATOR,
    ("GET", "/surveys/<key>/centres/<code>/entry"): EVALUATOR,
    ("GET", "/surveys/<key>/centres/<code>/entry/resolve"): EVALUATOR,
    ("POST", "/surveys/<key>/centres/<code>/entry/resolve"): EVALUATOR,
    ("POST", "/surveys/<key>/centres/<code>/entry"): EVALUATOR,
    ("GET", "/admin/users"): ADMIN,
    ("GET", "/admin/users/new"): ADMIN,
    ("POST", "/admin/users/new"): ADMIN,
    ("GET", "/admin/users/<int:user_id>"): ADMIN,
    ("POST", "/admin/users/<int:user_id>/role"): ADMIN,
    ("POST", "/admin/users/<int:user_id>/<any(activate, deactivate):action>"): ADMIN,
    ("POST", "/admin/users/<int:user_id>/tokens"): ADMIN,
    ("POST", "/admin/users/<int:user_id>/tokens/<int:token_id>/revoke"): ADMIN,
    ("GET", "/admin/audit"): ADMIN,
    ("POST", "/admin/users/<int:user_id>/password"): ADMIN,
    ("GET", "/account/password"): VIEWER,
    ("POST", "/account/password"): VIEWER,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/results"): VIEWER,
    ("GET", "/surveys/<key>/results/"): VIEWER,
    ("GET", "/surveys/<key>/results/dimensions"): VIEWER,
    ("GET", "/surveys/<key>/results/items"): VIEWER,
    ("GET", "/surveys/<key>/results/districts"): VIEWER,
    ("GET", "/surveys/<key>/results/reliability"): VIEWER,
    ("GET", "/surveys/<key>/results/comments"): VIEWER,
    ("GET", "/surveys/<key>/results/comparison"): VIEWER,
    ("GET", "/surveys/<key>/results/profile"): VIEWER,
    ("GET", "/surveys/<key>/results/report"): VIEWER,
    ("GET", "/surveys/<key>/results/report.pdf"): VIEWER,
    ("GET", "/surveys/<key>/results/report.docx"): VIEWER,
    ("GET", "/surveys/<key>/results/responses.csv"): EVALUATOR,
    ("GET", "/surveys/<key>/results/results.xlsx"): EVALUATOR,
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/scorecards/"): VIEWER,
    ("POST", "/scorecards/"): EVALUATOR,
    ("GET", "/scorecards/<int:scorecard_id>"): VIEWER,
    ("GET", "/scorecards/<int:scorecard_id>/scorecard.<any(docx, xlsx):file_format>"): VIEWER,
    # everyone lands on the login page; a session ends (test_auth.py checks a copied cookie dies). Tested last.
    ("POST", "/logout"): dict.fromkeys(VISITORS, LOGIN),
}
ANY_ARGUMENT = re.compile(r"<any\(([^)]*)\):(\w+)>")
PREFIXES = {"/static/": PUBLIC, "/s/": CENTRE_PAGE, "/api/": API}

#: object-level checks: a logged-in administrator passes every role check, so these must be refused by object
OBJECT_CHECKS = [
    ("GET", "/surveys/no-such-survey"),
    ("GET", "/surveys/{other}/responses/{response_id}"),
    ("POST", "/surveys/{other}/responses/{response_id}/validity"),
    ("GET", "/surveys/{other}/responses/{response_id}/correction"),
    ("POST", "/surveys/{other}/responses/{response_id}/correction"),
    ("GET", "/surveys/{other}/mail/batches/{batch_id}"),
    ("GET", "/surveys/{other}/mail/batches/{batch_id}/progress"),
    ("POST", "/surveys/{other}/mail/batches/{batch_id}/retry"),
    ("POST", "/admin/users/{admin_id}/tokens/{token_id}/revoke"),
    ("GET", "/admin/users/999999"),
    ("GET", "/scorecards/999999"),
    ("GET", "/scorecards/999999/scorecard.docx"),
    ("GET", "/questionnaires/drafts/999999"),
    ("GET", "/questionnaires/no-such-questionnaire"),
    ("GET", "/questionnaires/{questionnaire}/versions/999/preview/form"),
    ("GET", "/surveys/no-such-survey/results/"),
    ("GET", "/surveys/no-such-survey/results/report.pdf"),
    ("GET", "/surveys/no-such-survey/results/report.docx"),
    ("GET", "/surveys/{other}/results/report.pdf/builds/{job_id}"),
    ("GET", "/surveys/{other}/responses/imports/{import_id}"),
    ("GET", "/surveys/{other}/responses/imports/{import_id}/status"),
    ("GET", "/surveys/{key}/responses/imports/{job_id}"),
]


def rules(app):
    """(method, rule, endpoint) of every route, HEAD and OPTIONS aside."""
    return [(method, rule.rule, rule) for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def expectations_for(method: str, rule: str) -> dict | None:
    if (method, rule) in ROUTES:
        return ROUTES[(method, rule)]
    return next((expected for prefix, expected in PREFIXES.items() if rule.startswith(prefix)), None)


def test_every_route_is_in_the_table(app):
    missing = [f"{method} {rule}" for method, rule, _ in rules(app) if expectations_for(method, rule) is None]
    assert missing == [], f"add these routes to ROUTES in {__file__}: {missing}"
    stale = [route for route in ROUTES if route not in {(m, r) for m, r, _ in rules(app)}]
    assert stale == [], f"routes in the table that the app no longer has: {stale}"


@pytest.fixture
def objects(app):
    """A draft survey with a submitted response and a finished mail batch, another survey, another account."""
    with app.app_context():
        key = make_survey("matrix-2018", state="draft")
        make_survey("other-2018", state="draft")
    response_id = submit(app, key, "310101002")
    create_account(app, "viewer", "target@example.org")
    with app.app_context():
        survey = db.session.scalar(select(Survey).filter_by(key=key))
        invitation = db.session.scalar(select(Invitation).filter_by(survey_id=survey.id).order_by(Invitation.id))
        batch = MailBatch(survey_id=survey.id, kind="invitation", total=1, finished_at=invitation.created_at)
        batch.deliveries = [MailDelivery(invitation_id=invitation.id, kind="invitation", status="sent",
                                         recipient="dj310101002@example.org")]
        db.session.add(batch)
        rule = ReminderRule(survey_id=survey.id, days_before=2, at_time="09:00")
        build = Job(kind="report", survey_id=survey.id, state=JobState.done, params={"format": "pdf"})
        imported = Job(kind="response_import", survey_id=survey.id, state=JobState.done,
                       params={"filename": "paper.csv", "mode": "paper", "replace": False, "new": 1, "replaced": 0})
        db.session.add_all([rule, build, imported])
        scorecard = store_scorecard((DATA / "scorecard-example.yaml").read_bytes(), "scorecard-example.yaml")
        draft = QuestionnaireDraft(definition=blank_definition(), history=[])
        db.session.add(draft)
        target = find_user("target@example.org")
        token, _ = create_api_token(target, "report")
        db.session.commit()
        # a draft survey, so no send starts; the last option of every any() converter (close, reminder,
        # deactivate, xlsx) is the harmless one
        return {"key": key, "response_id": response_id, "batch_id": batch.id, "user_id": target.id,
                "token_id": token.id, "token": invitation.token, "filename": "css/app.css",
                "other": "other-2018", "scorecard_id": scorecard.id, "code": "310101013", "draft_id": draft.id,
                "questionnaire": survey.questionnaire_version.key, "number": survey.questionnaire_version.version,
                "rule_id": rule.id, "fmt": "pdf", "job_id": build.id, "import_id": imported.id}


def build(rule, values: dict) -> str:
    """The rule's URL with the fixture's objects; an ``any(...)`` argument takes its last option."""
    arguments = {name: options.split(", ")[-1] for options, name in ANY_ARGUMENT.findall(rule.rule)}
    for name in rule.arguments - arguments.keys():
        assert name in values, f"add a value for <{name}> (rule {rule.rule}) to the objects fixture"
        arguments[name] = values[name]
    return rule.build(arguments)[1]


def visitor_client(app, visitor: str, values: dict):
    client = app.test_client()
    if visitor == "centre":
        # a centre holds its personal link and nothing else; it may try that token anywhere
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {values['token']}"
        client.get(f"/s/{values['token']}")
    elif visitor != "anonymous":
        email, password = create_account(app, visitor, f"{visitor}@example.org")
        assert log_in(client, email, password).status_code == 302
    return client


def outcome_matches(response, expected: str) -> bool:
    to_login = response.status_code == 302 and urlparse(response.location).path == "/login"
    return {
        OPEN: response.status_code < 400,
        LOGIN: to_login,
        DENIED: response.status_code == 403,
        ALLOWED: response.status_code in (200, 202, 422) or (response.status_code == 302 and not to_login),
        CENTRE: response.status_code < 500 and response.status_code != 403 and not to_login,
        UNAUTHORIZED: response.status_code in (401, 403),
    }[expected]


@pytest.mark.parametrize("visitor", VISITORS)
def test_access_matrix(app, objects, visitor):
    client = visitor_client(app, visitor, objects)
    csrf = CSRF_FIELD.search(client.get("/login").get_data(as_text=True))
    token = csrf.group(1) or csrf.group(2)
    routes = sorted(rules(app), key=lambda route: route[1] == "/logout")
    wrong = []
    for method, rule, werkzeug_rule in routes:
        expected = expectations_for(method, rule)[visitor]
        if expected is UNCHECKED:
            continue
        url = build(werkzeug_rule, objects)
        response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
        if not outcome_matches(response, expected):
            wrong.append(f"{method} {url}: expected {expected}, got {response.status_code} {response.location or ''}")
    assert wrong == []


def test_objects_are_checked_beyond_roles(app, objects):
    client = visitor_client(app, "admin", objects)
    with app.app_context():
        values = dict(objects, admin_id=find_user("admin@example.org").id)
    csrf = CSRF_FIELD.search(client.get("/login").get_data(as_text=True))
    token = csrf.group(1) or csrf.group(2)
    wrong = []
    for method, template in OBJECT_CHECKS:
        url = template.format(**values)
        response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
        if response.status_code != 404:
            wrong.append(f"{method} {url}: expected 404, got {response.status_code}")
    assert wrong == []
    with app.app_context():
        assert db.session.get(ApiToken, objects["token_id"]).revoked_at is None


# --- confidentiality: what a reader may learn of one centre's answers (docs/satisfaction-json.md) -----------------

LIKERT = [f"q{n:02d}" for n in range(1, 13)]
ISSUED = "remote-edu-ops-2017"  # the survey of the issued_survey fixture


@pytest.fixture
def small_groups(app, issued_survey):
    """Four valid questionnaires from one district, one from another (a lone centre), each with a comment."""
    from survey_service.responses.operations import save_answers
    from survey_service.roster.models import RosterUnit
    from survey_service.surveys.models import Invitation

    with app.app_context():
        invitations = db.session.execute(select(Invitation, RosterUnit).join(RosterUnit)
                                         .order_by(Invitation.id)).all()
        by_district: dict[str, list] = {}
        for invitation, unit in invitations:
            by_district.setdefault(unit.district, []).append((invitation, unit))
        large, small = list(by_district)[:2]
        chosen = by_district[large][:4] + by_district[small][:1]
        for n, (invitation, unit) in enumerate(chosen):
            save_answers(invitation, dict(zip(LIKERT, [5, 4, 3, 4, 5, 4] * 2)), {"suggestions": f"意见第{n}条"},
                         submit=True)
        db.session.commit()
        return {"large": large, "small": small, "lone_centre": chosen[-1][1].name}


def _row(document: dict, group: str) -> dict:
    return next(row for row in document["groups"]["rows"] if row["group"] == group)


def test_a_viewer_token_reads_small_groups_suppressed_and_evaluators_read_every_figure(app, client, small_groups):
    url = f"/api/v1/surveys/{ISSUED}/satisfaction"
    figures = {}
    for role in ("viewer", "evaluator", "admin"):
        with app.app_context():
            user = create_user(f"api-{role}@example.org", role, "correct horse battery")
            _, secret = create_api_token(user, "report")
            db.session.commit()
        response = client.get(url, headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 200
        figures[role] = response
    viewer = figures["viewer"].json
    small = _row(viewer, small_groups["small"])
    assert (small["index"], small["ci95"], small["suppressed"]) == (None, None, True)
    assert (small["issued"], small["submitted"], small["valid"]) != (None, None, None) and small["valid"] == 1
    assert _row(viewer, small_groups["large"])["index"] is not None
    assert "suppressed" not in _row(viewer, small_groups["large"])
    for role in ("evaluator", "admin"):
        full = _row(figures[role].json, small_groups["small"])
        assert full["index"] is not None and "suppressed" not in full
    assert figures["viewer"].headers["ETag"] != figures["evaluator"].headers["ETag"]
    assert viewer["overall"] == figures["evaluator"].json["overall"]
    cli = json.loads(app.test_cli_runner().invoke(args=["analyze", "--survey", ISSUED, "--json"]).stdout)
    assert _row(cli, small_groups["small"])["index"] == _row(figures["evaluator"].json, small_groups["small"])["index"]


@pytest.mark.parametrize("role", ["viewer", "evaluator"])
def test_pages_and_report_show_too_few_and_no_centre_names(app, client, login, small_groups, role):
    login(role)
    districts = client.get(f"/surveys/{ISSUED}/results/districts").get_data(as_text=True)
    row = re.search(rf"<th scope=\"row\">{small_groups['small']}</th>(.*?)</tr>", districts, re.S).group(1)
    assert "样本不足" in row and "%" not in row.split("样本不足")[1].split("</td>")[0]
    comments = client.get(f"/surveys/{ISSUED}/results/comments").get_data(as_text=True)
    assert "意见第4条" in comments and small_groups["lone_centre"] not in comments
    report = client.get(f"/surveys/{ISSUED}/results/report").get_data(as_text=True)
    assert "意见第4条" in report and small_groups["lone_centre"] not in report and "样本不足" in report
    word = built_download(app, client, f"/surveys/{ISSUED}/results/report.docx").data
    text = Document(io.BytesIO(word)).element.body.xml
    assert "意见第4条" in text and small_groups["lone_centre"] not in text and "样本不足" in text


def test_evaluators_still_see_who_wrote_what_on_the_responses_own_page(app, client, login, small_groups):
    from survey_service.responses.models import Response

    login("evaluator")
    with app.app_context():
        response_id = db.session.scalars(select(Response.id).order_by(Response.id.desc())).first()
    page = client.get(f"/surveys/{ISSUED}/responses/{response_id}").get_data(as_text=True)
    assert small_groups["lone_centre"] in page and "意见第4条" in page
