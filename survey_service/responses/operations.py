from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from analysis.validity import check_validity
from survey_service.audit.operations import record
from survey_service.database import write_from_here
from survey_service.extensions import db
from survey_service.problems import ProblemList
from survey_service.questionnaires.models import Question, QuestionnaireVersion
from survey_service.responses.models import Answer, Response, ResponseState, Validity
from survey_service.surveys.models import Invitation
from survey_service.surveys.operations import touch
from survey_service.timestamps import utcnow

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#: INSERT … ON CONFLICT of each supported database
UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class AlreadySubmitted(Exception):
    """The centre has submitted already (and may not correct its answers)."""


def response_for(invitation: Invitation, *, create: bool) -> Response | None:
    """The invitation's one response, locked until the transaction ends; created as a draft when asked (a
    concurrent creator wins without error)."""
    return _locked_response(invitation, create=create)[0]


def _locked_response(invitation: Invitation, *, create: bool) -> tuple[Response | None, bool]:
    """(the response, whether this call created it). ``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the
    transaction already holds the write lock."""
    # populate_existing: a response read earlier in the transaction (before the write lock) is read again
    lookup = (select(Response).filter_by(invitation_id=invitation.id).with_for_update()
              .execution_options(populate_existing=True))
    response = db.session.scalar(lookup)
    if response is not None or not create:
        return response, False
    # The unique invitation_id keeps one row: a concurrent creator's insert does nothing, and the select then
    # waits for that creator's transaction and reads its row.
    insert_draft = UPSERTS[db.engine.dialect.name](Response).values(
        invitation_id=invitation.id, survey_id=invitation.survey_id).on_conflict_do_nothing(
        index_elements=[Response.invitation_id]).returning(Response)
    created = db.session.scalar(insert_draft)
    return (created, True) if created is not None else (db.session.scalar(lookup), False)


def save_answers(invitation: Invitation, likert: Mapping[str, int | None], texts: Mapping[str, str],
                 *, submit: bool, correcting: bool = False, channel: str = "web",
                 now: datetime | None = None) -> Response:
    """Store a centre's answers as a draft, submit them, or correct submitted answers (``correcting``, only where
    the survey allows corrections).

    Exactly one submission wins: whatever finds the response submitted without meaning to correct it — a second
    submission, or a draft save that raced the submission — raises :class:`AlreadySubmitted` and changes nothing.
    ``likert`` and ``texts`` are already validated against the questionnaire; absent keys are left blank.
    """
    now = now or utcnow()
    write_from_here()
    response, created = _locked_response(invitation, create=True)
    if (response.state is ResponseState.submitted) != correcting or (
            correcting and not invitation.survey.allow_corrections):
        raise AlreadySubmitted()
    version = invitation.survey.questionnaire_version
    invitation.started_at = invitation.started_at or now
    changes = {"updated_at": now, "channel": channel}
    if submit or correcting:
        changes |= _validity(response, version.questionnaire, likert)
    # A submission is a conditional update from draft: the guard holds even if the row lock were bypassed.
    guard = []
    if submit and not correcting:
        invitation.submitted_at = now
        reference = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(10))
        changes |= {"state": ResponseState.submitted, "submitted_at": now, "reference": reference}
        guard = [Response.state == ResponseState.draft]
    result = db.session.execute(update(Response).where(Response.id == response.id, *guard).values(**changes)
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise AlreadySubmitted()
    for name, value in changes.items():
        set_committed_value(response, name, value)
    if submit or correcting:  # drafts count in no figure
        touch(invitation.survey_id)
    _replace_answers(response, version, likert, texts, fresh=created)
    if correcting:
        record("response.correct", response, actor=f"centre:{invitation.unit.code}")
    db.session.flush()
    return response


def _replace_answers(response: Response, version: QuestionnaireVersion, likert, texts, *, fresh: bool) -> None:
    """The response's answers, replaced in (at most) two statements: a submission is on the centres' critical
    path."""
    ids = question_ids(version)
    rows = ([{"response_id": response.id, "question_id": ids[key], "value": value, "text": None}
             for key, value in likert.items()]
            + [{"response_id": response.id, "question_id": ids[key], "value": None, "text": text}
               for key, text in texts.items() if text])
    if not fresh:
        db.session.execute(delete(Answer).where(Answer.response_id == response.id)
                           .execution_options(synchronize_session=False))
    if rows:
        db.session.execute(insert(Answer.__table__), rows)
    if response.state is ResponseState.submitted:  # a draft's answers count in no figure
        touch(response.survey_id)
    db.session.expire(response, ["answers"])


#: question key -> id per (database, questionnaire version); a version never changes once imported
_QUESTION_IDS: dict[tuple[str, int], dict[str, int]] = {}


def question_ids(version: QuestionnaireVersion) -> dict[str, int]:
    """The version's question ids by key, read from the database once per process."""
    cache_key = (db.engine.url.render_as_string(), version.id)
    ids = _QUESTION_IDS.get(cache_key)
    if ids is None:
        ids = _QUESTION_IDS[cache_key] = dict(db.session.execute(
            select(Question.key, Question.id).where(Question.questionnaire_version_id == version.id)).all())
    return ids


def _validity(response: Response, questionnaire, likert) -> dict:
    """The validity columns the questionnaire's rules give these answers; a reviewer's decision is kept."""
    check = check_validity(questionnaire, likert)
    columns = {"answered_share": check.answered_share}
    if response.reviewed_at is None:
        columns |= {"validity": Validity(check.automatic_status),
                    "validity_reason": None if check.complete_enough else check.reasons[0],
                    "flags": check.reasons}
    return columns


def decide_validity(response: Response, validity: Validity, reason: str | None, reviewer) -> None:
    """An evaluator's decision on a submitted response; kept and audited, never a deletion."""
    if response.state is not ResponseState.submitted:
        raise ProblemList(["response: only a submitted response can be reviewed"])
    reason = (reason or "").strip() or None
    if validity is Validity.invalid and not reason:
        raise ProblemList(["reason: give the reason a response is invalid"])
    before = {"validity": response.validity.value if response.validity else None, "reason": response.validity_reason}
    response.validity = validity
    response.validity_reason = reason
    response.reviewed_at = utcnow()
    response.reviewed_by_id = reviewer.id
    db.session.flush()
    record("response.validity", response, before=before, after={"validity": validity.value, "reason": reason},
           centre=response.invitation.unit.code)
