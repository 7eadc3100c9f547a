"""What the review pages read: submitted responses as plain rows, a response's answers and its history."""
from __future__ import annotations

from sqlalchemy import Select, and_, func, select

from survey_service.audit.models import AuditEvent
from survey_service.extensions import db
from survey_service.questionnaires.models import Dimension, Question
from survey_service.responses.models import Answer, Response, Validity
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation


def _needs_review():
    return and_(func.json_array_length(Response.flags) > 0, Response.reviewed_at.is_(None))


#: the filters of the response list, each a condition on a submitted response
RESPONSE_FILTERS = {
    "all": None,
    "valid": Response.validity == Validity.valid,
    "invalid": Response.validity == Validity.invalid,
    "needs_review": _needs_review(),
}


def response_query(survey_id: int, shown: str = "all", district: str | None = None) -> Select:
    """Submitted responses of a survey with their centre, newest first."""
    query = (select(Response.id, Response.submitted_at, Response.answered_share, Response.flags,
                    Response.validity, Response.validity_reason, Response.reviewed_at, Response.mode,
                    RosterUnit.code, RosterUnit.name, RosterUnit.district)
             .join(Invitation, Response.invitation_id == Invitation.id)
             .join(RosterUnit, Invitation.unit_id == RosterUnit.id)
             .where(Response.survey_id == survey_id, Response.submitted)
             .order_by(Response.submitted_at.desc(), Response.id.desc()))
    if RESPONSE_FILTERS[shown] is not None:
        query = query.where(RESPONSE_FILTERS[shown])
    if district:
        query = query.where(RosterUnit.district == district)
    return query


def review_count(survey_id: int) -> int:
    """How many submitted responses the validity rules flagged and nobody has reviewed yet."""
    return db.session.scalar(select(func.count(Response.id)).where(
        Response.survey_id == survey_id, Response.submitted, _needs_review()))


def answer_rows(response: Response) -> list:
    """Every question of the response's questionnaire in order, with the answer given (None when blank)."""
    version_id = response.invitation.survey.questionnaire_version_id
    return db.session.execute(
        select(Question.key, Question.kind, Question.text, Question.text_en, Dimension.title, Dimension.title_en,
               Answer.value, Answer.text.label("answer_text"), Answer.choices)
        .outerjoin(Dimension, Question.dimension_id == Dimension.id)
        .outerjoin(Answer, and_(Answer.question_id == Question.id, Answer.response_id == response.id))
        .where(Question.questionnaire_version_id == version_id)
        .order_by(Question.position)).all()


def response_history(response_id: int) -> list:
    """The audit entries of one response (validity decisions, corrections), oldest first."""
    return db.session.execute(
        select(AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.details)
        .where(AuditEvent.object_type == Response.__tablename__, AuditEvent.object_id == str(response_id))
        .order_by(AuditEvent.id)).all()
