"""The satisfaction document of a survey in the database: one estimator (analysis/), cached by data state."""
from __future__ import annotations

import hashlib

from sqlalchemy import select

from analysis.satisfaction import Population, satisfaction_document
from survey_service.cache import document_cache
from survey_service.extensions import db
from survey_service.problems import ProblemList
from survey_service.results.queries import GROUP_COLUMNS, data_state, survey_responses
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Survey


def survey_document(survey: Survey, group_by: str | None = "district") -> dict:
    """The satisfaction document (spec/satisfaction-json.md) of a survey's valid responses."""
    check_group_column(survey, group_by)
    key = "satisfaction:" + hashlib.sha256(repr((data_state(survey), group_by)).encode()).hexdigest()
    cache = document_cache()
    document = cache.get(key)
    if document is None:
        document = _compute(survey, group_by)
        cache.set(key, document)
    return document


def document_of_survey(key: str) -> dict | None:
    """The document of survey KEY, or None when there is no such survey (a scorecard's ``survey:`` leaf)."""
    survey = db.session.scalar(select(Survey).filter_by(key=key))
    return survey_document(survey) if survey is not None else None


def _compute(survey: Survey, group_by: str | None) -> dict:
    data = survey_responses(survey, group_by)
    version = survey.questionnaire_version
    population = Population(issued=data.issued, submitted=data.submitted, issued_by_group=data.issued_by_group,
                            submitted_by_group=data.submitted_by_group)
    meta = {"key": survey.key, "title": survey.title, "year": version.year,
            "questionnaire_version": version.version, "status": survey.status}
    return satisfaction_document(version.questionnaire, data.answers, population=population, groups=data.groups,
                                 group_by=group_by, survey=meta, respondent_ids=data.respondent_ids)


def check_group_column(survey: Survey, group_by: str | None) -> None:
    """A grouping column must be a roster column or an attribute some unit of the survey's roster has."""
    if group_by is None or group_by in GROUP_COLUMNS:
        return
    has_attribute = db.session.scalar(
        select(RosterUnit.id).where(RosterUnit.roster_id == survey.roster_id,
                                    RosterUnit.attributes[group_by].as_string().is_not(None)).limit(1))
    if has_attribute is None:
        raise ProblemList([f"group_by: the roster of survey {survey.key} has no column \"{group_by}\""])
