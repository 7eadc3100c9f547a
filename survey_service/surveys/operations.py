from __future__ import annotations

import re
from datetime import datetime
from itertools import chain

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from survey_service.audit.operations import record
from survey_service.extensions import db
from survey_service.problems import ProblemList
from survey_service.questionnaires.models import Question, QuestionnaireVersion
from survey_service.responses.models import Answer, Response, ResponseState
from survey_service.roster.models import Roster, RosterUnit
from survey_service.surveys.models import Invitation, Survey, SurveyState, TransitionError

SURVEY_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
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
        session.execute(update(Survey).where(Survey.id.in_(sorted(touched)))
                        .values(data_version=Survey.data_version + 1).execution_options(synchronize_session=False))


def _forget_touched(session: Session) -> None:
    session.info.pop(TOUCHED, None)


def _changed(instance) -> set[str]:
    state = inspect(instance)
    return {attribute.key for attribute in state.attrs if attribute.history.has_changes()}


def _response_surveys(session: Session, response: Response) -> list[int]:
    # drafts count in no figure; a response that is, or was until now, submitted does
    was_submitted = ResponseState.submitted in inspect(response).attrs.state.history.deleted
    return [response.survey_id] if response.state is ResponseState.submitted or was_submitted else []


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
