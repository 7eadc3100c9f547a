"""The XLSX workbook of a survey's results: summary, dimensions, items, districts, responses, comments.

The summary sheet carries the points of every option and every item's answer counts, so a reader can recompute
the overall index from the workbook alone: item index = Σ count × points / Σ counts (N/A and blanks excluded),
dimension index = item-weighted mean, overall index = dimension-weighted mean.
"""
from __future__ import annotations

from flask_babel import gettext as _

from analysis.narrative import group_name
from survey_service.report.content import not_applicable_label, option_labels
from survey_service.report.queries import comments
from survey_service.responses.csv_format import export_header
from survey_service.results.documents import survey_document
from survey_service.results.exports import response_rows
from survey_service.surveys.models import Survey
from survey_service.tabular import xlsx_bytes


def report_workbook(survey: Survey, language: str) -> bytes:
    """All sheets, every figure from the survey's satisfaction document; cells formula-neutralised."""
    document = survey_document(survey)
    labels = option_labels(survey, language)
    return xlsx_bytes({
        "summary": ([_("Figure"), _("Value")], summary_rows(document, labels, not_applicable_label(survey, language))),
        "dimensions": _dimensions(document),
        "items": _items(document),
        "districts": _districts(document, language),
        "responses": (export_header(survey.questionnaire_version.questionnaire), response_rows(survey)),
        "comments": ([_("District"), _("Unit"), _("Question"), _("Comment"), _("Submitted at")],
                     ([c.district, c.unit, c.question, c.text, c.submitted_at.isoformat() if c.submitted_at else ""]
                      for c in comments(survey))),
    })


def summary_rows(document: dict, labels: dict[str, str], na_label: str) -> list[list]:
    """Key figures, then the points per option, then each item's counts per option and its index."""
    counts, overall, indicator = document["counts"], document["overall"], document["indicator"] or {}
    ci = overall["ci95"] or (None, None)
    rows: list[list] = [
        [_("Survey"), document["survey"]["key"]], [_("Title"), document["survey"]["title"]],
        [_("Generated at"), document["generated_at"]], [_("Snapshot"), document["snapshot"]],
        [_("Scoring scheme"), document["scoring"]["scheme"]], [_("Interval method"), document["ci_method"]],
        [_("Issued"), counts["issued"]], [_("Submitted"), counts["submitted"]], [_("Valid"), counts["valid"]],
        [_("Submission rate"), counts["return_rate"]], [_("Return rate"), counts["valid_rate"]],
        [_("Overall index"), overall["index"]],
        [_("Interval (95%), low"), ci[0]], [_("Interval (95%), high"), ci[1]],
        [_("Indicator"), indicator.get("code")], [_("Indicator weight"), indicator.get("weight")],
        [_("Indicator score"), indicator.get("score")],
        [],
        [_("Option value"), _("Option"), _("Points")],
        *([int(value), label, document["scoring"]["points"][value]] for value, label in labels.items()),
        [document["scoring"]["not_applicable"], na_label, _("not counted")],
        [],
        [_("Dimension"), _("Dimension weight"), _("Item"), _("Item weight"), *labels, na_label, _("Blank"),
         _("Rated answers"), _("Item index")],
    ]
    for dimension in document["dimensions"]:
        for item in dimension["items"]:
            distribution = item["distribution"]
            rows.append([dimension["key"], dimension["weight"], item["key"], item["weight"],
                         *(distribution[value] for value in labels), distribution["na"], distribution["missing"],
                         item["n"], item["index"]])
    return rows


def _dimensions(document: dict):
    header = [_("Dimension"), _("Title"), _("Weight"), _("Index"), _("Interval (95%), low"), _("Interval (95%), high"),
              _("Respondents"), _("Difference from overall (pp)"), _("Top-2 share")]
    rows = [[d["key"], d["title"], d["weight"], d["index"], *(d["ci95"] or (None, None)), d["n"], d["delta_pp"],
             d["top2_share"]] for d in document["dimensions"]]
    return header, rows


def _items(document: dict):
    header = [_("Dimension"), _("Item"), _("Text"), _("Weight"), _("Index"), _("Interval (95%), low"),
              _("Interval (95%), high"), _("Rated answers"), _("Top-2 share")]
    rows = [[d["key"], i["key"], i["text"], i["weight"], i["index"], *(i["ci95"] or (None, None)), i["n"],
             i["top2_share"]] for d in document["dimensions"] for i in d["items"]]
    return header, rows


def _districts(document: dict, language: str):
    header = [_("District"), _("Issued"), _("Submitted"), _("Valid"), _("Return rate"), _("Index"),
              _("Interval (95%), low"), _("Interval (95%), high")]
    rows = [[group_name(r["group"], language), r["issued"], r["submitted"], r["valid"], r["valid_rate"], r["index"],
             *(r["ci95"] or (None, None))] for r in (document["groups"] or {"rows": []})["rows"]]
    return header, rows
