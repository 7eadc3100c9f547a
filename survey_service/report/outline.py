"""The satisfaction analysis report as plain data: sections of paragraphs, tables and figures (report-outline.md).

The Word report is written from this outline; its sentences are the printable report's (``report_text``), its
tables carry the figures as the printable report prints them (98.64%, 0.794, +2.52), and its figures hold the
chart rows of ``charts.py`` that the pages draw with plotly. Building it needs the database; writing it does not.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from analysis.narrative import (SECTIONS, SMALL_GROUP, coefficient, group_name, p_value_text,
                                points_difference)
from analysis.rounding import percent
from analysis.satisfaction import ranked_groups
from survey_service.report import charts
from survey_service.report.charts import Bar, LikertRow
from survey_service.report.content import (interval_method_name, is_census, not_applicable_label, option_labels,
                                           report_text, survey_comparison)
from survey_service.report.queries import comments as survey_comments
from survey_service.results.documents import report_document
from survey_service.surveys.models import Survey



@dataclass(frozen=True)
class Table:
    """A table as printed: a title above it (表N …), a header row, body rows, total rows; cells are text."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    footer: tuple[tuple[str, ...], ...] = ()
    #: columns that hold figures (right-aligned); the first column names the row
    numeric: frozenset[int] = frozenset()
    note: str | None = None


@dataclass(frozen=True)
class IndexFigure:
    """Horizontal bars with intervals and a dashed reference line, drawn from ``charts.Bar`` rows."""

    caption: str
    bars: tuple[Bar, ...]
    reference: float | None = None
    reference_label: str = ""


@dataclass(frozen=True)
class LikertFigure:
    """Diverging stacked bars per item, drawn from ``charts.LikertRow`` rows."""

    caption: str
    rows: tuple[LikertRow, ...]
    labels: dict[str, str]
    not_applicable_label: str


@dataclass(frozen=True)
class CommentGroup:
    """One district's open answers, counted; never the centre's name (the questionnaire promises aggregates)."""

    group: str
    texts: tuple[str, ...]


@dataclass
class Section:
    heading: str
    paragraphs: list[str]
    blocks: list = field(default_factory=list)


@dataclass
class ReportOutline:
    """Everything the Word report shows, in order."""

    language: str
    appendix: str
    title: str
    subtitle: str
    facts: list[tuple[str, str]]
    sections: list[Section]
    #: a report opens with a title page and a table of contents; a one-page table (the scorecard) does not
    title_page: bool = True


def section_headings() -> tuple[str, ...]:
    """The printable report's section headings, in the outline's order (report-outline.md 1–11)."""
    return (_("1. About the survey"), _("2. Method and questionnaire design"),
            _("3. Questionnaires issued and returned"), _("4. Sample"), _("5. Overall satisfaction"),
            _("6. Satisfaction by dimension"), _("7. Comparison of districts"), _("8. Reliability"),
            _("9. Comments and suggestions"), _("10. Limitations"), _("11. Conclusion and indicator score"))


def rate(value: float | None) -> str:
    """A rate on 0–1 as a percentage: 0.9864 → 98.64%."""
    return percent(value, rate=True)


def decimal(value: float | None) -> str:
    """A coefficient (α, r) with three decimals, as on every page."""
    return coefficient(value)


def interval(ci: list | None) -> str:
    return f"{percent(ci[0])} – {percent(ci[1])}" if ci else "—"


def signed_points(index: float | None, overall: float | None) -> str:
    if index is None or overall is None:
        return "—"
    return "+" + points_difference(index, overall) if index >= overall else "−" + points_difference(overall, index)


def report_outline(survey: Survey, language: str, state_label: str, report_date: str) -> ReportOutline:
    """The report of ``survey`` in ``language`` (the caller forces the locale: messages are translated here)."""
    document = report_document(survey)
    kind_document = report_document(survey, "kind")
    labels = option_labels(survey, language)
    na_label = not_applicable_label(survey, language)
    comparison = survey_comparison(survey)
    text = report_text(survey, language, comparison)
    counts = document["counts"]
    blocks: dict[str, list] = {key: [] for key in SECTIONS}

    blocks["method"] += [_design_table(document, language), _points_table(document, labels, na_label),
                         _("Interval method: %(method)s. The figures can be recomputed from the exported workbook "
                           "(sheet “%(sheet)s”).", method=interval_method_name(document["ci_method"]),
                           sheet=_("summary"))]
    if document["groups"]:
        blocks["returns"].append(_returns_table(document, language))
    if counts["valid"]:
        blocks["sample"] += [
            _sample_table(_("Table 4. Valid questionnaires by district"), document["groups"]["rows"], counts["valid"],
                          _("District"), language),
            _sample_table(_("Table 5. Valid questionnaires by kind of unit"), kind_document["groups"]["rows"],
                          counts["valid"], _("Kind"), language)]
    blocks["overall"] += [
        _distribution_table(document, labels, na_label),
        IndexFigure(_("Figure 1. Share of each option among all rated answers"),
                    tuple(charts.option_shares(document["distribution"], labels)))]
    blocks["dimensions"] += [
        _dimension_table(document, language),
        # a message without variables keeps its %% (Flask-Babel formats only when given some): "% {}" does it
        IndexFigure(_("Figure 2. Satisfaction by dimension with 95%% intervals; dashed line: overall "
                      "satisfaction") % {},
                    tuple(charts.dimension_bars(document, language)), document["overall"]["index"], _("Overall")),
        _item_table(document, labels, na_label, language),
        LikertFigure(_("Figure 3. Answers per item: dissatisfied left of zero, satisfied right, the middle option "
                       "centred"), tuple(charts.likert_rows(document, labels, language)), labels, na_label)]
    if document["groups"]:
        blocks["groups"] += [
            IndexFigure(_("Figure 4. Satisfaction by district with 95%% intervals; lighter bars: fewer than %(n)s "
                          "valid questionnaires", n=SMALL_GROUP),
                        tuple(charts.group_bars(document, language)), document["overall"]["index"], _("Overall")),
            _district_table(document, language)]
    if document["reliability"]:
        blocks["reliability"] += [_reliability_table(document, language),
                                  _("Reading of Cronbach's α: 0.9 and above excellent, 0.8 good, 0.7 acceptable, "
                                    "below 0.7 questionable.")]
    grouped: dict[str, list[str]] = {}
    for comment in survey_comments(survey):
        grouped.setdefault(comment.district, []).append(comment.text)
    blocks["comments"] += [CommentGroup(group, tuple(texts)) for group, texts in grouped.items()]
    if comparison:
        blocks["conclusion"].append(_comparison_table(comparison, language))

    sections = [Section(heading, list(text[key]), blocks[key]) for key, heading in zip(SECTIONS,
                                                                                       section_headings())
                if key != "groups" or document["groups"]]
    facts = [(_("Report date"), report_date), (_("Survey"), f"{survey.key} · {state_label}"),
             (_("Questionnaire"), survey.questionnaire_version.label), (_("Data snapshot"), document["snapshot"])]
    return ReportOutline(language, _("Appendix: satisfaction survey analysis report"), survey.title,
                         _("Satisfaction survey analysis report"), facts, sections)


def _design_table(document: dict, language: str) -> Table:
    rows = tuple((charts.title_of(dimension, language), f"{dimension['weight']:g}",
                  f"{item['key']} {charts.title_of(item, language)}", f"{item['weight']:g}")
                 for dimension in document["dimensions"] for item in dimension["items"])
    return Table(_("Table 1. Dimensions, items and weights"), (_("Dimension"), _("Weight"), _("Item"),
                                                                _("Item weight")), rows, numeric=frozenset({1, 3}))


def _points_table(document: dict, labels: dict[str, str], na_label: str) -> Table:
    scoring = document["scoring"]
    rows = [(label, value, f"{scoring['points'][value]:g}") for value, label in labels.items()]
    not_applicable = scoring["not_applicable"]
    rows.append((na_label, str(not_applicable) if not_applicable is not None else "—", _("not counted")))
    return Table(_("Table 2. Options and points"), (_("Option"), _("Option value"), _("Points")), tuple(rows),
                 numeric=frozenset({1, 2}))


def _returns_table(document: dict, language: str) -> Table:
    counts = document["counts"]
    rows = tuple((group_name(row["group"], language), str(row["issued"]), str(row["submitted"]),
                  str(row["valid"]), rate(row["valid_rate"]))
                 for row in sorted(document["groups"]["rows"], key=lambda row: -(row["valid_rate"] or 0)))
    footer = ((_("Total"), str(counts["issued"]), str(counts["submitted"]), str(counts["valid"]),
               rate(counts["valid_rate"])),)
    return Table(_("Table 3. Questionnaires by district"),
                 (_("District"), _("Issued"), _("Submitted"), _("Valid"), _("Return rate")), rows, footer,
                 frozenset({1, 2, 3, 4}))


def _sample_table(title: str, group_rows: list[dict], total: int, heading: str, language: str) -> Table:
    rows = tuple((group_name(row["group"], language), str(row["valid"]), percent(row["valid"] / total * 100))
                 for row in sorted(group_rows, key=lambda row: -row["valid"]) if row["valid"])
    return Table(title, (heading, _("Valid questionnaires"), _("Share")), rows,
                 ((_("Total"), str(total), percent(100)),), frozenset({1, 2}))


def _distribution_table(document: dict, labels: dict[str, str], na_label: str) -> Table:
    distribution, points = document["distribution"], document["scoring"]["points"]
    rated = sum(distribution[value] for value in labels)
    rows = tuple((label, f"{points[value]:g}", str(distribution[value]),
                  percent(distribution[value] / rated * 100) if rated else "—") for value, label in labels.items())
    footer = ((_("Rated answers"), "", str(rated), percent(100) if rated else "—"),
              (na_label, _("not counted"), str(distribution["na"]), ""),
              (_("Blank"), _("not counted"), str(distribution["missing"]), ""))
    return Table(_("Table 6. All answers by option"),
                 (_("Option"), _("Points"), _("Answers"), _("Share of rated answers")), rows, footer,
                 frozenset({1, 2, 3}))


def _dimension_table(document: dict, language: str) -> Table:
    overall = document["overall"]
    ranked = sorted((d for d in document["dimensions"] if d["index"] is not None), key=lambda d: -d["index"])
    rows = tuple((str(rank), charts.title_of(d, language), percent(d["index"]), interval(d["ci95"]),
                  signed_points(d["index"], overall["index"]), percent(d["top2_share"]), str(d["n"]))
                 for rank, d in enumerate(ranked, 1))
    footer = (("", _("Overall satisfaction"), percent(overall["index"]), interval(overall["ci95"]), "", "",
               str(overall["n"])),)
    return Table(_("Table 7. Dimensions ranked"),
                 (_("Rank"), _("Dimension"), _("Satisfaction"), _("95%% interval") % {}, _("vs. overall (pp)"),
                  _("Top-2 share"), _("Respondents")), rows, footer, frozenset({0, 2, 3, 4, 5, 6}))


def _item_table(document: dict, labels: dict[str, str], na_label: str, language: str) -> Table:
    rows = []
    for dimension in document["dimensions"]:
        for item in dimension["items"]:
            distribution = item["distribution"]
            rows.append((f"{item['key']} {charts.title_of(item, language)}",
                         *(str(distribution[value]) for value in labels), str(distribution["na"]),
                         percent(item["index"]), percent(item["top2_share"])))
    columns = len(labels) + 4
    return Table(_("Table 8. Items"), (_("Item"), *labels.values(), na_label, _("Satisfaction"), _("Top-2 share")),
                 tuple(rows), numeric=frozenset(range(1, columns)))


def _district_table(document: dict, language: str) -> Table:
    rows = []
    for rank, row in enumerate(ranked_groups(document["groups"]["rows"]), 1):
        census = is_census(row, document)
        notes = [_("Fewer than %(n)s valid questionnaires: for reference only", n=SMALL_GROUP)] \
            if row["valid"] < SMALL_GROUP and not row.get("suppressed") else []
        if census:
            notes.append(_("Every unit of the district answered: a census, with no sampling error."))
        if row.get("suppressed"):
            figure = spread = _("Too few questionnaires")
        else:
            figure, spread = percent(row["index"]), "—" if census else interval(row["ci95"])
        rows.append((str(rank) if row["index"] is not None else "—", group_name(row["group"], language),
                     str(row["issued"]), str(row["valid"]), rate(row["valid_rate"]), figure, spread,
                     " ".join(notes)))
    return Table(_("Table 9. Districts ranked"),
                 (_("Rank"), _("District"), _("Issued"), _("Valid"), _("Return rate"), _("Satisfaction"),
                  _("95%% interval") % {}, _("Note")), tuple(rows), numeric=frozenset({0, 2, 3, 4, 5, 6}))


def _reliability_table(document: dict, language: str) -> Table:
    reliability = document["reliability"]
    rows = tuple((f"{item['key']} {charts.title_of(item, language)}",
                  decimal(reliability["alpha_if_deleted"][item["key"]]),
                  decimal(reliability["item_total_r"][item["key"]]))
                 for dimension in document["dimensions"] for item in dimension["items"])
    footer = ((_("Cronbach's α (all items)"), decimal(reliability["cronbach_alpha"]), ""),)
    return Table(_("Table 10. Item reliability"), (_("Item"), _("α if item deleted"), _("Corrected item–total r")),
                 rows, footer, frozenset({1, 2}))


def _change_cells(row: dict) -> tuple[str, ...]:
    change = row["change_pp"]
    if change is None:
        change_text = "—"
    elif change == 0:
        change_text = "0.00"
    else:
        change_text = ("+" if change > 0 else "−") + f"{abs(change):.2f}"
    significant = "—" if row["significant"] is None else (_("Yes") if row["significant"] else _("No"))
    return (percent(row["earlier"]), percent(row["later"]), change_text,
            f"{row['statistic']:.1f}" if row["statistic"] is not None else "—",
            p_value_text(row["p_value"]).replace("=", "") if row["p_value"] is not None else "—", significant)


def _comparison_table(comparison: dict, language: str) -> Table:
    rows = tuple((charts.title_of(row, language), *_change_cells(row)) for row in comparison["dimensions"])
    footer = ((_("Overall satisfaction"), *_change_cells(comparison["overall"])),)
    return Table(_("Table 11. Change since the earlier survey"),
                 (_("Dimension"), _("Earlier"), _("Now"), _("Change (pp)"), _("Mann–Whitney U"), "p",
                  _("Significant at 0.05")), rows, footer, frozenset({1, 2, 3, 4, 5}),
                 note=_("Earlier: %(earlier)s. Now: %(later)s.", earlier=comparison["earlier"]["title"],
                        later=comparison["later"]["title"]))
