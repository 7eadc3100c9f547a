from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select

from survey_service.audit.operations import record
from survey_service.extensions import db
from survey_service.problems import ProblemList
from survey_service.questionnaires.models import QuestionnaireVersion
from survey_service.responses.models import Response
from survey_service.roster.models import Roster
from survey_service.surveys.models import Invitation, Survey, SurveyState, TransitionError, new_token

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


class LifecycleRefused(Exception):
    """A lifecycle change the survey may not make; ``reason`` is a code the console words for the reader."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


#: what each move needs of the survey's state: (target state, the Survey method, the audit verb)
MOVES = {
    "open": (SurveyState.open, Survey.open, "survey.open"),
    "close": (SurveyState.closed, Survey.close, "survey.closed"),
    "reopen": (SurveyState.open, Survey.reopen, "survey.reopen"),
    "archive": (SurveyState.archived, Survey.archive, "survey.archived"),
    "restore": (SurveyState.closed, Survey.restore, "survey.restored"),
}
#: moves that must say why: the reason goes into the audit log
NEEDS_REASON = {"reopen"}


def change_state(survey: Survey, target: SurveyState | str, *, reason: str | None = None,
                 actor: str | None = None) -> None:
    """Move a survey along its lifecycle (a state, or a move of :data:`MOVES`), refusing what it does not allow."""
    move = target if isinstance(target, str) else next(
        name for name, (state, _, _) in MOVES.items() if state is target and name not in ("reopen", "restore"))
    if move not in MOVES:
        raise ProblemList([f"state: no such change \"{move}\""])
    _, method, verb = MOVES[move]
    reason = (reason or "").strip() or None
    if move in NEEDS_REASON and not reason:
        raise ProblemList([f"reason: say why the survey is {move}ed"])
    before = survey.state
    try:
        method(survey)
    except TransitionError as exc:
        raise ProblemList([f"state: {exc}"]) from None
    db.session.flush()
    details = {"before": before.value, "after": survey.state.value}
    record(verb, survey, actor=actor, **(details | ({"reason": reason} if reason else {})))


def edit_survey(survey: Survey, *, title: str, opens_at: datetime | None, closes_at: datetime | None,
                actor: str | None = None) -> dict:
    """Change the title and answering window of a draft or open survey (an extended deadline reaches the centres'
    pages and the reminders, which read it from here); returns what changed, as audited."""
    if not survey.editable:
        raise LifecycleRefused("not_editable")
    title = (title or "").strip() or survey.title
    if opens_at and closes_at and closes_at <= opens_at:
        raise LifecycleRefused("closes_before_opens")
    after = {"title": title, "opens_at": opens_at, "closes_at": closes_at}
    changed = {name: (getattr(survey, name), value) for name, value in after.items() if getattr(survey, name) != value}
    for name, (_, value) in changed.items():
        setattr(survey, name, value)
    if changed:
        db.session.flush()
        record("survey.edit", survey, actor=actor,
               before={name: _plain(old) for name, (old, _) in changed.items()},
               after={name: _plain(new) for name, (_, new) in changed.items()})
    return changed


def delete_survey(survey: Survey, *, actor: str | None = None) -> None:
    """Delete a draft made by mistake; a survey with any response (even a draft answer) is kept."""
    if survey.state is not SurveyState.draft:
        raise LifecycleRefused("not_draft")
    if db.session.scalar(select(func.count(Response.id)).where(Response.survey_id == survey.id)):
        raise LifecycleRefused("has_responses")
    record("survey.delete", survey, actor=actor, title=survey.title, invitations=len(survey.invitations))
    db.session.delete(survey)
    db.session.flush()


def reissue_link(invitation: Invitation, *, actor: str | None = None) -> None:
    """Give a centre a new personal link (a link forwarded too widely, say); the old one then answers like an unknown
    link. The centre's saved or submitted answers stay with it."""
    if invitation.survey.read_only:
        raise LifecycleRefused("read_only")
    if invitation.revoked_at is not None:
        raise LifecycleRefused("link_revoked")
    invitation.token = new_token()
    db.session.flush()
    # the audit names the centre, never a token: the log must not hand out a working link
    record("invitation.reissue", invitation, actor=actor, survey=invitation.survey.key, centre=invitation.unit.code)


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def find_survey(key: str) -> Survey:
    survey = db.session.scalar(select(Survey).filter_by(key=key))
    if survey is None:
        raise ProblemList([f"survey: no survey \"{key}\""])
    return survey
