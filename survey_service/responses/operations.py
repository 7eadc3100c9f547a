from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import NamedTuple

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
    receipt's reference) is worked out before it is taken. A centre with no response yet has its response
    inserted whole (:func:`save_first_answers`).
    """
    now = now or utcnow()
    version = invitation.survey.questionnaire_version
    # none when the link was read: most likely none now, so the response goes in whole
    if invitation.response is None and not correcting:
        written = save_first_answers(invitation.id, invitation.survey_id, invitation.started_at is not None, version,
                                     likert, texts, choices, submit=submit, mode=mode, entered_by=entered_by,
                                     now=now)
        if written is not None:
            if invitation.started_at is None:
                set_committed_value(invitation, "started_at", now)
            return _response_as_written(invitation.id, invitation.survey_id, written)
    changes, check = _changes(version.questionnaire, likert, submit=submit, correcting=correcting, mode=mode,
                              entered_by=entered_by, now=now)
    # A submission is a conditional update from draft: the guard holds even if the row lock were bypassed.
    from_draft = submit and not correcting
    write_from_here()
    response, created = _locked_response(invitation, create=True)
    before = _current_answers(response) if correcting else None
    if response.submitted != correcting or (correcting and not invitation.survey.allow_corrections):
        raise AlreadySubmitted()
    changes |= _validity_columns(check, reviewed=response.reviewed_at is not None)
    values = {f"new_{name}": value for name, value in changes.items()}
    result = db.session.execute(_update_response(tuple(changes), from_draft), {"response_id": response.id, **values})
    if result.rowcount != 1:
        raise AlreadySubmitted()
    for name, value in changes.items():
        set_committed_value(response, name, value)
    if invitation.started_at is None:
        _note_started(invitation.id, now)
        set_committed_value(invitation, "started_at", now)
    if submit or correcting:  # drafts count in no figure
        touch(invitation.survey_id)
    _replace_answers(response, version, likert, texts, choices or {}, fresh=created)
    if correcting:
        record("response.correct", response, actor=f"centre:{invitation.unit.code}",
               **_difference(before, {**likert, **texts}))
    db.session.flush()
    return response


class WrittenWhole(NamedTuple):
    """A response inserted whole by a first save: its id and the columns written."""

    id: int
    columns: dict


def save_first_answers(invitation_id: int, survey_id: int, started: bool, version, likert: Mapping[str, int | None],
                       texts: Mapping[str, str], choices: Mapping[str, ChoiceAnswer] | None = None, *, submit: bool,
                       mode: Mode = Mode.online, entered_by: User | None = None,
                       now: datetime | None = None) -> WrittenWhole | None:
    """A first save of the invitation's answers (a draft, or the submission): its response inserted whole with the
    answers, the invitation's start unless ``started``, and for a submission the survey's data version. None, with
    nothing written, when the invitation has a response by now (a concurrent save got there first): the caller then
    goes the way of an existing response (:func:`save_answers`, which may refuse it as :class:`AlreadySubmitted`).

    ``version`` is the questionnaire version answered (a ``QuestionnaireVersion`` or its ``StoredVersion``). Where
    the request's statements commit by themselves (``database.writes_at_once``: PostgreSQL) the save is one
    statement; otherwise its statements run under the write lock, taken here (``database.write_from_here``).
    """
    now = now or utcnow()
    changes, check = _changes(version.questionnaire, likert, submit=submit, correcting=False, mode=mode,
                              entered_by=entered_by, now=now)
    columns = {"state": ResponseState.draft, **changes, **_validity_columns(check, reviewed=False)}
    rows = _answer_rows(version, likert, texts, choices or {})
    if writes_at_once():
        created = _first_save_at_once(invitation_id, survey_id, columns, rows)
        return None if created is None else WrittenWhole(created, columns)
    write_from_here()
    created = _insert_response_row(invitation_id, survey_id, columns)
    if created is None:
        return None
    if not started:
        _note_started(invitation_id, now)
    _write_answers(created, survey_id, rows, fresh=True, counts=submit)
    return WrittenWhole(created, columns)


def _note_started(invitation_id: int, now: datetime) -> None:
    """The invitation's first save, unless one was noted: a statement of its own rather than the ORM's flush, since
    this is on every centre's first save."""
    db.session.execute(_note_start(), {"invitation_id": invitation_id, "now": now})


def _changes(questionnaire, likert: Mapping[str, int | None], *, submit: bool, correcting: bool, mode: Mode,
             entered_by: User | None, now: datetime) -> tuple[dict, object]:
    """The response's columns a save changes, and the answers' validity check (None for a draft)."""
    changes = {"updated_at": now, "mode": mode}
    if entered_by is not None:
        changes |= {"entered_by_id": entered_by.id, "entered_at": now}
    check = check_validity(questionnaire, likert) if submit or correcting else None
    if submit and not correcting:
        # 32 letters: each random byte picks one uniformly (256 = 8 × 32)
        reference = "".join(REFERENCE_ALPHABET[byte % 32] for byte in secrets.token_bytes(10))
        changes |= {"state": ResponseState.submitted, "submitted_at": now, "reference": reference}
    return changes, check


def _insert_response(invitation: Invitation, columns: dict) -> Response | None:
    """The invitation's response with ``columns``, unless it has one already (then None: a concurrent save got
    there first, and the caller goes the way of an existing response)."""
    created = _insert_response_row(invitation.id, invitation.survey_id, columns)
    if created is None:
        return None
    return _response_as_written(invitation.id, invitation.survey_id, WrittenWhole(created, columns))


def _insert_response_row(invitation_id: int, survey_id: int, columns: dict) -> int | None:
    """The id of the invitation's response inserted with ``columns``; None, with nothing written, if it has one."""
    created = db.session.scalar(_insert_whole_response(db.engine.dialect.name, tuple(columns)),
                                {"invitation_id": invitation_id, "survey_id": survey_id,
                                 **{f"new_{name}": value for name, value in columns.items()}})
    if created is not None and columns["state"] is ResponseState.submitted:  # a draft counts in no figure
        touch(survey_id)
    return created


def _response_as_written(invitation_id: int, survey_id: int, written: WrittenWhole) -> Response:
    """The row just inserted, in the session without reading it back; columns not given here (and its answers)
    load when first read."""
    columns = written.columns
    response = Response(id=written.id, invitation_id=invitation_id, survey_id=survey_id,
                        created_at=columns["updated_at"], reviewed_at=None, **columns)
    make_transient_to_detached(response)
    db.session.add(response)
    return response


def _first_save_at_once(invitation_id: int, survey_id: int, columns: dict, rows: list[dict]) -> int | None:
    """PostgreSQL, in a request whose statements commit by themselves (``database.writes_at_once``): a centre's
    first save as one statement — its response with ``columns``, the answers' ``rows``, the invitation's start
    and, for a submission, the survey's data version; the response's id. None, with nothing written, when the
    invitation has a response already."""
    counts = columns["state"] is ResponseState.submitted
    return db.session.scalar(_first_save_statement(tuple(columns), counts), {
        "new_invitation_id": invitation_id, "new_survey_id": survey_id,
        **{f"new_{name}": value for name, value in columns.items()},
        "question_ids": [row["question_id"] for row in rows], "values": [row["value"] for row in rows],
        "texts": [row["text"] for row in rows],
        "choices": [None if row["choices"] is None else json.dumps(row["choices"]) for row in rows]})


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
    _write_answers(response.id, response.survey_id, _answer_rows(version, likert, texts, choices), fresh=fresh,
                   counts=response.submitted)
    db.session.expire(response, ["answers"])


def _write_answers(response_id: int, survey_id: int, rows: list[dict], *, fresh: bool, counts: bool) -> None:
    """The response's answers ``rows`` in place of those it had (none when ``fresh``), in at most two statements;
    they move the survey's figures when the response ``counts`` (is submitted: a draft's answers count in none)."""
    if counts:
        touch(survey_id)
    if not fresh:
        db.session.execute(delete(Answer.__table__).where(Answer.__table__.c.response_id == response_id))
    if rows:
        db.session.execute(insert(Answer.__table__), [{"response_id": response_id, **row} for row in rows])


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
