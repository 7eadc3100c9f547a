"""Exports of submitted responses in the responses CSV layout (docs/files-and-cli.md), streamed in chunks."""
from __future__ import annotations

from collections.abc import Iterator

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import aliased

from analysis.china_time import CHINA_STANDARD_TIME
from analysis.choices import ChoiceAnswer
from survey_service.auth.models import User
from survey_service.extensions import db
from survey_service.questionnaires.models import Question
from survey_service.responses.csv_format import answer_columns, choice_cell, export_header, other_column
from survey_service.responses.models import Answer, Response
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation, Survey
from survey_service.tabular import csv_chunks, xlsx_bytes

CHUNK = 1000


def response_rows(survey: Survey) -> Iterator[list]:
    """One row per submitted response, in submission order; memory stays flat however many there are.

    What the rows need of the survey is read now. Each chunk is then read in an app context (and database session)
    of its own, held only while reading, never across a ``yield``: a streamed response is read after its request
    has ended, and a client may leave it half read.
    """
    questionnaire = survey.questionnaire_version.questionnaire
    names = answer_columns(questionnaire)
    # question id -> where its cells go: (column, 其他 column or None, whether a multiple choice)
    columns = {}
    for question_id, key, kind in db.session.execute(
            select(Question.id, Question.key, Question.kind)
            .where(Question.questionnaire_version_id == survey.questionnaire_version_id)):
        choice = questionnaire.choice_question(key) if kind == "choice" else None
        other = names.index(other_column(key)) if choice is not None and choice.other else None
        columns[question_id] = (names.index(key), other, choice is not None)
    return _rows(current_app._get_current_object(), survey.id, columns, len(names))


def _rows(app: Flask, survey_id: int, columns: dict[int, tuple], n_questions: int) -> Iterator[list]:
    last_id = 0
    while True:
        with app.app_context():
            rows = _chunk(survey_id, columns, n_questions, last_id)
        if not rows:
            return
        yield from (row[1:] for row in rows)
        last_id = rows[-1][0]


def _chunk(survey_id: int, columns: dict[int, tuple], n_questions: int, after_id: int) -> list:
    """Up to CHUNK rows of responses after ``after_id``; each row starts with the response id."""
    reviewer, enterer = aliased(User), aliased(User)
    chunk = db.session.execute(
        select(Response.id, RosterUnit.code, RosterUnit.name, RosterUnit.district, Response.validity,
               Response.validity_reason, Response.submitted_at, Response.mode, Response.flags, reviewer.email,
               Response.reviewed_at, Response.reference, enterer.email, Response.entered_at)
        .join(Invitation, Response.invitation_id == Invitation.id)
        .join(RosterUnit, Invitation.unit_id == RosterUnit.id)
        .outerjoin(reviewer, Response.reviewed_by_id == reviewer.id)
        .outerjoin(enterer, Response.entered_by_id == enterer.id)
        .where(Response.survey_id == survey_id, Response.submitted, Response.id > after_id)
        .order_by(Response.id).limit(CHUNK)).all()
    cells: dict[int, list] = {row[0]: [""] * n_questions for row in chunk}
    if cells:
        for response_id, question_id, value, text, choices in db.session.execute(
                select(Answer.response_id, Answer.question_id, Answer.value, Answer.text, Answer.choices)
                .where(Answer.response_id.in_(list(cells)))):
            column, other, is_choice = columns[question_id]
            if is_choice:
                cells[response_id][column] = choice_cell(ChoiceAnswer(tuple(choices or ())))
                if other is not None:
                    cells[response_id][other] = text or ""
            else:
                cells[response_id][column] = value if value is not None else (text or "")
    return [[response_id, code, name, district, validity.value if validity else "", reason or "",
             _time(submitted_at), mode.value, *cells[response_id], " ".join(flags or []), reviewer_email or "",
             _time(reviewed_at), reference or "", enterer_email or "", _time(entered_at)]
            for (response_id, code, name, district, validity, reason, submitted_at, mode, flags, reviewer_email,
                 reviewed_at, reference, enterer_email, entered_at) in chunk]


def _time(moment) -> str:
    """ISO 8601 in China Standard Time, as evaluators read it (the offset keeps it unambiguous)."""
    if moment is None:
        return ""
    return moment.astimezone(CHINA_STANDARD_TIME).isoformat(timespec="seconds")


def responses_csv_stream(survey: Survey) -> Iterator[bytes]:
    return csv_chunks(export_header(survey.questionnaire_version.questionnaire), response_rows(survey))


def responses_xlsx(survey: Survey) -> tuple[bytes, int]:
    rows = list(response_rows(survey))
    header = export_header(survey.questionnaire_version.questionnaire)
    return xlsx_bytes({"responses": (header, rows)}), len(rows)
