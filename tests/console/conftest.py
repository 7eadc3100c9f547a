"""Console fixtures: a small roster with a survey for fast tests, and the SMTP server on loopback."""
from __future__ import annotations

import pytest

from survey_service.extensions import db
from tests.conftest import QUESTIONNAIRE
from tests.console.smtp_server import smtp  # noqa: F401  (the fixture)

SMALL_ROSTER = """code,name,district,contact_email
310101002,南京东路街道,黄浦区,dj310101002@example.org
310101013,外滩街道,黄浦区,dj310101013@example.org
310104003,天平路街道,徐汇区,dj310104003@example.org
310104004,湖南路街道,徐汇区,
"""
#: a complete, varied set of answers to the shared questionnaire's twelve Likert items
ANSWERS = {f"q{n:02d}": v for n, v in zip(range(1, 13), [5, 4, 4, 3, 5, 4, 4, 3, 2, 4, 5, 4])}
STRAIGHT = {f"q{n:02d}": 5 for n in range(1, 13)}


def make_survey(key: str = "small-2018", *, state: str = "open", closes: str | None = "2018-06-18T18:00") -> str:
    """The shared questionnaire issued to the four-centre roster (inside an app context)."""
    from survey_service.command_line import parse_time
    from survey_service.questionnaires.operations import import_questionnaire
    from survey_service.roster.models import Roster
    from survey_service.roster.operations import import_roster
    from survey_service.surveys.models import SurveyState
    from survey_service.surveys.operations import change_state, create_survey

    version, _ = import_questionnaire(QUESTIONNAIRE.read_bytes(), QUESTIONNAIRE.name)
    roster = db.session.scalar(db.select(Roster).filter_by(name="small")) or \
        import_roster(SMALL_ROSTER.encode(), "small.csv", "small")
    survey = create_survey(key, version, roster, title="2018年度远程教育运维满意度调查",
                           closes_at=parse_time(closes))
    if state != "draft":
        change_state(survey, SurveyState.open)
    if state == "closed":
        change_state(survey, SurveyState.closed)
    db.session.commit()
    return key


@pytest.fixture
def small_survey(app):
    """An open survey of four centres in two districts (one without an e-mail address); returns its key."""
    with app.app_context():
        return make_survey()


def submit(app, survey_key: str, code: str, answers: dict | None = None):
    """A centre submits its answers (the questionnaire page is another feature's; this is its operation)."""
    from survey_service.responses.operations import save_answers
    from survey_service.roster.models import RosterUnit
    from survey_service.surveys.models import Invitation, Survey

    with app.app_context():
        invitation = db.session.scalar(db.select(Invitation).join(Survey).join(RosterUnit)
                                       .where(Survey.key == survey_key, RosterUnit.code == code))
        response = save_answers(invitation, answers or ANSWERS, {}, submit=True)
        db.session.commit()
        return response.id
