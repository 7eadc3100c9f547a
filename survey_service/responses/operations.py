from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from analysis.validity import check_validity
from survey_service.audit.operations import record
from survey_service.extensions import db
from survey_service.problems import ProblemList
from survey_service.questionnaires.models import Question, QuestionnaireVersion
from survey_service.responses.models import Answer, Response, ResponseState, Validity
from survey_service.surveys.models import Invitation
from survey_service.timestamps import utcnow

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class AlreadySubmitted(Exception):
    """The centre has submitted already (and may not correct its answers)."""


def response_for(invitation: Invitation, *, create: bool) -> Response | None:
    """The invitation's one response, created as a draft when asked; a concurrent creator wins without error."""
    response = db.session.scalar(select(Response).filter_by(invitation_id=invitation.id).with_for_update())
    if response is not None or not create:
        return response
    try:
        with db.session.begin_nested():
            response = Response(invitation_id=invitation.id, survey_id=invitation.survey_id)
            db.session.add(response)
    except IntegrityError:
        # another request created it between our select and insert: the unique invitation_id kept one row
        response = db.session.scalar(select(Response).filter_by(invitation_id=invitation.id).with_for_update())
    return response


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
    response = response_for(invitation, create=True)
    submitted = response.state is ResponseState.submitted
    if submitted != correcting or (correcting and not invitation.survey.allow_corrections):
        raise AlreadySubmitted()
    version = invitation.survey.questionnaire_version
    invitation.started_at = invitation.started_at or now
    response.updated_at = now
    response.channel = channel
    if submit or correcting:
        _apply_validity(response, version.questionnaire, likert)
    if submit and not correcting:
        invitation.submitted_at = now
        _submit(response, now)
    db.session.flush()
    _replace_answers(response, version, likert, texts)
    if correcting:
        record("response.correct", response, actor=f"centre:{invitation.unit.code}")
    return response


def _replace_answers(response: Response, version: QuestionnaireVersion, likert, texts) -> None:
    """The response's answers, replaced in two statements (a submission is on the centres' critical path)."""
    ids = question_ids(version)
    rows = ([{"response_id": response.id, "question_id": ids[key], "value": value, "text": None}
             for key, value in likert.items()]
            + [{"response_id": response.id, "question_id": ids[key], "value": None, "text": text}
               for key, text in texts.items() if text])
    db.session.execute(delete(Answer).where(Answer.response_id == response.id)
                       .execution_options(synchronize_session=False))
    if rows:
        db.session.execute(insert(Answer.__table__), rows)
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


def _apply_validity(response: Response, questionnaire, likert) -> None:
    check = check_validity(questionnaire, likert)
    response.answered_share = check.answered_share
    if response.reviewed_at is None:
        response.validity = Validity(check.automatic_status)
        response.validity_reason = None if check.complete_enough else check.reasons[0]
        response.flags = check.reasons


def _submit(response: Response, now: datetime) -> None:
    # The conditional update is the guard: of two concurrent submissions only one finds the response a draft.
    reference = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(10))
    result = db.session.execute(
        update(Response).where(Response.id == response.id, Response.state == ResponseState.draft)
        .values(state=ResponseState.submitted, submitted_at=now, reference=reference)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise AlreadySubmitted()
    for name, value in (("state", ResponseState.submitted), ("submitted_at", now), ("reference", reference)):
        set_committed_value(response, name, value)


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
