"""ORM to plain arrays: the valid responses of a survey and its counts, in a few set-based queries."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import case, func, select

from survey_service.extensions import db
from survey_service.questionnaires.models import Question
from survey_service.responses.models import Answer, Response, ResponseState, Validity
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation, Survey

#: roster columns that can group the figures; any extra roster attribute can too
GROUP_COLUMNS = {"district": RosterUnit.district, "kind": RosterUnit.kind, "district_code": RosterUnit.district_code,
                 "district_en": RosterUnit.district_en}


@dataclass
class SurveyResponses:
    """What :func:`analysis.satisfaction.satisfaction_document` needs of a survey."""

    answers: np.ndarray
    respondent_ids: list[str]
    groups: list[str] | None
    issued: int
    submitted: int
    issued_by_group: dict[str, int] | None
    submitted_by_group: dict[str, int] | None


def data_state(survey: Survey) -> tuple:
    """A fingerprint of everything the figures depend on, read from the survey's row alone: its data version
    changes whenever a figure could (``surveys.operations.touch``). The creation time tells apart surveys of the
    same id and key in two databases that share a cache."""
    return survey.id, survey.key, survey.created_at.isoformat(), survey.data_version


def survey_responses(survey: Survey, group_by: str | None = "district") -> SurveyResponses:
    """The valid responses' Likert answers as a matrix (rows: responses, columns: items in questionnaire order)."""
    likert = db.session.execute(
        select(Question.id, Question.position)
        .where(Question.questionnaire_version_id == survey.questionnaire_version_id, Question.kind == "likert")
        .order_by(Question.position)).all()
    group_column = _group_expression(group_by)
    # one row per valid response with its answers pivoted into columns: the database does the reshaping, and
    # Python sees as many rows as responses rather than one per answer
    columns = [func.max(case((Answer.question_id == question_id, Answer.value))) for question_id, _ in likert]
    result = db.session.connection().execute(
        select(Response.id, RosterUnit.code, group_column, *columns)
        .join(Invitation, Response.invitation_id == Invitation.id).join(RosterUnit, Invitation.unit_id == RosterUnit.id)
        .outerjoin(Answer, Answer.response_id == Response.id)
        .where(Response.survey_id == survey.id, Response.state == ResponseState.submitted,
               Response.validity == Validity.valid)
        .group_by(Response.id, RosterUnit.code, group_column)
        .order_by(Response.id))
    try:
        valid = result.cursor.fetchall()
    finally:
        result.close()
    answers = np.array([row[3:] for row in valid], dtype=float).reshape(len(valid), len(likert))
    issued_by_group = submitted_by_group = None
    if group_by:
        issued_by_group = _counts(select(group_column, func.count(Invitation.id))
                                  .join(RosterUnit, Invitation.unit_id == RosterUnit.id)
                                  .where(Invitation.survey_id == survey.id, Invitation.revoked_at.is_(None)))
        submitted_by_group = _counts(select(group_column, func.count(Response.id))
                                     .join(Invitation, Response.invitation_id == Invitation.id)
                                     .join(RosterUnit, Invitation.unit_id == RosterUnit.id)
                                     .where(Response.survey_id == survey.id,
                                            Response.state == ResponseState.submitted))
    issued = db.session.scalar(select(func.count(Invitation.id))
                               .where(Invitation.survey_id == survey.id, Invitation.revoked_at.is_(None)))
    submitted = submitted_count(survey)
    return SurveyResponses(answers=answers, respondent_ids=[row[1] for row in valid],
                           groups=[_label(row[2]) for row in valid] if group_by else None,
                           issued=issued, submitted=submitted, issued_by_group=issued_by_group,
                           submitted_by_group=submitted_by_group)


def submitted_count(survey: Survey) -> int:
    """The survey's submitted responses, valid or not: the document's ``submitted`` and the export's rows."""
    return db.session.scalar(select(func.count(Response.id))
                             .where(Response.survey_id == survey.id, Response.state == ResponseState.submitted))


def _group_expression(group_by: str | None):
    if group_by is None:
        return RosterUnit.district.label("group")
    if group_by in GROUP_COLUMNS:
        return GROUP_COLUMNS[group_by].label("group")
    return RosterUnit.attributes[group_by].as_string().label("group")


def _counts(query) -> dict[str, int]:
    counts: dict[str, int] = {}
    for group, count in db.session.execute(query.group_by(query.selected_columns[0])).all():
        counts[_label(group)] = counts.get(_label(group), 0) + count
    return counts


def _label(group) -> str:
    return "—" if group in (None, "") else str(group)
