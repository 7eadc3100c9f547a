"""ORM to plain arrays: the valid responses of a survey and its counts, in a few set-based queries."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select

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
    """A cheap fingerprint of everything the figures depend on; it changes whenever a figure could."""
    row = db.session.execute(
        select(func.count(Response.id), func.max(Response.updated_at), func.max(Response.reviewed_at),
               func.max(Response.submitted_at))
        .where(Response.survey_id == survey.id, Response.state == ResponseState.submitted)).one()
    invitations = db.session.execute(
        select(func.count(Invitation.id), func.max(Invitation.revoked_at)).where(Invitation.survey_id == survey.id)).one()
    return (survey.id, survey.key, survey.title, survey.questionnaire_version_id, survey.state.value) + tuple(
        value.isoformat() if hasattr(value, "isoformat") else value for value in (*row, *invitations))


def survey_responses(survey: Survey, group_by: str | None = "district") -> SurveyResponses:
    """The valid responses' Likert answers as a matrix (rows: responses, columns: items in questionnaire order)."""
    likert = db.session.execute(
        select(Question.id, Question.position).where(Question.questionnaire_version_id == survey.questionnaire_version_id,
                                                     Question.kind == "likert").order_by(Question.position)).all()
    group_column = _group_expression(group_by)
    valid = db.session.execute(
        select(Response.id, RosterUnit.code, group_column)
        .join(Invitation, Response.invitation_id == Invitation.id).join(RosterUnit, Invitation.unit_id == RosterUnit.id)
        .where(Response.survey_id == survey.id, Response.state == ResponseState.submitted,
               Response.validity == Validity.valid)
        .order_by(Response.id)).all()
    response_ids = np.array([response_id for response_id, _, _ in valid], dtype=np.int64)
    answers = np.full((len(valid), len(likert)), np.nan)
    if valid:
        cells = _int_array(
            select(Answer.response_id, Answer.question_id, Answer.value)
            .join(Response, Answer.response_id == Response.id)
            .where(Response.survey_id == survey.id, Response.state == ResponseState.submitted,
                   Response.validity == Validity.valid, Answer.value.is_not(None),
                   Answer.question_id.in_([question_id for question_id, _ in likert])), columns=3)
        column_of = np.full(max(question_id for question_id, _ in likert) + 1, -1, dtype=np.int64)
        for column, (question_id, _) in enumerate(likert):
            column_of[question_id] = column
        # response ids are sorted (the query orders them), so a binary search finds each answer's row
        answers[np.searchsorted(response_ids, cells[:, 0]), column_of[cells[:, 1]]] = cells[:, 2]
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
    submitted = db.session.scalar(select(func.count(Response.id))
                                  .where(Response.survey_id == survey.id, Response.state == ResponseState.submitted))
    return SurveyResponses(answers=answers, respondent_ids=[code for _, code, _ in valid],
                           groups=[_label(group) for _, _, group in valid] if group_by else None,
                           issued=issued, submitted=submitted, issued_by_group=issued_by_group,
                           submitted_by_group=submitted_by_group)


def _int_array(query, columns: int) -> np.ndarray:
    """An integer query's rows as an array, read from the driver's cursor: ORM rows cost seconds at a million."""
    result = db.session.connection().execute(query)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    return np.array(rows, dtype=np.int64).reshape(len(rows), columns)


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
