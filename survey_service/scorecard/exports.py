"""A scored indicator tree as the evaluation report's scoring tables (综合评分表), in Word and in Excel.

Table 1 lists the first level with the total; one table per first-level indicator follows with its whole
subtree, as the report's 表3-1 … 表3-4. Numbers read as on the scorecard page (``plain_number``).
"""
from __future__ import annotations

from collections.abc import Iterator

from flask_babel import gettext as _

from analysis.scorecard import IndicatorResult, ScorecardResult, plain_number
from survey_service.report.outline import ReportOutline, Section, Table
from survey_service.tabular import xlsx_bytes

#: the subtree's depth shown by an ideographic space per level before the name
INDENT = "\u3000"


def _header() -> tuple[str, ...]:
    return _("Indicator"), _("Name"), _("Weight"), _("Achieved value"), _("Score")


def _walk(indicators: tuple[IndicatorResult, ...], depth: int = 0) -> Iterator[tuple[int, IndicatorResult]]:
    for indicator in indicators:
        yield depth, indicator
        yield from _walk(indicator.children, depth + 1)


def scorecard_tables(result: ScorecardResult) -> list[Table]:
    """Table 1 (first level and total), then each first-level indicator's subtree with its subtotal."""
    numeric = frozenset({2, 4})
    tables = [Table(_("Table 1 Overall scores"), _header(),
                    tuple((i.code, i.name, plain_number(i.weight), i.value or "—", plain_number(i.score))
                          for i in result.indicators),
                    ((_("Total"), "", plain_number(result.weight), "", plain_number(result.total)),), numeric)]
    for number, parent in enumerate(result.indicators, 2):
        rows = tuple((i.code, INDENT * depth + i.name, plain_number(i.weight), i.value or "—", plain_number(i.score))
                     for depth, i in _walk(parent.children))
        tables.append(Table(_("Table %(number)s %(code)s %(name)s", number=number, code=parent.code,
                              name=parent.name), _header(), rows,
                            ((_("Total"), "", plain_number(parent.weight), "", plain_number(parent.score)),),
                            numeric))
    return tables


def scorecard_docx(title: str, result: ScorecardResult, language: str) -> bytes:
    """The scoring tables as a Word document, typeset as the satisfaction report is."""
    total = _("Total score %(total)s, grade %(grade)s.", total=plain_number(result.total), grade=result.grade)
    outline = ReportOutline(language, "", title, _("Overall scores"),
                            [(_("Total score"), plain_number(result.total)), (_("Grade"), result.grade)],
                            [Section(_("Scoring tables"), [total], list(scorecard_tables(result)))],
                            title_page=False)
    from survey_service.report.word import write_docx  # python-docx only when a Word file is asked for

    return write_docx(outline)


def scorecard_xlsx(result: ScorecardResult) -> bytes:
    """One sheet, every level: code, level, name (indented), weight, achieved value, score; total and grade below.

    Weights and scores are numbers (format 0.00) so a reader can sum a level in Excel and find its parent's figure.
    """
    header = [_("Indicator"), _("Level"), _("Name"), _("Weight"), _("Achieved value"), _("Score")]
    rows: list[list] = [[i.code, depth + 1, INDENT * depth + i.name, float(i.weight), i.value or "",
                         float(i.score)] for depth, i in _walk(result.indicators)]
    rows += [[], [_("Total"), "", "", float(result.weight), "", float(result.total)],
             [_("Grade"), "", "", "", "", result.grade]]
    return xlsx_bytes({_("Overall scores"): (header, rows, {3: "0.00", 5: "0.00"})})
