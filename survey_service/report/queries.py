"""ORM to plain rows for the report: open comments, the earlier survey of the same questionnaire."""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select

from survey_service.extensions import db
from survey_service.questionnaires.models import Question, QuestionnaireVersion
from survey_service.responses.models import Answer, Response, Validity
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation, Survey


class Comment(NamedTuple):
    """An open answer of a valid questionnaire (意见和建议)."""

    district: str
    unit: str
    question: str
    text: str
    submitted_at: datetime | None


def _valid_comments():
    """Open answers with text, of submitted questionnaires that count (invalid ones count nowhere)."""
    return (select(RosterUnit.district, RosterUnit.name, Question.key, Answer.text, Response.submitted_at)
            .select_from(Answer)
            .join(Question, Answer.question_id == Question.id)
            .join(Response, Answer.response_id == Response.id)
            .join(Invitation, Response.invitation_id == Invitation.id)
            .join(RosterUnit, Invitation.unit_id == RosterUnit.id)
            .where(Question.kind == "open", Answer.text.is_not(None), Answer.text != "",
                   Response.submitted, Response.validity == Validity.valid))


def comments(survey: Survey, district: str | None = None) -> list[Comment]:
    """The survey's comments, by district then submission time; only one district's when given."""
    query = _valid_comments().where(Response.survey_id == survey.id)
    if district:
        query = query.where(RosterUnit.district == district)
    rows = db.session.execute(query.order_by(RosterUnit.district, Response.submitted_at, Response.id)).all()
    return [Comment(*row) for row in rows]


def comment_counts(survey: Survey) -> dict[str, int]:
    """Comments per district, most first."""
    counted = _valid_comments().where(Response.survey_id == survey.id).subquery()
    rows = db.session.execute(select(counted.c.district, func.count()).group_by(counted.c.district)).all()
    return dict(sorted(rows, key=lambda row: (-row[1], row[0])))


def earlier_survey(survey: Survey) -> Survey | None:
    """The latest survey of the same questionnaire key that opened before this one (the year-over-year baseline)."""
    started = func.coalesce(Survey.opens_at, Survey.created_at)
    this_started = survey.opens_at or survey.created_at
    return db.session.scalar(
        select(Survey).join(QuestionnaireVersion, Survey.questionnaire_version_id == QuestionnaireVersion.id)
        .where(QuestionnaireVersion.key == survey.questionnaire_version.key, Survey.id != survey.id,
               started < this_started)
        .order_by(started.desc()).limit(1))
