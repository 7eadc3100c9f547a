"""The satisfaction document of a survey in the database: one estimator (analysis/), cached by data state."""
from __future__ import annotations

import hashlib
import json

from flask import current_app, g, has_request_context
from sqlalchemy import select

from analysis.satisfaction import Population, satisfaction_document
from survey_service.cache import document_cache
from survey_service.extensions import db
from survey_service.problems import ProblemList
from survey_service.results.queries import data_state, single_choice, survey_responses, valid_by_mode
from survey_service.roster.models import RosterUnit
from survey_service.roster.parsing import DEFAULT_GROUPING, GROUPING_COLUMNS, grouping_problem
from survey_service.surveys.models import Survey


def survey_document(survey: Survey, group_by: str | None = DEFAULT_GROUPING) -> dict:
    """The satisfaction document (docs/satisfaction-json.md) of a survey's valid responses.

    Memoised for the request: a page that shows several parts of one document (the printable report reads it for
    every section) checks the data state and reads the cache once. Callers must not change the dict.
    """
    memo = g.setdefault("satisfaction_documents", {}) if has_request_context() else {}
    if (survey.id, group_by) not in memo:
        _, text, document = _document(survey, group_by, document_key(survey, group_by))
        memo[survey.id, group_by] = document if document is not None else json.loads(text)
    return memo[survey.id, group_by]


def confidential(document: dict, minimum: int | None = None) -> dict:
    """The document as readers other than evaluators get it: a group with fewer valid questionnaires than the
    minimum keeps its counts but loses its figures (``index``/``ci95`` null, ``suppressed`` true), so no centre's
    answers can be read off a small group (docs/satisfaction-json.md, confidentiality)."""
    minimum = current_app.config["CONFIDENTIAL_MIN_GROUP"] if minimum is None else minimum
    if not document.get("groups"):
        return document
    rows = [{**row, "index": None, "ci95": None, "suppressed": True} if row["valid"] < minimum else row
            for row in document["groups"]["rows"]]
    return {**document, "groups": {**document["groups"], "rows": rows}}


def report_document(survey: Survey, group_by: str | None = DEFAULT_GROUPING) -> dict:
    """The document behind the result pages, the report and its exports: confidential, whoever reads them."""
    return confidential(survey_document(survey, group_by))


def document_key(survey: Survey, group_by: str | None) -> str:
    """The cache key of a survey's document: it changes whenever the data behind a figure does."""
    check_group_column(survey, group_by)
    return "satisfaction:" + hashlib.sha256(repr((data_state(survey), group_by)).encode()).hexdigest()


def cached_etag(key: str) -> str | None:
    """The ETag of the document cached under KEY, without reading the document; None when it is not cached."""
    return document_cache().get_text(key + ":etag")


def survey_document_json(survey: Survey, group_by: str | None = DEFAULT_GROUPING,
                         key: str | None = None) -> tuple[str, str]:
    """The document as JSON text with its ETag, from the cache when the data has not changed."""
    etag, text, _ = _document(survey, group_by, key or document_key(survey, group_by))
    return etag, text


def _document(survey: Survey, group_by: str | None, key: str) -> tuple[str, str, dict | None]:
    """ETag, JSON text and — when it was computed now rather than read from the cache — the document itself."""
    cache = document_cache()
    text = cache.get_text(key)
    etag = cache.get_text(key + ":etag")
    if text is not None and etag is not None:
        return etag, text, None
    document = _compute(survey, group_by)
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    etag = document_etag(document)
    cache.set_text(key, text)
    cache.set_text(key + ":etag", etag)
    return etag, text, document


def document_etag(document: dict) -> str:
    """The snapshot (hash of the valid responses used) with the counts and state that sit beside it."""
    basis = json.dumps([document["snapshot"], document["counts"], document["survey"],
                        (document.get("groups") or {}).get("by")], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(basis.encode()).hexdigest()[:32]


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
    document = satisfaction_document(version.questionnaire, data.answers, population=population, groups=data.groups,
                                     group_by=group_by, survey=meta, respondent_ids=data.respondent_ids,
                                     choices=data.choices)
    document["counts"]["by_mode"] = valid_by_mode(survey)
    return document


def check_group_column(survey: Survey, group_by: str | None) -> None:
    """A grouping column must be one of the roster's grouping columns, an attribute some unit of the survey's roster
    has, or a single-choice question of the survey's questionnaire."""
    if group_by is not None and single_choice(survey, group_by) is not None:
        return
    has_attribute = group_by is not None and group_by not in GROUPING_COLUMNS and db.session.scalar(
        select(RosterUnit.id).where(RosterUnit.roster_id == survey.roster_id,
                                    RosterUnit.attributes[group_by].as_string().is_not(None)).limit(1)) is not None
    problem = grouping_problem(group_by, {group_by} if has_attribute else set(), f"the roster of survey {survey.key}")
    if problem:
        raise ProblemList([problem])
