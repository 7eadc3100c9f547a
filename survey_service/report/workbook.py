"""The XLSX workbook of a survey's results: summary, dimensions, items, districts, responses (readable and coded),
comments.

The summary sheet carries the points of every option and every item's answer counts, so a reader can recompute
the overall index from the workbook alone: item index = Σ count × points / Σ counts (N/A and blanks excluded),
dimension index = item-weighted mean, overall index = dimension-weighted mean.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from analysis.china_time import wall_clock
from analysis.narrative import group_name
from survey_service.report.content import (interval_method_name, is_census, not_applicable_label, option_labels,
                                           scoring_scheme_name)
from survey_service.report.queries import comments
from survey_service.responses.csv_format import export_header
from survey_service.results.documents import report_document
from survey_service.report.charts import title_of
from survey_service.results.exports import response_rows
from survey_service.surveys.models import Survey
from survey_service.tabular import Styled, xlsx_bytes


def report_workbook(survey: Survey, language: str) -> bytes:
    """All sheets, every figure from the survey's satisfaction document; cells formula-neutralised.

    Sheet names and headings are in the page's language; rates carry the format 0.00%, indexes 0.00; times are
    Beijing time, said so in the heading. The responses come twice: readable (N/A as its label, 不了解) and coded
    as the responses CSV (docs/files-and-cli.md), the sheet to reanalyse or import.
    """
    document = report_document(survey)
    labels = option_labels(survey, language)
    na_label = not_applicable_label(survey, language)
    questionnaire = survey.questionnaire_version.questionnaire
    header = export_header(questionnaire)
    coded = list(response_rows(survey))
    return xlsx_bytes({
        _("summary"): ([_("Figure"), _("Value")], summary_rows(document, labels, na_label)),
        _("dimensions"): _dimensions(document, language),
        _("items"): _items(document, language),
        _("districts"): _districts(document, language),
        _("responses"): _readable_responses(header, coded, questionnaire, na_label),
        _("responses (coded)"): (header, coded),
        _("comments"): ([_("District"), _("Unit"), _("Question"), _("Comment"), _("Submitted at (Beijing time)")],
                        ([c.district, c.unit, c.question, c.text, wall_clock(c.submitted_at)]
                         for c in comments(survey)), {4: DATETIME}),
    })


#: Excel's format of a time without its zone (the heading names the zone)
DATETIME = "yyyy-mm-dd hh:mm"


def _readable_responses(header: list[str], coded: list[list], questionnaire, na_label: str):
    """The coded rows with words where codes stand: the N/A option's label, valid/invalid, Beijing times."""
    likert = {header.index(item.key) for item in questionnaire.items}
    not_applicable = questionnaire.not_applicable.value if questionnaire.not_applicable else None
    statuses = {"valid": _("Valid"), "invalid": _("Invalid")}
    submitted, reviewed = header.index("submitted_at"), header.index("reviewed_at")
    status = header.index("status")
    rows = []
    for row in coded:
        readable = list(row)
        for column in likert:
            if readable[column] == not_applicable:
                readable[column] = na_label
        readable[status] = statuses.get(readable[status], readable[status])
        for column in (submitted, reviewed):
            readable[column] = datetime.fromisoformat(readable[column]).replace(tzinfo=None) if readable[column] \
                else None
        rows.append(readable)
    headings = {"centre_code": _("Unit code"), "name": _("Unit"), "district": _("District"),
                "status": _("Status"), "invalid_reason": _("Reason"), "submitted_at": _("Submitted at (Beijing time)"),
                "flags": _("Flags"), "reviewed_by": _("Reviewed by"),
                "reviewed_at": _("Reviewed at (Beijing time)"), "reference": _("Reference")}
    return [headings.get(name, name) for name in header], rows, {submitted: DATETIME, reviewed: DATETIME}


def summary_rows(document: dict, labels: dict[str, str], na_label: str) -> list[list]:
    """Key figures, then the points per option, then each item's counts per option and its index."""
    counts, overall, indicator = document["counts"], document["overall"], document["indicator"] or {}
    ci = overall["ci95"] or (None, None)
    rows: list[list] = [
        [_("Survey"), document["survey"]["key"]], [_("Title"), document["survey"]["title"]],
        [_("Generated at (Beijing time)"),
         Styled(wall_clock(datetime.fromisoformat(document["generated_at"])), DATETIME)],
        [_("Snapshot"), document["snapshot"]],
        [_("Scoring scheme"), scoring_scheme_name(document["scoring"]["scheme"])],
        [_("Interval method"), interval_method_name(document["ci_method"])],
        [_("Issued"), counts["issued"]], [_("Submitted"), counts["submitted"]], [_("Valid"), counts["valid"]],
        [_("Submission rate"), Styled(counts["return_rate"], RATE)],
        [_("Return rate"), Styled(counts["valid_rate"], RATE)],
        [_("Overall index"), Styled(overall["index"], INDEX)],
        [_("Interval (95%), low"), Styled(ci[0], INDEX)], [_("Interval (95%), high"), Styled(ci[1], INDEX)],
        [_("Indicator"), indicator.get("code")], [_("Indicator weight"), indicator.get("weight")],
        [_("Indicator score"), Styled(indicator.get("score"), INDEX)],
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
                         item["n"], Styled(item["index"], INDEX)])
    return rows


#: Excel formats: a rate on 0–1 as a percentage, an index on 0–100 (and points, scores) with two decimals
RATE, INDEX = "0.00%", "0.00"


def _dimensions(document: dict, language: str):
    header = [_("Dimension"), _("Title"), _("Weight"), _("Index"), _("Interval (95%), low"), _("Interval (95%), high"),
              _("Respondents"), _("Difference from overall (pp)"), _("Top-2 share")]
    rows = [[d["key"], title_of(d, language), d["weight"], d["index"], *(d["ci95"] or (None, None)), d["n"],
             d["delta_pp"], d["top2_share"]] for d in document["dimensions"]]
    return header, rows, dict.fromkeys((3, 4, 5, 7, 8), INDEX)


def _items(document: dict, language: str):
    header = [_("Dimension"), _("Item"), _("Text"), _("Weight"), _("Index"), _("Interval (95%), low"),
              _("Interval (95%), high"), _("Rated answers"), _("Top-2 share")]
    rows = [[d["key"], i["key"], title_of(i, language), i["weight"], i["index"], *(i["ci95"] or (None, None)),
             i["n"], i["top2_share"]] for d in document["dimensions"] for i in d["items"]]
    return header, rows, dict.fromkeys((4, 5, 6, 8), INDEX)


def _districts(document: dict, language: str):
    """Per district; a census (every unit answered) has a note instead of a zero-width interval, and a district
    with too few questionnaires shows 样本不足 instead of its figures (``report_document``)."""
    header = [_("District"), _("Issued"), _("Submitted"), _("Valid"), _("Return rate"), _("Index"),
              _("Interval (95%), low"), _("Interval (95%), high"), _("Note")]
    suppressed = _("Too few questionnaires")
    census = _("Every unit of the district answered: a census, with no sampling error.")
    rows = []
    for r in (document["groups"] or {"rows": []})["rows"]:
        if r.get("suppressed"):
            figures = [suppressed, None, None, ""]
        elif is_census(r, document):
            figures = [r["index"], None, None, census]
        else:
            figures = [r["index"], *(r["ci95"] or (None, None)), ""]
        rows.append([group_name(r["group"], language), r["issued"], r["submitted"], r["valid"], r["valid_rate"],
                     *figures])
    return header, rows, {4: RATE, 5: INDEX, 6: INDEX, 7: INDEX}
