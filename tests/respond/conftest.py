"""Fixtures of the questionnaire page: a survey issued to the Shanghai roster, and its personal links."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from survey_service.extensions import db
from survey_service.respond.openings import pending_openings
from survey_service.surveys.models import Invitation, Survey, SurveyState
from tests.conftest import QUESTIONNAIRE, ROSTER

#: a complete, valid set of answers to the shared questionnaire (q12 not applicable)
COMPLETE_ANSWERS = {**{f"item-q{n:02d}": str(5 - n % 4) for n in range(1, 12)}, "item-q12": "0",
                    "open-suggestions": "希望增加直播课堂的回放。"}


def issue_survey(app, key: str = "remote-edu-ops-2017", *, state: SurveyState = SurveyState.open,
                 opens_at: datetime | None = None, closes_at: datetime | None = None,
                 allow_corrections: bool = False, questionnaire: Path = QUESTIONNAIRE) -> list[str]:
    """Import the questionnaire (the shared one by default) and the roster, create a survey and return its
    personal-link tokens."""
    from survey_service.questionnaires.operations import import_questionnaire
    from survey_service.roster.operations import import_roster
    from survey_service.surveys.operations import change_state, create_survey

    with app.app_context():
        version, _ = import_questionnaire(questionnaire.read_bytes(), questionnaire.name)
        roster = import_roster(ROSTER.read_bytes(), ROSTER.name, f"roster-{key}")
        survey = create_survey(key, version, roster, opens_at=opens_at, closes_at=closes_at,
                               allow_corrections=allow_corrections)
        for target in {SurveyState.draft: [], SurveyState.open: [SurveyState.open],
                       SurveyState.closed: [SurveyState.open, SurveyState.closed]}[state]:
            change_state(survey, target)
        db.session.commit()
        return [invitation.token for invitation in survey.invitations]


@pytest.fixture
def tokens(app):
    """The personal-link tokens of an open survey, in roster order."""
    return issue_survey(app)


@pytest.fixture
def link(tokens):
    return f"/s/{tokens[0]}"


def invitation_of(app, token: str) -> Invitation:
    """The invitation as stored, once the process has written the first openings it noted (on SQLite they are
    written in batches: ``survey_service.respond.openings``)."""
    pending_openings(app).flush()
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).filter_by(token=token))
        db.session.expunge(invitation)
        return invitation


def survey_of(key: str = "remote-edu-ops-2017") -> Survey:
    return db.session.scalar(select(Survey).filter_by(key=key))
