"""Everything a report page shows, from the survey's satisfaction document (the one source of every figure)."""
from __future__ import annotations

import hashlib
from datetime import datetime

from flask_babel import gettext as _

from analysis.china_time import CHINA_STANDARD_TIME
from analysis.comparison import compare_surveys, respondent_scores
from analysis.narrative import SurveyFacts, narrative
from survey_service.cache import document_cache
from survey_service.report.queries import comment_counts, earlier_survey
from survey_service.results.documents import report_document, survey_document
from survey_service.results.queries import data_state, survey_responses
from survey_service.surveys.models import Survey

def interval_method_name(ci_method: str) -> str:
    """The document's ``ci_method`` in words, as a reader of the report needs it (never the internal name)."""
    names = {
        "bootstrap-percentile-fpc": _("bootstrap percentile interval, with the finite-population correction"),
        "bootstrap-percentile": _("bootstrap percentile interval"),
        "delta-fpc": _("delta-method (linearisation) interval, with the finite-population correction"),
        "delta": _("delta-method (linearisation) interval"),
    }
    return names[ci_method]


def is_census(row: dict, document: dict) -> bool:
    """Every unit of the group answered validly: with the finite-population correction there is no sampling error,
    and its interval has no width — the report says so in words instead of printing 91.86%–91.86%."""
    return bool(row["issued"]) and row["valid"] == row["issued"] and document["ci_method"].endswith("-fpc")


def scoring_scheme_name(scheme: str) -> str:
    """The questionnaire's scoring scheme in words."""
    names = {"linear": _("linear scoring (options evenly spaced from 0 to 100)"),
             "points": _("points table"), "top_box": _("top-box share")}
    return names[scheme]


def option_labels(survey: Survey, language: str) -> dict[str, str]:
    """Scale option labels in the report's language, most satisfied first, keyed like the document ("5")."""
    questionnaire = survey.questionnaire_version.questionnaire
    by_value = {option.value: option for option in questionnaire.options}
    return {str(value): _label(by_value[value], language) for value in questionnaire.option_values}


def not_applicable_label(survey: Survey, language: str) -> str:
    option = survey.questionnaire_version.questionnaire.not_applicable
    return _label(option, language) if option else "—"


def _label(option, language: str) -> str:
    return (option.label_en or option.label) if language == "en" else option.label


def survey_facts(survey: Survey, language: str) -> SurveyFacts:
    """The survey's population, period, rules and comment counts, for the generated sentences."""
    questionnaire = survey.questionnaire_version.questionnaire
    counts = comment_counts(survey)
    kinds = report_document(survey, "kind")["groups"]["rows"]
    return SurveyFacts(
        population=survey.roster.name, option_labels=option_labels(survey, language),
        not_applicable_label=not_applicable_label(survey, language),
        min_answered_share=questionnaire.min_answered_share, flag_straight_lining=questionnaire.flag_straight_lining,
        opens=_china_date(survey.opens_at), closes=_china_date(survey.closes_at),
        comments=sum(counts.values()), comment_groups=len(counts),
        kinds=tuple((row["group"], row["valid"]) for row in sorted(kinds, key=lambda row: -row["valid"])
                    if row["valid"] and row["group"]))


def _china_date(moment: datetime | None):
    return moment.astimezone(CHINA_STANDARD_TIME).date() if moment else None


def survey_comparison(survey: Survey) -> dict | None:
    """Change per dimension against the earlier survey of the same questionnaire, or None without one."""
    earlier = earlier_survey(survey)
    if earlier is None:
        return None
    key = "comparison:" + hashlib.sha256(repr((data_state(earlier), data_state(survey))).encode()).hexdigest()
    cache = document_cache()
    comparison = cache.get(key)
    if comparison is None:
        comparison = compare_surveys(survey_document(earlier), survey_document(survey), _scores(earlier),
                                     _scores(survey))
        cache.set(key, comparison)
    return comparison


def _scores(survey: Survey):
    return respondent_scores(survey.questionnaire_version.questionnaire, survey_responses(survey, None).answers)


def report_text(survey: Survey, language: str, comparison: dict | None) -> dict[str, list[str]]:
    """The generated paragraphs of every section (analysis/narrative.py) in the UI language."""
    return narrative(report_document(survey), survey_facts(survey, language), language, comparison)


def generated_on(document: dict) -> datetime:
    """When the document was computed, as an aware time (the report's date)."""
    return datetime.fromisoformat(document["generated_at"])
