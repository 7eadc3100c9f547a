from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from survey_service.audit.operations import record
from survey_service.extensions import db
from survey_service.problems import ProblemList
from survey_service.questionnaires.models import QuestionnaireVersion
from survey_service.roster.models import Roster
from survey_service.surveys.models import Invitation, Survey, SurveyState, TransitionError

#: a survey key; \Z, not $, which would also accept a final line break (and break every export named by the key)
SURVEY_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}\Z")


def create_survey(key: str, version: QuestionnaireVersion, roster: Roster, *, title: str | None = None,
                  opens_at: datetime | None = None, closes_at: datetime | None = None,
                  allow_corrections: bool = False, actor: str | None = None) -> Survey:
    """A draft survey with one invitation (personal link) per roster unit."""
    problems = []
    if not SURVEY_KEY.match(key or ""):
        problems.append(f"key: \"{key}\" must be lowercase letters, digits and '-'")
    elif db.session.scalar(select(Survey.id).filter_by(key=key)) is not None:
        problems.append(f"key: a survey \"{key}\" exists already")
    if opens_at and closes_at and closes_at <= opens_at:
        problems.append("closes: the survey must close after it opens")
    if problems:
        raise ProblemList(problems)
    survey = Survey(key=key, title=title or version.title, questionnaire_version=version, roster=roster,
                    opens_at=opens_at, closes_at=closes_at, allow_corrections=allow_corrections)
    survey.invitations = [Invitation(unit=unit) for unit in roster.units]
    db.session.add(survey)
    db.session.flush()
    record("survey.create", survey, actor=actor, questionnaire=version.label, roster=roster.name,
           invitations=len(survey.invitations))
    return survey


def change_state(survey: Survey, target: SurveyState, *, actor: str | None = None) -> None:
    """Open or close a survey, refusing transitions the lifecycle does not allow."""
    before = survey.state
    transitions = {SurveyState.open: survey.open, SurveyState.closed: survey.close}
    try:
        transitions[target]()
    except (TransitionError, KeyError) as exc:
        raise ProblemList([f"state: {exc}"]) from None
    db.session.flush()
    record(f"survey.{target.value}", survey, actor=actor, before=before.value, after=target.value)


def find_survey(key: str) -> Survey:
    survey = db.session.scalar(select(Survey).filter_by(key=key))
    if survey is None:
        raise ProblemList([f"survey: no survey \"{key}\""])
    return survey
