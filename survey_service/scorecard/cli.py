"""The ``score`` command: compute a scorecard file into the report's tables (表3-1 … 表3-4) or its JSON document."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import click

from survey_service.text_tables import text_table

from analysis.scorecard import (
    IndicatorResult,
    SatisfactionSource,
    ScorecardError,
    ScorecardResult,
    load_scorecard,
    plain_number,
    score_scorecard,
)

#: Looks up the satisfaction document of a survey by key; None when there is no such survey.
SurveyResolver = Callable[[str], Mapping | None]

HEADER = ("指标", "名称", "权重", "业绩值", "分值")
RIGHT_ALIGNED = (False, False, True, False, True)
NO_VALUE = "-"
INDENT = "  "


def make_score_command(resolve_survey: SurveyResolver | None = None) -> click.Command:
    """Build ``score``; ``resolve_survey`` finds a survey's satisfaction document when no --satisfaction is given."""

    @click.command("score")
    @click.option("--scorecard", "scorecard_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
                  help="The indicator tree (YAML, docs/scorecard.md).")
    @click.option("--satisfaction", "satisfaction_path", type=click.Path(dir_okay=False, path_type=Path),
                  help="A satisfaction document (JSON) for the 'source: satisfaction' leaf.")
    @click.option("--json", "as_json", is_flag=True, help="Print the JSON document instead of the tables.")
    @click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
                  help="Write to this file instead of stdout.")
    def score(scorecard_path: Path, satisfaction_path: Path | None, as_json: bool, output: Path | None) -> None:
        """Compute a scorecard: the per-level tables, the total (总分) and the grade (评价等级)."""
        problems: list[str] = []
        scorecard_text = _read(scorecard_path, problems)
        document = _read_satisfaction(satisfaction_path, problems) if satisfaction_path else None
        satisfaction = document if satisfaction_path else _survey_lookup(resolve_survey)
        result = None
        if scorecard_text is not None:
            try:
                if satisfaction_path and document is None:
                    load_scorecard(scorecard_text, scorecard_path.name)
                else:
                    result = score_scorecard(scorecard_text, satisfaction, scorecard_path.name)
            except ScorecardError as exc:
                problems.extend(exc.problems)
        if problems:
            for problem in problems:
                click.echo(problem, err=True)
            click.get_current_context().exit(2)

        text = json.dumps(result.to_json(), ensure_ascii=False, indent=2) if as_json else render_scorecard(result)
        if output:
            output.write_text(text + "\n", encoding="utf-8")
        else:
            click.echo(text)
        where = f" to {output}" if output else ""
        click.echo(f"scored {scorecard_path.name}: total {plain_number(result.total)}, grade {result.grade}{where}",
                   err=True)

    return score


score_command = make_score_command()


def render_scorecard(result: ScorecardResult) -> str:
    """The report's tables: one for the top level (表3-1), one per top-level indicator, then total and grade."""
    top_rows = [_row(indicator, 0) for indicator in result.indicators]
    top_rows.append(("合计", "", plain_number(result.weight), NO_VALUE, plain_number(result.total)))
    blocks = [f"表1 综合评分表\n{_table(top_rows)}"]
    for number, indicator in enumerate(result.indicators, start=2):
        rows = list(_subtree_rows(indicator.children, 0))
        rows.append(("合计", "", plain_number(indicator.weight), NO_VALUE, plain_number(indicator.score)))
        blocks.append(f"表{number} {indicator.code} {indicator.name}\n{_table(rows)}")
    blocks.append(f"总分 {plain_number(result.total)}  评价等级 {result.grade}")
    if result.title:
        blocks.insert(0, result.title)
    return "\n\n".join(blocks)


def _survey_lookup(resolve_survey: SurveyResolver | None) -> SatisfactionSource:
    """The resolver for a leaf's ``survey:`` when no --satisfaction document was given."""

    def lookup(survey: str | None) -> Mapping | None:
        if survey is None:
            raise LookupError("names no survey and no --satisfaction document was given")
        if resolve_survey is None:
            raise LookupError(f"no --satisfaction document and no database to look up survey {survey}")
        return resolve_survey(survey)

    return lookup


def _read(path: Path, problems: list[str]) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError as exc:
        problems.append(f"{path}: cannot read: {exc.strerror}")
        return None


def _read_satisfaction(path: Path, problems: list[str]) -> Mapping[str, Any] | None:
    raw = _read(path, problems)
    if raw is None:
        return None
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        problems.append(f"{path}: not UTF-8 text (byte {exc.start})")
        return None
    except json.JSONDecodeError as exc:
        problems.append(f"{path}: line {exc.lineno}: invalid JSON: {exc.msg}")
        return None
    if not isinstance(document, Mapping):
        problems.append(f"{path}: must be a satisfaction document (a JSON object)")
        return None
    return document


def _row(indicator: IndicatorResult, depth: int) -> tuple[str, ...]:
    return (
        INDENT * depth + indicator.code,
        indicator.name,
        plain_number(indicator.weight),
        indicator.value or NO_VALUE,
        plain_number(indicator.score),
    )


def _subtree_rows(indicators: tuple[IndicatorResult, ...], depth: int) -> Iterator[tuple[str, ...]]:
    for indicator in indicators:
        yield _row(indicator, depth)
        yield from _subtree_rows(indicator.children, depth + 1)


def _table(rows: list[tuple[str, ...]]) -> str:
    return text_table(HEADER, rows, RIGHT_ALIGNED)
