"""ORM to plain arrays: the valid responses of a survey and its counts, in a few set-based queries."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import case, func, select

from analysis.choices import NO_ANSWER, ChoiceAnswer
from analysis.questionnaire import ChoiceQuestion
from survey_service.extensions import db
from survey_service.questionnaires.models import Question
from survey_service.responses.models import Answer, Response, Validity
from survey_service.roster.models import RosterUnit
from survey_service.roster.parsing import DEFAULT_GROUPING, GROUPING_COLUMNS
from survey_service.surveys.models import Invitation, Survey

#: the roster's grouping columns as database columns; any extra roster attribute can group too
GROUP_COLUMNS = {name: getattr(RosterUnit, name) for name in GROUPING_COLUMNS}


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
    #: per choice question key, the valid responses' answers in the rows' order
    choices: dict[str, list[ChoiceAnswer]]


def data_state(survey: Survey) -> tuple:
    """A fingerprint of everything the figures depend on, read from the survey's row alone: its data version
    changes whenever a figure could (``surveys.operations.touch``). The creation time tells apart surveys of the
    same id and key in two databases that share a cache."""
    return survey.id, survey.key, survey.created_at.isoformat(), survey.data_version


def survey_responses(survey: Survey, group_by: str | None = DEFAULT_GROUPING) -> SurveyResponses:
    """The valid responses' Likert answers as a matrix (rows: responses, columns: items in questionnaire order).

    Columns are the questionnaire definition's items, found by key: the definition is the one source of what the
    items are and in which order the analysis reads them.
    """
    items = [item.key for item in survey.questionnaire_version.questionnaire.items]
    question_ids = survey.questionnaire_version.question_ids()
    choice = single_choice(survey, group_by)
    group_column = _group_expression(None if choice else group_by)
    # one row per valid response with its answers pivoted into columns: the database does the reshaping, and
    # Python sees as many rows as responses rather than one per answer
    columns = [func.max(case((Answer.question_id == question_ids[key], Answer.value))) for key in items]
    result = db.session.connection().execute(
        select(Response.id, RosterUnit.code, group_column, *columns)
        .join(Invitation, Response.invitation_id == Invitation.id).join(RosterUnit, Invitation.unit_id == RosterUnit.id)
        .outerjoin(Answer, Answer.response_id == Response.id)
        .where(Response.survey_id == survey.id, Response.submitted,
               Response.validity == Validity.valid)
        .group_by(Response.id, RosterUnit.code, group_column)
        .order_by(Response.id))
    try:
        valid = result.cursor.fetchall()
    finally:
        result.close()
    answers = np.array([row[3:] for row in valid], dtype=float).reshape(len(valid), len(items))
    issued_by_group = submitted_by_group = None
    groups = [_label(row[2]) for row in valid] if group_by else None
    if choice is not None:
        # a centre's own answer groups it: how many were issued per option is unknown
        groups, submitted_by_group = _choice_groups(survey, choice, [row[0] for row in valid])
    elif group_by:
        issued_by_group = _counts(select(group_column, func.count(Invitation.id))
                                  .join(RosterUnit, Invitation.unit_id == RosterUnit.id)
                                  .where(Invitation.survey_id == survey.id, Invitation.revoked_at.is_(None)))
        submitted_by_group = _counts(select(group_column, func.count(Response.id))
                                     .join(Invitation, Response.invitation_id == Invitation.id)
                                     .join(RosterUnit, Invitation.unit_id == RosterUnit.id)
                                     .where(Response.survey_id == survey.id,
                                            Response.submitted))
    issued = db.session.scalar(select(func.count(Invitation.id))
                               .where(Invitation.survey_id == survey.id, Invitation.revoked_at.is_(None)))
    submitted = submitted_count(survey)
    return SurveyResponses(answers=answers, respondent_ids=[row[1] for row in valid],
                           groups=groups,
                           issued=issued, submitted=submitted, issued_by_group=issued_by_group,
                           submitted_by_group=submitted_by_group,
                           choices=_choice_answers(survey, [row[0] for row in valid]))


def single_choice(survey: Survey, group_by: str | None) -> ChoiceQuestion | None:
    """The single-choice question named ``group_by``, when it is one: it groups the figures like a roster column."""
    question = survey.questionnaire_version.questionnaire.choice_question(group_by) if group_by else None
    return question if question is not None and not question.multiple else None


def _choice_groups(survey: Survey, question: ChoiceQuestion, response_ids: list[int]) -> tuple[list[str], dict]:
    """Each valid response's option label (其他 and no answer as ``—``), and the submitted responses per label."""
    labels = {option.value: option.label for option in question.options}
    chosen = dict(db.session.execute(
        select(Answer.response_id, Answer.value).join(Answer.question).join(Response, Answer.response_id == Response.id)
        .where(Response.survey_id == survey.id, Response.submitted,
               Question.questionnaire_version_id == survey.questionnaire_version_id, Question.key == question.key)
    ).all())
    submitted = db.session.scalars(select(Response.id).where(Response.survey_id == survey.id,
                                                             Response.submitted)).all()
    submitted_by_group: dict[str, int] = {}
    for response_id in submitted:
        label = _label(labels.get(chosen.get(response_id)))
        submitted_by_group[label] = submitted_by_group.get(label, 0) + 1
    return [_label(labels.get(chosen.get(response_id))) for response_id in response_ids], submitted_by_group


def _choice_answers(survey: Survey, response_ids: list[int]) -> dict[str, list[ChoiceAnswer]]:
    """The choice answers of the given responses, per question key, in the order of ``response_ids``."""
    questions = survey.questionnaire_version.questionnaire.choice_questions
    if not questions:
        return {}
    position = {response_id: n for n, response_id in enumerate(response_ids)}
    answers = {question.key: [NO_ANSWER] * len(response_ids) for question in questions}
    for response_id, key, choices, text in db.session.execute(
            select(Answer.response_id, Question.key, Answer.choices, Answer.text).join(Answer.question)
            .join(Response, Answer.response_id == Response.id)
            .where(Response.survey_id == survey.id, Question.kind == "choice",
                   Response.submitted, Response.validity == Validity.valid)):
        answers[key][position[response_id]] = ChoiceAnswer(tuple(choices or ()), text)
    return answers


def submitted_count(survey: Survey) -> int:
    """The survey's submitted responses, valid or not: the document's ``submitted`` and the export's rows."""
    return db.session.scalar(select(func.count(Response.id))
                             .where(Response.survey_id == survey.id, Response.submitted))


def valid_by_mode(survey: Survey) -> dict[str, int]:
    """Valid responses by how they were collected (the document's ``counts.by_mode``), modes with none left out."""
    return {mode.value: count for mode, count in db.session.execute(
        select(Response.mode, func.count(Response.id))
        .where(Response.survey_id == survey.id, Response.submitted,
               Response.validity == Validity.valid)
        .group_by(Response.mode).order_by(Response.mode))}


def _group_expression(group_by: str | None):
    if group_by is None:
        return GROUP_COLUMNS[DEFAULT_GROUPING].label("group")
    if group_by in GROUP_COLUMNS:
        return GROUP_COLUMNS[group_by].label("group")
    return RosterUnit.attributes[group_by].as_string().label("group")


def _counts(query) -> dict[str, int]:
    """Count per group, in the roster's order of first appearance (the order of the document's group rows)."""
    counts: dict[str, int] = {}
    grouped = query.group_by(query.selected_columns[0]).order_by(func.min(RosterUnit.id))
    for group, count in db.session.execute(grouped).all():
        counts[_label(group)] = counts.get(_label(group), 0) + count
    return counts


def _label(group) -> str:
    """A blank grouping value (none or empty) is the group "" (spec)."""
    return "" if group is None else str(group)
