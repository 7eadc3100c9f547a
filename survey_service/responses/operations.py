from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import datetime
from functools import cache

from sqlalchemy import Integer, Text, bindparam, cast, delete, func, insert, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from analysis.choices import ChoiceAnswer
from analysis.validity import check_validity
from survey_service.audit.operations import record
from survey_service.auth.models import User
from survey_service.database import write_from_here, writes_at_once
from survey_service.extensions import db
from survey_service.problems import ProblemList, ReasonedRefusal, Refusal
from survey_service.questionnaires.models import Question, QuestionnaireVersion
from survey_service.responses.models import (ENTERED_MODES, Answer, Mode, PaperEntry, Response, ResponseState,
                                             Validity)
from survey_service.surveys.models import Invitation, Survey, SurveyState
from survey_service.surveys.operations import touch
from survey_service.timestamps import utcnow

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#: INSERT … ON CONFLICT of each supported database
UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@cache
def _note_start():
    """The first save of a centre notes when it started (built once, on first use: it is on every centre's path)."""
    # the table, not the entity: no ORM bulk-update machinery while the write lock is held
    column = Invitation.__table__.c
    return (update(Invitation.__table__).where(column.id == bindparam("invitation_id"), column.started_at.is_(None))
            .values(started_at=bindparam("now")))


@cache
def _update_response(columns: tuple[str, ...], from_draft: bool):
    """The update of a response's ``columns`` (values bound as ``new_<column>``), only from a draft when
    ``from_draft``: one statement per combination, built once, since each submission runs one."""
    # the table, not the entity: no ORM bulk-update machinery while the write lock is held
    column = Response.__table__.c
    guard = [column.state == ResponseState.draft] if from_draft else []
    return (update(Response.__table__).where(column.id == bindparam("response_id"), *guard)
            .values({name: bindparam(f"new_{name}") for name in columns}))


class AlreadySubmitted(Refusal):
    """The centre has submitted already (and may not correct its answers)."""


def response_for(invitation: Invitation, *, create: bool) -> Response | None:
    """The invitation's one response, locked until the transaction ends; created as a draft when asked (a
    concurrent creator wins without error)."""
    return _locked_response(invitation, create=create)[0]


@cache
def _locked_response_lookup():
    """The response of an invitation, locked; built once, on first use, as it is on every submission's path.
    populate_existing: a response read earlier in the transaction (before the write lock) is read again."""
    return (select(Response).where(Response.invitation_id == bindparam("invitation_id")).with_for_update()
            .execution_options(populate_existing=True))


def _locked_response(invitation: Invitation, *, create: bool) -> tuple[Response | None, bool]:
    """(the response, whether this call created it). ``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the
    transaction already holds the write lock."""
    response = db.session.scalar(_locked_response_lookup(), {"invitation_id": invitation.id})
    if response is not None or not create:
        return response, False
    # The unique invitation_id keeps one row: a concurrent creator's insert does nothing, and the select then
    # waits for that creator's transaction and reads its row.
    created = _insert_response(invitation, {"state": ResponseState.draft, "updated_at": utcnow()})
    if created is not None:
        return created, True
    return db.session.scalar(_locked_response_lookup(), {"invitation_id": invitation.id}), False


def save_answers(invitation: Invitation, likert: Mapping[str, int | None], texts: Mapping[str, str],
                 *, submit: bool, correcting: bool = False, mode: Mode = Mode.online, entered_by: User | None = None,
                 choices: Mapping[str, ChoiceAnswer] | None = None, now: datetime | None = None) -> Response:
    """Store a centre's answers as a draft, submit them, or correct submitted answers (``correcting``, only where
    the survey allows corrections).

    Exactly one submission wins: whatever finds the response submitted without meaning to correct it — a second
    submission, or a draft save that raced the submission — raises :class:`AlreadySubmitted` and changes nothing.
    ``likert``, ``texts`` and ``choices`` are already validated against the questionnaire; absent keys are left
    blank. ``mode`` and ``entered_by`` say how the answers were collected and which evaluator typed them in (代录).

    On SQLite the write lock is one for the whole database, so what needs no lock (the validity check, the
    receipt's reference) is worked out before it is taken, and a centre with no response yet has its response
    inserted whole in one statement.
    """
    now = now or utcnow()
    version = invitation.survey.questionnaire_version
    changes = {"updated_at": now, "mode": mode}
    if entered_by is not None:
        changes |= {"entered_by_id": entered_by.id, "entered_at": now}
    check = check_validity(version.questionnaire, likert) if submit or correcting else None
    # A submission is a conditional update from draft: the guard holds even if the row lock were bypassed.
    from_draft = submit and not correcting
    if from_draft:
        reference = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(10))
        changes |= {"state": ResponseState.submitted, "submitted_at": now, "reference": reference}
    # none when the link was read: most likely none now, so the response goes in whole, in one statement
    insert_whole = invitation.response is None and not correcting
    if insert_whole and writes_at_once():
        response = _first_save_at_once(invitation, version, {"state": ResponseState.draft, **changes,
                                                             **_validity_columns(check, reviewed=False)},
                                       _answer_rows(version, likert, texts, choices or {}))
        if response is not None:
            return response
    write_from_here()
    response = None
    if insert_whole:
        response = _insert_response(invitation, {"state": ResponseState.draft, **changes,
                                                 **_validity_columns(check, reviewed=False)})
    created = response is not None
    if not created:
        response, created = _locked_response(invitation, create=True)
        before = _current_answers(response) if correcting else None
        if response.submitted != correcting or (correcting and not invitation.survey.allow_corrections):
            raise AlreadySubmitted()
        changes |= _validity_columns(check, reviewed=response.reviewed_at is not None)
        values = {f"new_{name}": value for name, value in changes.items()}
        result = db.session.execute(_update_response(tuple(changes), from_draft),
                                    {"response_id": response.id, **values})
        if result.rowcount != 1:
            raise AlreadySubmitted()
        for name, value in changes.items():
            set_committed_value(response, name, value)
    if invitation.started_at is None:
        # a statement of its own rather than the ORM's flush: this is on every centre's first save
        db.session.execute(_note_start(), {"invitation_id": invitation.id, "now": now})
        set_committed_value(invitation, "started_at", now)
    if submit or correcting:  # drafts count in no figure
        touch(invitation.survey_id)
    _replace_answers(response, version, likert, texts, choices or {}, fresh=created)
    if correcting:
        record("response.correct", response, actor=f"centre:{invitation.unit.code}",
               **_difference(before, {**likert, **texts}))
    db.session.flush()
    return response


def _insert_response(invitation: Invitation, columns: dict) -> Response | None:
    """The invitation's response with ``columns``, unless it has one already (then None: a concurrent save got
    there first, and the caller goes the way of an existing response)."""
    created = db.session.scalar(_insert_whole_response(db.engine.dialect.name, tuple(columns)),
                                {"invitation_id": invitation.id, "survey_id": invitation.survey_id,
                                 **{f"new_{name}": value for name, value in columns.items()}})
    if created is None:
        return None
    if columns["state"] is ResponseState.submitted:
        touch(invitation.survey_id)
    return _response_as_written(invitation, created, columns)


def _response_as_written(invitation: Invitation, response_id: int, columns: dict) -> Response:
    """The row just inserted with ``columns``, in the session without reading it back; columns not given here load
    when first read."""
    response = Response(id=response_id, invitation_id=invitation.id, survey_id=invitation.survey_id,
                        created_at=columns["updated_at"], reviewed_at=None, **columns)
    make_transient_to_detached(response)
    db.session.add(response)
    return response


def _first_save_at_once(invitation: Invitation, version: QuestionnaireVersion, columns: dict,
                        rows: list[dict]) -> Response | None:
    """PostgreSQL, in a request whose statements commit by themselves (``database.writes_at_once``): a centre's
    first save as one statement — its response with ``columns``, the answers' ``rows``, the invitation's start
    and, for a submission, the survey's data version. None, with nothing written, when the invitation has a
    response already (a concurrent save got there first: the caller goes the way of an existing response)."""
    counts = columns["state"] is ResponseState.submitted
    created = db.session.scalar(_first_save_statement(tuple(columns), counts), {
        "new_invitation_id": invitation.id, "new_survey_id": invitation.survey_id,
        **{f"new_{name}": value for name, value in columns.items()},
        "question_ids": [row["question_id"] for row in rows], "values": [row["value"] for row in rows],
        "texts": [row["text"] for row in rows],
        "choices": [None if row["choices"] is None else json.dumps(row["choices"]) for row in rows]})
    if created is None:
        return None
    response = _response_as_written(invitation, created, columns)
    if invitation.started_at is None:
        set_committed_value(invitation, "started_at", columns["updated_at"])
    db.session.expire(response, ["answers"])
    return response


@cache
def _first_save_statement(columns: tuple[str, ...], counts: bool):
    """A centre's first save on PostgreSQL, built once per kind: the response (values bound as ``new_<column>``)
    unless the invitation has one, and from the row it returns the answers (bound as arrays, one element a row),
    the invitation's ``started_at`` and, when the save ``counts`` in the figures, the survey's data version. With
    no response inserted, the other parts find no row and write nothing. No parameter is named after a column of
    the tables updated: SQLAlchemy would add it to their SET clause."""
    responses, invitations, surveys = Response.__table__, Invitation.__table__, Survey.__table__
    new_response = (postgresql.insert(Response.__table__)
                    .values(invitation_id=bindparam("new_invitation_id"), survey_id=bindparam("new_survey_id"),
                            created_at=bindparam("new_updated_at"),
                            **{name: bindparam(f"new_{name}") for name in columns})
                    .on_conflict_do_nothing(index_elements=[responses.c.invitation_id])
                    .returning(responses.c.id, responses.c.invitation_id, responses.c.survey_id)
                    .cte("new_response"))
    rows = func.unnest(cast(bindparam("question_ids"), postgresql.ARRAY(Integer)),
                       cast(bindparam("values"), postgresql.ARRAY(Integer)),
                       cast(bindparam("texts"), postgresql.ARRAY(Text)),
                       cast(bindparam("choices"), postgresql.ARRAY(postgresql.JSON))
                       ).table_valued("question_id", "value", "text", "choices").render_derived()
    parts = [
        insert(Answer.__table__).from_select(["response_id", "question_id", "value", "text", "choices"],
                                    select(new_response.c.id, rows.c.question_id, rows.c.value, rows.c.text,
                                           rows.c.choices).select_from(new_response.join(rows, true())))
        .cte("new_answers"),
        update(Invitation.__table__).where(invitations.c.id.in_(select(new_response.c.invitation_id)),
                                  invitations.c.started_at.is_(None))
        .values(started_at=bindparam("new_updated_at")).cte("started")]
    if counts:
        parts.append(update(Survey.__table__).where(surveys.c.id.in_(select(new_response.c.survey_id)))
                     .values(data_version=surveys.c.data_version + 1).cte("raised"))
    return select(new_response.c.id).add_cte(*parts)


@cache
def _insert_whole_response(dialect: str, columns: tuple[str, ...]):
    """A response for an invitation with ``columns`` (bound as ``new_<column>``), unless it has one; its id."""
    return (UPSERTS[dialect](Response.__table__)
            .values(invitation_id=bindparam("invitation_id"), survey_id=bindparam("survey_id"),
                    created_at=bindparam("new_updated_at"), **{name: bindparam(f"new_{name}") for name in columns})
            .on_conflict_do_nothing(index_elements=[Response.invitation_id]).returning(Response.id))


class EntryRefused(ReasonedRefusal):
    """An evaluator's entry or correction that may not happen; ``reason`` is a code the console and the command
    line word for their reader."""

    def __init__(self, reason: str, centre: str | None = None):
        super().__init__(reason)
        self.centre = centre


def enter_on_behalf(survey: Survey, invitation: Invitation, likert: Mapping[str, int | None],
                    texts: Mapping[str, str], *, mode: Mode, by: User,
                    choices: Mapping[str, ChoiceAnswer] | None = None, now: datetime | None = None) -> Response:
    """代录: an evaluator submits a centre's paper or phone questionnaire; it counts like the centre's submission.

    Refused for a centre of another survey, a revoked link and a survey that is not open. Exactly one submission
    wins as for the centres themselves (:func:`save_answers`): a second evaluator entering the same centre gets
    ``already_submitted`` and changes nothing.
    """
    _check_entry(survey, invitation)
    if mode not in ENTERED_MODES:
        raise ValueError(f"an evaluator enters paper or phone questionnaires, not {mode.value}")
    try:
        response = save_answers(invitation, likert, texts, submit=True, mode=mode, entered_by=by, choices=choices,
                                now=now)
    except AlreadySubmitted:
        raise EntryRefused("already_submitted", invitation.unit.code) from None
    record("response.enter", response, actor=by.email, mode=mode.value, centre=invitation.unit.code,
           answers=len(likert) + len(texts))
    return response


def enter_paper_twice(survey: Survey, invitation: Invitation, likert: Mapping[str, int | None],
                      texts: Mapping[str, str], *, by: User, now: datetime | None = None) -> Response | PaperEntry:
    """双录: one of the two entries of a paper questionnaire. The first waits; a second by another evaluator that
    agrees submits it (as :func:`enter_on_behalf`); one that differs waits with the first for :func:`resolve_paper`.
    Returns the response once submitted, else the waiting entry."""
    _check_entry(survey, invitation)
    if db.session.scalar(select(Response.id).filter_by(invitation_id=invitation.id,
                                                       state=ResponseState.submitted)) is not None:
        raise EntryRefused("already_submitted", invitation.unit.code)
    answers = {**{key: value for key, value in likert.items() if value is not None}, **texts}
    now = now or utcnow()
    code = invitation.unit.code
    waiting = db.session.scalar(select(PaperEntry).filter_by(invitation_id=invitation.id).with_for_update())
    if waiting is None:
        # the unique invitation_id keeps one first entry: a concurrent first entry's insert does nothing
        created = db.session.scalar(UPSERTS[db.engine.dialect.name](PaperEntry).values(
            invitation_id=invitation.id, first_answers=answers, first_by_id=by.id, first_at=now)
            .on_conflict_do_nothing(index_elements=[PaperEntry.invitation_id]).returning(PaperEntry.id))
        if created is None:
            raise EntryRefused("entry_waiting", code)
        entry = db.session.get(PaperEntry, created)
        record("response.first_entry", invitation, actor=by.email, centre=code)
        return entry
    if waiting.second_answers is not None:
        raise EntryRefused("entry_to_resolve", code)
    if waiting.first_by_id == by.id:
        raise EntryRefused("same_evaluator", code)
    if waiting.first_answers != answers:
        waiting.second_answers, waiting.second_by_id, waiting.second_at = answers, by.id, now
        db.session.flush()
        record("response.second_entry", invitation, actor=by.email, centre=code,
               **_difference(waiting.first_answers, answers))
        return waiting
    return _submit_paper(survey, invitation, waiting, answers, by=by, now=now)


def resolve_paper(survey: Survey, invitation: Invitation, chosen: Mapping[str, object], *, by: User,
                  now: datetime | None = None) -> Response:
    """Submit a paper questionnaire whose two entries differ, with the answer chosen for each differing question
    (``chosen`` maps each of them to the first entry's value or the second's)."""
    _check_entry(survey, invitation)
    waiting = db.session.scalar(select(PaperEntry).filter_by(invitation_id=invitation.id).with_for_update())
    if waiting is None or waiting.second_answers is None:
        raise EntryRefused("nothing_to_resolve", invitation.unit.code)
    differing = paper_differences(waiting)
    if set(chosen) != set(differing) or any(chosen[key] not in differing[key] for key in differing):
        raise EntryRefused("choose_every_difference", invitation.unit.code)
    answers = {key: value for key, value in ({**waiting.first_answers, **chosen}).items() if value is not None}
    return _submit_paper(survey, invitation, waiting, answers, by=by, now=now)


def paper_differences(entry: PaperEntry) -> dict[str, tuple]:
    """(first, second) answer of each question the two entries disagree on (None = blank)."""
    difference = _difference(entry.first_answers, entry.second_answers or {})
    return {key: (difference["before"][key], difference["after"][key]) for key in difference["after"]}


def _submit_paper(survey, invitation, waiting: PaperEntry, answers: Mapping, *, by: User, now) -> Response:
    questionnaire = survey.questionnaire_version.questionnaire
    likert_keys = {item.key for item in questionnaire.items}
    likert = {key: value for key, value in answers.items() if key in likert_keys}
    texts = {key: value for key, value in answers.items() if key not in likert_keys}
    response = enter_on_behalf(survey, invitation, likert, texts, mode=Mode.paper, by=by, now=now)
    record("response.double_entry", response, actor=by.email, centre=invitation.unit.code,
           first_by=waiting.first_by.email, second_by=waiting.second_by.email if waiting.second_by else by.email)
    db.session.delete(waiting)
    db.session.flush()
    return response


def _check_entry(survey: Survey, invitation: Invitation) -> None:
    code = invitation.unit.code
    if invitation.survey_id != survey.id:
        raise EntryRefused("other_survey", code)
    if invitation.revoked_at is not None:
        raise EntryRefused("link_revoked", code)
    if survey.state is not SurveyState.open:
        raise EntryRefused("survey_not_open", code)


def correct_answers(response: Response, likert: Mapping[str, int | None], texts: Mapping[str, str], *,
                    reason: str | None, by: User, choices: Mapping[str, ChoiceAnswer] | None = None,
                    now: datetime | None = None) -> dict:
    """An evaluator's correction of a submitted response (an obvious typo): the reason is required, the answers
    before and after go into the audit log (the response's history), and the figures follow the new answers.
    A reviewer's validity decision stands; otherwise the questionnaire's rules decide again."""
    reason = (reason or "").strip()
    survey = response.invitation.survey
    if survey.read_only:
        raise EntryRefused("read_only")
    if not reason:
        raise EntryRefused("no_reason")
    locked = response_for(response.invitation, create=False)
    if locked is None or not locked.submitted:
        raise EntryRefused("not_submitted")
    difference = rewrite_answers(locked, likert, texts, choices=choices, now=now)
    if not difference["after"]:
        raise EntryRefused("no_change")
    record("response.correct", locked, actor=by.email, reason=reason, centre=response.invitation.unit.code,
           **difference)
    return difference


def rewrite_answers(response: Response, likert: Mapping[str, int | None], texts: Mapping[str, str], *,
                    choices: Mapping[str, ChoiceAnswer] | None = None, now: datetime | None = None) -> dict:
    """Replace a submitted response's answers (a correction, or an import that replaces them): the validity rules
    decide again unless a reviewer has, and the answers' before and after are returned for the history; nothing is
    written when nothing changed."""
    difference = _difference(_current_answers(response), {**likert, **texts})
    if not difference["after"]:
        return difference
    version = response.invitation.survey.questionnaire_version
    check = check_validity(version.questionnaire, likert)
    columns = {"updated_at": now or utcnow()} | _validity_columns(check, reviewed=response.reviewed_at is not None)
    for name, value in columns.items():
        setattr(response, name, value)
    db.session.flush()
    _replace_answers(response, version, likert, texts, choices or {}, fresh=False)
    db.session.flush()
    return difference


def _current_answers(response: Response) -> dict:
    """The response's answers by question key (Likert values and texts together; blanks left out)."""
    rows = db.session.execute(select(Question.key, Answer.value, Answer.text)
                              .join(Answer, Answer.question_id == Question.id)
                              .where(Answer.response_id == response.id)).all()
    return {key: value if value is not None else text for key, value, text in rows
            if value is not None or text}


def _difference(before: Mapping, after: Mapping) -> dict:
    """``before`` and ``after`` of the questions whose answer changed (None = blank): the history keeps the old
    answers, the current ones are in the response."""
    keys = sorted(key for key in {*before, *after} if before.get(key) != after.get(key))
    return {"before": {key: before.get(key) for key in keys}, "after": {key: after.get(key) for key in keys}}


def _replace_answers(response: Response, version: QuestionnaireVersion, likert, texts, choices, *,
                     fresh: bool) -> None:
    """The response's answers, replaced in (at most) two statements: a submission is on the centres' critical
    path."""
    rows = [{"response_id": response.id, **row} for row in _answer_rows(version, likert, texts, choices)]
    if not fresh:
        db.session.execute(delete(Answer.__table__).where(Answer.__table__.c.response_id == response.id))
    if rows:
        db.session.execute(insert(Answer.__table__), rows)
    if response.submitted:  # a draft's answers count in no figure
        touch(response.survey_id)
    db.session.expire(response, ["answers"])


def _answer_rows(version: QuestionnaireVersion, likert, texts, choices) -> list[dict]:
    """The answers' rows (question_id, value, text, choices), blanks left out."""
    ids = version.question_ids()
    return ([{"question_id": ids[key], "value": value, "text": None, "choices": None}
             for key, value in likert.items()]
            + [{"question_id": ids[key], "value": None, "text": text, "choices": None}
               for key, text in texts.items() if text]
            # a single choice's option is in ``value`` too, so it can group the figures like a roster column
            + [{"question_id": ids[key], "text": answer.other,
                "value": answer.values[0] if answer.values and not version.questionnaire.choice_question(key).multiple
                else None, "choices": list(answer.values)}
               for key, answer in choices.items() if answer.answered])


def _validity_columns(check, *, reviewed: bool) -> dict:
    """The validity columns the questionnaire's rules give the answers (``check``: their validity check; None for
    a draft, which has none); a reviewer's decision is kept."""
    if check is None:
        return {}
    columns = {"answered_share": check.answered_share}
    if not reviewed:
        columns |= {"validity": Validity(check.automatic_status),
                    "validity_reason": None if check.complete_enough else check.reasons[0],
                    "flags": check.reasons}
    return columns


def decide_validity(response: Response, validity: Validity, reason: str | None, reviewer) -> None:
    """An evaluator's decision on a submitted response; kept and audited, never a deletion."""
    if not response.submitted:
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
