"""The scorecard (``docs/scorecard.md``): an indicator tree (指标体系) scored into a total and a grade (评价等级).

Pure data: YAML text in, a frozen :class:`Scorecard` out; a scorecard plus the satisfaction document(s) in,
a :class:`ScorecardResult` out. Every problem is collected with the indicator's code and raised together in one
:class:`ScorecardError`, so no half-valid total is ever shown.

Arithmetic is in :class:`~decimal.Decimal` from the numbers' shortest decimal text, so ``8 × 0.8165`` is exactly
6.532 and rounds half-up to 6.53, and ``3 × 0.145`` is 0.435 → 0.44 (binary floats give 0.43499999999999994).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from analysis.documents import DocumentError, clip, read_document
from analysis.rounding import as_decimal, indicator_score, round_decimal

DEFAULT_TOTAL = Decimal(100)
#: Two-decimal weights and scores: sums closer than half a hundredth count as equal (33.33 + 33.33 + 33.34).
TOLERANCE = Decimal("0.005")
SCORE_PLACES = 2
SATISFACTION_SOURCE = "satisfaction"
INDICATOR_KEYS = frozenset({"code", "name", "weight", "value", "score", "rate", "source", "survey", "children"})
#: How a leaf gets its score; exactly one of these keys per leaf.
SCORING_KEYS = ("score", "rate", "source")
LEAF_ONLY_KEYS = ("rate", "source", "survey")

#: A satisfaction document, or a resolver from a leaf's ``survey`` key (None when it names none) to the document
#: (None for an unknown survey; it may raise :class:`LookupError` with a reason), or nothing.
SatisfactionSource = Callable[[str | None], Mapping | None] | Mapping | None
#: A leaf's score and its 业绩值 (value) as shown.
LeafScore = tuple[Decimal, str | None]


#: the largest weight, score or total a scorecard may state (a scorecard totals 100; anything near this is a slip)
MAX_NUMBER = Decimal(1_000_000)


class ScorecardError(ValueError):
    """A scorecard with one or more problems, each starting with the indicator's code (or the file's part)."""

    def __init__(self, problems: list[str]):
        problems = [clip(problem) for problem in problems]
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class GradeBand:
    """A grade (评价等级) given to totals at or above ``minimum``."""

    grade: str
    minimum: Decimal


DEFAULT_GRADES = (
    GradeBand("优", Decimal(90)),
    GradeBand("良", Decimal(80)),
    GradeBand("中", Decimal(60)),
    GradeBand("差", Decimal(0)),
)


@dataclass(frozen=True)
class Indicator:
    """An indicator (指标): a leaf scored one way, or an inner node whose score is the sum of its children's."""

    code: str
    name: str
    weight: Decimal | None  # None only inside a file that has problems, never in a returned Scorecard
    value: str | None = None
    score: Decimal | None = None  # a leaf's given score (分值), or an inner node's stated score to check
    rate: Decimal | None = None
    source: str | None = None
    survey: str | None = None
    children: tuple[Indicator, ...] = ()


@dataclass(frozen=True)
class Scorecard:
    """An indicator tree with its full marks and grade bands."""

    title: str | None
    total: Decimal
    grades: tuple[GradeBand, ...]
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class IndicatorResult:
    """An indicator's computed score (绩效分值)."""

    code: str
    name: str
    weight: Decimal
    value: str | None
    score: Decimal
    children: tuple[IndicatorResult, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The indicator as in ``--json``: code, name, weight, score, value, children."""
        return {
            "code": self.code,
            "name": self.name,
            "weight": json_number(self.weight),
            "score": json_number(self.score),
            "value": self.value,
            "children": [child.to_json() for child in self.children],
        }


@dataclass(frozen=True)
class ScorecardResult:
    """The scored tree, its total (总分) and grade (评价等级)."""

    title: str | None
    total: Decimal
    weight: Decimal
    grade: str
    indicators: tuple[IndicatorResult, ...]

    def to_json(self) -> dict[str, Any]:
        """The document printed by ``score --json``."""
        return {
            "total": json_number(self.total),
            "grade": self.grade,
            "indicators": [indicator.to_json() for indicator in self.indicators],
        }


def grade_for(total: Decimal | float, grades: tuple[GradeBand, ...] = DEFAULT_GRADES) -> str:
    """The first band from the top whose minimum the total reaches, compared exactly (89.995 is not 90)."""
    total = as_decimal(total)
    return next(band.grade for band in grades if total >= band.minimum)


def load_scorecard(text: str | bytes, filename: str = "scorecard.yaml") -> Scorecard:
    """Parse a scorecard YAML file's text; raises :class:`ScorecardError` with every problem."""
    problems: list[str] = []
    scorecard = _parse_scorecard(read_scorecard_file(text, filename), problems)
    if problems:
        raise ScorecardError(problems)
    return scorecard


def parse_scorecard(data: Any) -> Scorecard:
    """Validate a scorecard mapping and build the :class:`Scorecard`; raises :class:`ScorecardError`."""
    problems: list[str] = []
    scorecard = _parse_scorecard(data, problems)
    if problems:
        raise ScorecardError(problems)
    return scorecard


def compute_scorecard(scorecard: Scorecard, satisfaction: SatisfactionSource = None) -> ScorecardResult:
    """Score every indicator, sum the tree, grade the total; raises :class:`ScorecardError` with every problem."""
    problems: list[str] = []
    result = _compute(scorecard, satisfaction, problems)
    if problems:
        raise ScorecardError(problems)
    return result


def score_scorecard(
    text: str | bytes, satisfaction: SatisfactionSource = None, filename: str = "scorecard.yaml"
) -> ScorecardResult:
    """Load and compute in one pass, so problems in the file and in the satisfaction figures come out together."""
    return score_parsed(read_scorecard_file(text, filename), satisfaction)


def score_parsed(data: Any, satisfaction: SatisfactionSource = None) -> ScorecardResult:
    """:func:`score_scorecard` of a file's data already read (a stored scorecard is kept parsed)."""
    problems: list[str] = []
    scorecard = _parse_scorecard(data, problems)
    result = _compute(scorecard, satisfaction, problems)
    if problems:
        raise ScorecardError(problems)
    return result


def json_number(value: Decimal) -> int | float:
    """A Decimal as a JSON number: 8 stays 8, 6.53 becomes 6.53."""
    return int(value) if value == value.to_integral_value() else float(value)


def plain_number(value: Decimal) -> str:
    """A number for messages and tables: 24, 59.13, 3.6 — no trailing zeros, no exponent."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- parsing -------------------------------------------------------------------------------------------------


def read_scorecard_file(text: str | bytes, filename: str = "scorecard.yaml") -> Any:
    """The plain data of a scorecard file (analysis/documents.py); raises :class:`ScorecardError`."""
    try:
        return read_document(text, filename)
    except DocumentError as exc:
        raise ScorecardError([exc.problem]) from None


def _parse_scorecard(data: Any, problems: list[str]) -> Scorecard:
    """Build the tree, appending every problem; invalid numbers are left as None so computing can go on."""
    if not isinstance(data, Mapping):
        problems.append("(top level): must be a mapping with 'indicators'")
        return Scorecard(None, DEFAULT_TOTAL, DEFAULT_GRADES, ())
    title = data.get("title")
    if title is not None and not isinstance(title, str):
        problems.append(f"title: must be text, got {title!r}")
        title = None
    total = _number(data.get("total", DEFAULT_TOTAL), "total", problems, positive=True) or DEFAULT_TOTAL
    grades = _parse_grades(data.get("grades"), total, problems)

    raw_indicators = data.get("indicators")
    if not isinstance(raw_indicators, list) or not raw_indicators:
        problems.append("indicators: required, a non-empty list")
        return Scorecard(title, total, grades, ())
    indicators = tuple(
        _parse_indicator(raw, f"indicators[{position}]", problems) for position, raw in enumerate(raw_indicators)
    )
    _check_unique_codes(indicators, problems)
    root_weight = _sum_weights(indicators)
    if root_weight is not None and abs(root_weight - total) > TOLERANCE:
        problems.append(
            f"indicators: the top-level weights sum to {plain_number(root_weight)}, not {plain_number(total)}"
        )
    return Scorecard(title, total, grades, indicators)


def _parse_grades(raw: Any, total: Decimal, problems: list[str]) -> tuple[GradeBand, ...]:
    if raw is None:
        return DEFAULT_GRADES
    if not isinstance(raw, list) or not raw:
        problems.append("grades: must be a non-empty list of {grade, min}, from the top")
        return DEFAULT_GRADES
    bands: list[GradeBand] = []
    for position, entry in enumerate(raw):
        where = f"grades[{position}]"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("grade"), str) or not entry["grade"].strip():
            problems.append(f"{where}: must be a mapping with a 'grade' name and a 'min'")
            continue
        is_bottom = position == len(raw) - 1
        if "min" not in entry and is_bottom:
            minimum = Decimal(0)
        else:
            minimum = _number(entry.get("min"), f"{where} ({entry['grade']}): min", problems)
        if minimum is None:
            continue
        if not Decimal(0) <= minimum <= total:
            problems.append(
                f"{where} ({entry['grade']}): min {plain_number(minimum)} is outside 0 … {plain_number(total)}"
            )
        if bands and minimum >= bands[-1].minimum:
            problems.append(
                f"{where} ({entry['grade']}): min {plain_number(minimum)} must be below the band above "
                f"({bands[-1].grade} ≥ {plain_number(bands[-1].minimum)})"
            )
        if is_bottom and minimum != 0:
            problems.append(
                f"{where} ({entry['grade']}): the bottom band needs min 0 (or no min), got {plain_number(minimum)}"
            )
        bands.append(GradeBand(entry["grade"].strip(), minimum))
    names = [band.grade for band in bands]
    for name in sorted({name for name in names if names.count(name) > 1}):
        problems.append(f"grades: grade {name!r} appears more than once")
    return tuple(bands) if bands and bands[-1].minimum == 0 else DEFAULT_GRADES


def _parse_indicator(raw: Any, where: str, problems: list[str]) -> Indicator:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: must be a mapping with code, name and weight")
        return Indicator(where, "", None)
    code = raw.get("code")
    if not isinstance(code, str) or not code.strip():
        problems.append(f"{where}: code: required text, got {code!r}")
        code = where
    code = code.strip()
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{code}: name: required text, got {name!r}")
        name = ""
    unknown = sorted(set(raw) - INDICATOR_KEYS)
    if unknown:
        problems.append(f"{code}: unknown keys {', '.join(unknown)}")
    weight = _number(raw.get("weight"), f"{code}: weight", problems, positive=True)
    value = raw.get("value")
    value = None if value is None else str(value)
    if "children" in raw:
        return _parse_inner(raw, code, name.strip(), weight, value, problems)
    return _parse_leaf(raw, code, name.strip(), weight, value, problems)


def _parse_inner(
    raw: Mapping, code: str, name: str, weight: Decimal | None, value: str | None, problems: list[str]
) -> Indicator:
    for key in LEAF_ONLY_KEYS:
        if key in raw:
            problems.append(f"{code}: {key}: only a leaf (without children) can have it")
    raw_children = raw["children"]
    if not isinstance(raw_children, list) or not raw_children:
        problems.append(f"{code}: children: must be a non-empty list")
        raw_children = []
    children = tuple(
        _parse_indicator(child, f"{code}.children[{position}]", problems)
        for position, child in enumerate(raw_children)
    )
    stated = _score(raw, code, weight, problems) if "score" in raw else None
    children_weight = _sum_weights(children)
    if weight is not None and children_weight is not None and abs(children_weight - weight) > TOLERANCE:
        problems.append(
            f"{code}: children's weights sum to {plain_number(children_weight)}, not {plain_number(weight)}"
        )
    return Indicator(code, name, weight, value, score=stated, children=children)


def _parse_leaf(
    raw: Mapping, code: str, name: str, weight: Decimal | None, value: str | None, problems: list[str]
) -> Indicator:
    ways = [key for key in SCORING_KEYS if key in raw]
    if not ways:
        problems.append(f"{code}: no score, rate or source: a leaf is scored in exactly one way")
    elif len(ways) > 1:
        problems.append(f"{code}: {' and '.join(ways)} given: a leaf is scored in exactly one way")
    score = _score(raw, code, weight, problems) if "score" in raw else None
    rate = None
    if "rate" in raw:
        rate = _number(raw["rate"], f"{code}: rate", problems)
        if rate is not None and not Decimal(0) <= rate <= Decimal(1):
            problems.append(f"{code}: rate {plain_number(rate)} is outside [0, 1]")
            rate = None
    source = raw.get("source")
    if "source" in raw and source != SATISFACTION_SOURCE:
        problems.append(f"{code}: source: the only source is '{SATISFACTION_SOURCE}', got {source!r}")
        source = None
    survey = raw.get("survey")
    if survey is not None and (not isinstance(survey, str) or not survey.strip()):
        problems.append(f"{code}: survey: must be a survey key, got {survey!r}")
        survey = None
    if survey is not None and "source" not in raw:
        problems.append(f"{code}: survey: only a 'source: {SATISFACTION_SOURCE}' leaf names a survey")
    return Indicator(code, name, weight, value, score=score, rate=rate, source=source, survey=survey)


def _score(raw: Mapping, code: str, weight: Decimal | None, problems: list[str]) -> Decimal | None:
    """A given or stated score: 0 ≤ score ≤ weight, at most two decimals so the total is exact to the hundredth."""
    score = _number(raw["score"], f"{code}: score", problems)
    if score is None:
        return None
    if score != round_decimal(score, SCORE_PLACES):
        problems.append(f"{code}: score {plain_number(score)} has more than {SCORE_PLACES} decimals")
        return None
    if score < 0:
        problems.append(f"{code}: score {plain_number(score)} is negative")
        return None
    if weight is not None and score > weight:
        problems.append(f"{code}: score {plain_number(score)} is above its weight {plain_number(weight)}")
        return None
    return score


def _number(raw: Any, where: str, problems: list[str], positive: bool = False) -> Decimal | None:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, Decimal)):
        problems.append(f"{where}: required, a number, got {raw!r}")
        return None
    number = as_decimal(raw)
    if number.is_finite() and abs(number) > MAX_NUMBER:
        problems.append(f"{where}: at most {MAX_NUMBER:,}, got {raw!r}")
        return None
    if not number.is_finite() or (positive and number <= 0):
        problems.append(f"{where}: must be a positive number, got {raw!r}")
        return None
    return number


def _check_unique_codes(indicators: tuple[Indicator, ...], problems: list[str]) -> None:
    seen: set[str] = set()
    for indicator in _walk(indicators):
        if indicator.code in seen:
            problems.append(f"{indicator.code}: code used by more than one indicator")
        seen.add(indicator.code)


def _walk(indicators: tuple[Indicator, ...]):
    for indicator in indicators:
        yield indicator
        yield from _walk(indicator.children)


def _sum_weights(indicators: tuple[Indicator, ...]) -> Decimal | None:
    weights = [indicator.weight for indicator in indicators]
    return None if None in weights else sum(weights, Decimal(0))


# --- computing -----------------------------------------------------------------------------------------------


def _compute(scorecard: Scorecard, satisfaction: SatisfactionSource, problems: list[str]) -> ScorecardResult | None:
    """Score the tree; None when a score could not be computed (its reason is in ``problems``)."""
    results = [_compute_indicator(indicator, satisfaction, problems) for indicator in scorecard.indicators]
    if problems or None in results or not results:
        return None
    total = sum((result.score for result in results), Decimal(0))
    return ScorecardResult(
        scorecard.title, total, scorecard.total, grade_for(total, scorecard.grades), tuple(results)
    )


def _compute_indicator(
    indicator: Indicator, satisfaction: SatisfactionSource, problems: list[str]
) -> IndicatorResult | None:
    if indicator.children:
        return _compute_inner(indicator, satisfaction, problems)
    scored = _leaf_score(indicator, satisfaction, problems)
    if scored is None:
        return None
    score, value = scored
    return IndicatorResult(indicator.code, indicator.name, indicator.weight, value, score)


def _compute_inner(
    indicator: Indicator, satisfaction: SatisfactionSource, problems: list[str]
) -> IndicatorResult | None:
    children = [_compute_indicator(child, satisfaction, problems) for child in indicator.children]
    if None in children:
        return None
    score = sum((child.score for child in children), Decimal(0))
    if indicator.score is not None and abs(indicator.score - score) > TOLERANCE:
        problems.append(
            f"{indicator.code}: stated score {plain_number(indicator.score)} "
            f"differs from its children's sum {plain_number(score)}"
        )
    return IndicatorResult(
        indicator.code, indicator.name, indicator.weight, indicator.value, score, tuple(children)
    )


def _leaf_score(
    indicator: Indicator, satisfaction: SatisfactionSource, problems: list[str]
) -> LeafScore | None:
    """The leaf's score and 业绩值 by the one way it names; None when that way failed or the leaf was invalid."""
    way = next((key for key in SCORING_KEYS if getattr(indicator, key) is not None), None)
    if way is None or indicator.weight is None:
        return None
    return LEAF_SCORERS[way](indicator, satisfaction, problems)


def _given_score(indicator: Indicator, satisfaction: SatisfactionSource, problems: list[str]) -> LeafScore:
    return indicator.score, indicator.value


def _rate_score(indicator: Indicator, satisfaction: SatisfactionSource, problems: list[str]) -> LeafScore:
    return round_decimal(indicator.weight * indicator.rate, SCORE_PLACES), indicator.value


def _satisfaction_score(
    indicator: Indicator, satisfaction: SatisfactionSource, problems: list[str]
) -> LeafScore | None:
    """Weight × overall index / 100, the index first rounded half-up to 2 decimals (8 × 81.65 % = 6.532 → 6.53)."""
    index = _satisfaction_index(indicator, satisfaction, problems)
    if index is None:
        return None
    return indicator_score(indicator.weight, index), indicator.value or f"{round_decimal(index, SCORE_PLACES)}%"


LEAF_SCORERS = {"score": _given_score, "rate": _rate_score, "source": _satisfaction_score}


def _satisfaction_index(
    indicator: Indicator, satisfaction: SatisfactionSource, problems: list[str]
) -> Decimal | None:
    """The overall index (综合满意度, 0–100) of the leaf's survey; None with a problem when there is none."""
    code, survey = indicator.code, indicator.survey
    if satisfaction is None:
        problems.append(f"{code}: no satisfaction document given")
        return None
    if isinstance(satisfaction, Mapping):
        document = satisfaction
    else:
        try:
            document = satisfaction(survey)
        except LookupError as exc:
            problems.append(f"{code}: {exc.args[0] if exc.args else exc}")
            return None
        if document is None:
            problems.append(f"{code}: unknown survey {survey!r}")
            return None
    survey_part = document.get("survey")
    document_key = survey_part.get("key") if isinstance(survey_part, Mapping) else None
    if survey is not None and document_key != survey:
        problems.append(f"{code}: the satisfaction document is for survey {document_key!r}, not {survey!r}")
        return None
    overall = document.get("overall")
    if not isinstance(overall, Mapping) or "index" not in overall:
        problems.append(f"{code}: the satisfaction document has no overall.index")
        return None
    index = overall["index"]
    if index is None:
        problems.append(f"{code}: survey {document_key!r} has no valid responses (overall.index is null)")
        return None
    if isinstance(index, bool) or not isinstance(index, (int, float)) or not 0 <= index <= 100:
        problems.append(f"{code}: overall.index must be a number in 0 … 100, got {index!r}")
        return None
    return as_decimal(index)


# --- numbers -------------------------------------------------------------------------------------------------
