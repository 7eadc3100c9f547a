from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from itertools import chain

from sqlalchemy import bindparam, event, func, inspect, select, update
from sqlalchemy.orm import Session

from survey_service.audit.operations import record
from survey_service.extensions import db
from survey_service.problems import ProblemList, problem_text
from survey_service.questionnaires.models import Question, QuestionnaireVersion
from survey_service.responses.models import Answer, Response, ResponseState
from survey_service.roster.models import Roster, RosterUnit
from survey_service.surveys.models import Invitation, Survey, SurveyState, TransitionError, new_token

#: a survey key; \Z, not $, which would also accept a final line break (and break every export named by the key)
SURVEY_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}\Z")
#: ``Session.info`` key: the surveys whose figures the session's transaction may move
TOUCHED = "surveys_touched"
#: Invitation columns that move a figure (issued, and the group counts); opened/sent/started times do not
INVITATION_FIGURE_COLUMNS = frozenset({"revoked_at", "unit_id", "survey_id"})


def touch(survey_id: int, session: Session | None = None) -> None:
    """Note that the current transaction can move the survey's figures: its ``data_version`` rises by one when
    the transaction commits.

    Writes through the ORM are noted by themselves (:func:`_note_flushed_writes`); a write by a bulk statement
    (``update()``, ``insert()``, ``delete()`` on responses or answers) calls this. The version is raised once per
    transaction, just before the commit, so that concurrent submissions on PostgreSQL hold the survey row's lock
    for their commit alone, not for their whole transaction.
    """
    (session or db.session).info.setdefault(TOUCHED, set()).add(survey_id)


def watch_figure_writes() -> None:
    """Keep ``Survey.data_version`` for every session: note the ORM's writes, raise the versions at commit."""
    if not event.contains(Session, "before_flush", _note_flushed_writes):
        event.listen(Session, "before_flush", _note_flushed_writes)
        event.listen(Session, "before_commit", _raise_data_versions)
        event.listen(Session, "after_rollback", _forget_touched)


def _note_flushed_writes(session: Session, flush_context, instances) -> None:
    for instance in chain(session.new, session.dirty, session.deleted):
        noticed = _FIGURE_SURVEYS.get(type(instance))
        if noticed is not None and (instance in session.new or instance in session.deleted
                                    or session.is_modified(instance, include_collections=False)):
            for survey_id in noticed(session, instance):
                if survey_id is not None:  # a survey being created starts at version 0
                    touch(survey_id, session)


def _raise_data_versions(session: Session) -> None:
    session.flush()  # the commit's own flush comes after this hook; its writes must be noted first
    touched = session.info.pop(TOUCHED, None)
    if touched:
        # in id order, so two transactions touching the same surveys cannot deadlock on PostgreSQL
        session.execute(_raise_data_versions_statement(), {"survey_ids": sorted(touched)})


@cache
def _raise_data_versions_statement():
    """Built once, on first use: the statement ends every transaction that can move a figure, each centre's
    submission among them."""
    # the table, not the entity: no ORM bulk-update machinery at every commit
    column = Survey.__table__.c
    return (update(Survey.__table__).where(column.id.in_(bindparam("survey_ids", expanding=True)))
            .values(data_version=column.data_version + 1))


def _forget_touched(session: Session) -> None:
    session.info.pop(TOUCHED, None)


def _changed(instance) -> set[str]:
    state = inspect(instance)
    return {attribute.key for attribute in state.attrs if attribute.history.has_changes()}


def _response_surveys(session: Session, response: Response) -> list[int]:
    # drafts count in no figure; a response that is, or was until now, submitted does
    was_submitted = ResponseState.submitted in inspect(response).attrs.state.history.deleted
    return [response.survey_id] if response.submitted or was_submitted else []


def _answer_surveys(session: Session, answer: Answer) -> list[int]:
    response = answer.response or session.get(Response, answer.response_id)
    return _response_surveys(session, response) if response is not None else []


def _invitation_surveys(session: Session, invitation: Invitation) -> list[int]:
    if invitation in session.new or invitation in session.deleted or _changed(invitation) & INVITATION_FIGURE_COLUMNS:
        return [invitation.survey_id or (invitation.survey.id if invitation.survey else None)]
    return []


def _survey_surveys(session: Session, survey: Survey) -> list[int]:
    return [survey.id] if survey.id is not None and _changed(survey) - {"data_version"} else []


def _roster_unit_surveys(session: Session, unit: RosterUnit) -> list[int]:
    return list(session.scalars(select(Survey.id).where(Survey.roster_id == unit.roster_id)))


def _question_surveys(session: Session, question: Question) -> list[int]:
    return list(session.scalars(select(Survey.id).where(
        Survey.questionnaire_version_id == question.questionnaire_version_id)))


def _version_surveys(session: Session, version: QuestionnaireVersion) -> list[int]:
    return list(session.scalars(select(Survey.id).where(Survey.questionnaire_version_id == version.id)))


#: which surveys' figures an ORM write to an object of each class can move
_FIGURE_SURVEYS = {Response: _response_surveys, Answer: _answer_surveys, Invitation: _invitation_surveys,
                   Survey: _survey_surveys, RosterUnit: _roster_unit_surveys, Question: _question_surveys,
                   QuestionnaireVersion: _version_surveys}


def create_survey(key: str, version: QuestionnaireVersion, roster: Roster, *, title: str | None = None,
                  opens_at: datetime | None = None, closes_at: datetime | None = None,
                  allow_corrections: bool = False, actor: str | None = None) -> Survey:
    """A draft survey with one invitation (personal link) per roster unit."""
    problems = []
    if not SURVEY_KEY.match(key or ""):
        problems.append(problem_text("key: \"%(key)s\" must be lowercase letters, digits and '-'", key=key))
    elif db.session.scalar(select(Survey.id).filter_by(key=key)) is not None:
        problems.append(problem_text("key: a survey \"%(key)s\" exists already", key=key))
    if opens_at and closes_at and closes_at <= opens_at:
        problems.append(problem_text("closes: the survey must close after it opens"))
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
        raise ProblemList([problem_text("reason: say why the survey is reopened")])
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
