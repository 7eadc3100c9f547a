"""The scorecard (``docs/scorecard.md``): an indicator tree (指标体系) scored into a total and a grade (评价等级).

Pure data: YAML text in, a frozen :class:`Scorecard` out; a scorecard plus the satisfaction document(s) in,
a :class:`ScorecardResult` out. Every problem is collected with the indicator's code and raised together in one
:class:`ScorecardError`, so no half-valid total is ever shown.

Arithmetic is in :class:`~decimal.Decimal` from the numbers' shortest decimal text, so ``8 × 0.8165`` is exactly
6.532 and rounds half-up to 6.53, and ``3 × 0.145`` is 0.435 → 0.44 (binary floats give 0.43499999999999994).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from analysis.documents import DOCUMENT_MESSAGES, N_, DocumentError, clip, read_document
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


#: every problem a scorecard can have, by code; ``%(name)s`` placeholders take the problem's params
MESSAGES = {
    **DOCUMENT_MESSAGES,
    "top_level": N_("must be a mapping with 'indicators'"),
    "text": N_("must be text, got %(given)s"),
    "non_empty_list": N_("required, a non-empty list"),
    "must_be_non_empty_list": N_("must be a non-empty list"),
    "top_weights": N_("the top-level weights sum to %(sum)s, not %(total)s"),
    "grades_list": N_("must be a non-empty list of {grade, min}, from the top"),
    "grade_mapping": N_("must be a mapping with a 'grade' name and a 'min'"),
    "grade_min_range": N_("min %(min)s is outside 0 … %(total)s"),
    "grade_min_order": N_("min %(min)s must be below the band above (%(above)s ≥ %(above_min)s)"),
    "grade_bottom": N_("the bottom band needs min 0 (or no min), got %(min)s"),
    "grade_repeated": N_("grade %(given)s appears more than once"),
    "indicator_mapping": N_("must be a mapping with code, name and weight"),
    "required_text": N_("required text, got %(given)s"),
    "unknown_keys": N_("unknown keys %(keys)s"),
    "leaf_only": N_("only a leaf (without children) can have it"),
    "children_weights": N_("children's weights sum to %(sum)s, not %(weight)s"),
    "no_way": N_("no score, rate or source: a leaf is scored in exactly one way"),
    "several_ways": N_("%(ways)s given: a leaf is scored in exactly one way"),
    "rate_range": N_("rate %(rate)s is outside [0, 1]"),
    "unknown_source": N_("the only source is '%(source)s', got %(given)s"),
    "survey_key": N_("must be a survey key, got %(given)s"),
    "survey_without_source": N_("only a 'source: %(source)s' leaf names a survey"),
    "score_places": N_("score %(score)s has more than %(places)s decimals"),
    "score_negative": N_("score %(score)s is negative"),
    "score_above_weight": N_("score %(score)s is above its weight %(weight)s"),
    "number": N_("required, a number, got %(given)s"),
    "number_too_large": N_("at most %(limit)s, got %(given)s"),
    "positive_number": N_("must be a positive number, got %(given)s"),
    "code_repeated": N_("code used by more than one indicator"),
    "stated_score": N_("stated score %(stated)s differs from its children's sum %(sum)s"),
    "no_document": N_("no satisfaction document given"),
    "survey_lookup": N_("%(reason)s"),
    "unknown_survey": N_("unknown survey %(given)s"),
    "other_survey": N_("the satisfaction document is for survey %(document)s, not %(given)s"),
    "no_index": N_("the satisfaction document has no overall.index"),
    "no_valid_responses": N_("survey %(given)s has no valid responses (overall.index is null)"),
    "index_range": N_("overall.index must be a number in 0 … 100, got %(given)s"),
}
#: where a problem of the whole file is
TOP_LEVEL = N_("(top level)")
#: between the items of a list in a message ("score and rate")
AND = N_(" and ")


def _in_english(message: str, **params) -> str:
    return message % params if params else message


@dataclass(frozen=True)
class Problem:
    """One problem of a scorecard: where it is (an indicator's code or a part of the file, with the key concerned;
    None for the whole file), its kind (``code``, a key of :data:`MESSAGES`) and the values its message names (a
    tuple is a list of words, joined with "and")."""

    where: str | None
    code: str
    params: dict = field(default_factory=dict)

    def text(self, translate: Callable[..., str] = _in_english) -> str:
        """``where: message``, each part worded by ``translate`` (gettext's signature; English as written by
        default)."""
        params = {name: translate(AND).join(value) if isinstance(value, tuple) else value
                  for name, value in self.params.items()}
        where = translate(TOP_LEVEL) if self.where is None else self.where
        return clip(f"{where}: {translate(MESSAGES[self.code], **params)}")


class ScorecardError(ValueError):
    """A scorecard with one or more problems (:class:`Problem`, in ``details``); ``problems`` words them in
    English, each starting with the indicator's code or the file's part."""

    def __init__(self, problems: list[Problem]):
        self.details = list(problems)
        self.problems = [problem.text() for problem in self.details]
        super().__init__("\n".join(self.problems))


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
    problems: list[Problem] = []
    scorecard = _parse_scorecard(read_scorecard_file(text, filename), problems)
    if problems:
        raise ScorecardError(problems)
    return scorecard


def parse_scorecard(data: Any) -> Scorecard:
    """Validate a scorecard mapping and build the :class:`Scorecard`; raises :class:`ScorecardError`."""
    problems: list[Problem] = []
    scorecard = _parse_scorecard(data, problems)
    if problems:
        raise ScorecardError(problems)
    return scorecard


def compute_scorecard(scorecard: Scorecard, satisfaction: SatisfactionSource = None) -> ScorecardResult:
    """Score every indicator, sum the tree, grade the total; raises :class:`ScorecardError` with every problem."""
    problems: list[Problem] = []
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
    problems: list[Problem] = []
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
        known = exc.code in DOCUMENT_MESSAGES
        raise ScorecardError([Problem(filename, exc.code if known else "unreadable",
                                      exc.params if known else {"reason": exc.problem.removeprefix(f"{filename}: ")})
                              ]) from None


def _parse_scorecard(data: Any, problems: list[Problem]) -> Scorecard:
    """Build the tree, appending every problem; invalid numbers are left as None so computing can go on."""
    if not isinstance(data, Mapping):
        problems.append(Problem(None, "top_level"))
        return Scorecard(None, DEFAULT_TOTAL, DEFAULT_GRADES, ())
    title = data.get("title")
    if title is not None and not isinstance(title, str):
        problems.append(Problem("title", "text", {"given": repr(title)}))
        title = None
    total = _number(data.get("total", DEFAULT_TOTAL), "total", problems, positive=True) or DEFAULT_TOTAL
    grades = _parse_grades(data.get("grades"), total, problems)

    raw_indicators = data.get("indicators")
    if not isinstance(raw_indicators, list) or not raw_indicators:
        problems.append(Problem("indicators", "non_empty_list"))
        return Scorecard(title, total, grades, ())
    indicators = tuple(
        _parse_indicator(raw, f"indicators[{position}]", problems) for position, raw in enumerate(raw_indicators)
    )
    _check_unique_codes(indicators, problems)
    root_weight = _sum_weights(indicators)
    if root_weight is not None and abs(root_weight - total) > TOLERANCE:
        problems.append(Problem("indicators", "top_weights",
                                {"sum": plain_number(root_weight), "total": plain_number(total)}))
    return Scorecard(title, total, grades, indicators)


def _parse_grades(raw: Any, total: Decimal, problems: list[Problem]) -> tuple[GradeBand, ...]:
    if raw is None:
        return DEFAULT_GRADES
    if not isinstance(raw, list) or not raw:
        problems.append(Problem("grades", "grades_list"))
        return DEFAULT_GRADES
    bands: list[GradeBand] = []
    for position, entry in enumerate(raw):
        where = f"grades[{position}]"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("grade"), str) or not entry["grade"].strip():
            problems.append(Problem(where, "grade_mapping"))
            continue
        is_bottom = position == len(raw) - 1
        if "min" not in entry and is_bottom:
            minimum = Decimal(0)
        else:
            minimum = _number(entry.get("min"), f"{where} ({entry['grade']}): min", problems)
        if minimum is None:
            continue
        band = f"{where} ({entry['grade']})"
        if not Decimal(0) <= minimum <= total:
            problems.append(Problem(band, "grade_min_range", {"min": plain_number(minimum),
                                                              "total": plain_number(total)}))
        if bands and minimum >= bands[-1].minimum:
            problems.append(Problem(band, "grade_min_order", {"min": plain_number(minimum), "above": bands[-1].grade,
                                                              "above_min": plain_number(bands[-1].minimum)}))
        if is_bottom and minimum != 0:
            problems.append(Problem(band, "grade_bottom", {"min": plain_number(minimum)}))
        bands.append(GradeBand(entry["grade"].strip(), minimum))
    names = [band.grade for band in bands]
    for name in sorted({name for name in names if names.count(name) > 1}):
        problems.append(Problem("grades", "grade_repeated", {"given": repr(name)}))
    return tuple(bands) if bands and bands[-1].minimum == 0 else DEFAULT_GRADES


def _parse_indicator(raw: Any, where: str, problems: list[Problem]) -> Indicator:
    if not isinstance(raw, Mapping):
        problems.append(Problem(where, "indicator_mapping"))
        return Indicator(where, "", None)
    code = raw.get("code")
    if not isinstance(code, str) or not code.strip():
        problems.append(Problem(f"{where}: code", "required_text", {"given": repr(code)}))
        code = where
    code = code.strip()
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem(f"{code}: name", "required_text", {"given": repr(name)}))
        name = ""
    unknown = sorted(set(raw) - INDICATOR_KEYS)
    if unknown:
        problems.append(Problem(code, "unknown_keys", {"keys": ", ".join(unknown)}))
    weight = _number(raw.get("weight"), f"{code}: weight", problems, positive=True)
    value = raw.get("value")
    value = None if value is None else str(value)
    if "children" in raw:
        return _parse_inner(raw, code, name.strip(), weight, value, problems)
    return _parse_leaf(raw, code, name.strip(), weight, value, problems)


def _parse_inner(
    raw: Mapping, code: str, name: str, weight: Decimal | None, value: str | None, problems: list[Problem]
) -> Indicator:
    for key in LEAF_ONLY_KEYS:
        if key in raw:
            problems.append(Problem(f"{code}: {key}", "leaf_only"))
    raw_children = raw["children"]
    if not isinstance(raw_children, list) or not raw_children:
        problems.append(Problem(f"{code}: children", "must_be_non_empty_list"))
        raw_children = []
    children = tuple(
        _parse_indicator(child, f"{code}.children[{position}]", problems)
        for position, child in enumerate(raw_children)
    )
    stated = _score(raw, code, weight, problems) if "score" in raw else None
    children_weight = _sum_weights(children)
    if weight is not None and children_weight is not None and abs(children_weight - weight) > TOLERANCE:
        problems.append(Problem(code, "children_weights", {"sum": plain_number(children_weight),
                                                           "weight": plain_number(weight)}))
    return Indicator(code, name, weight, value, score=stated, children=children)


def _parse_leaf(
    raw: Mapping, code: str, name: str, weight: Decimal | None, value: str | None, problems: list[Problem]
) -> Indicator:
    ways = [key for key in SCORING_KEYS if key in raw]
    if not ways:
        problems.append(Problem(code, "no_way"))
    elif len(ways) > 1:
        problems.append(Problem(code, "several_ways", {"ways": tuple(ways)}))
    score = _score(raw, code, weight, problems) if "score" in raw else None
    rate = None
    if "rate" in raw:
        rate = _number(raw["rate"], f"{code}: rate", problems)
        if rate is not None and not Decimal(0) <= rate <= Decimal(1):
            problems.append(Problem(code, "rate_range", {"rate": plain_number(rate)}))
            rate = None
    source = raw.get("source")
    if "source" in raw and source != SATISFACTION_SOURCE:
        problems.append(Problem(f"{code}: source", "unknown_source", {"source": SATISFACTION_SOURCE,
                                                                      "given": repr(source)}))
        source = None
    survey = raw.get("survey")
    if survey is not None and (not isinstance(survey, str) or not survey.strip()):
        problems.append(Problem(f"{code}: survey", "survey_key", {"given": repr(survey)}))
        survey = None
    if survey is not None and "source" not in raw:
        problems.append(Problem(f"{code}: survey", "survey_without_source", {"source": SATISFACTION_SOURCE}))
    return Indicator(code, name, weight, value, score=score, rate=rate, source=source, survey=survey)


def _score(raw: Mapping, code: str, weight: Decimal | None, problems: list[Problem]) -> Decimal | None:
    """A given or stated score: 0 ≤ score ≤ weight, at most two decimals so the total is exact to the hundredth."""
    score = _number(raw["score"], f"{code}: score", problems)
    if score is None:
        return None
    if score != round_decimal(score, SCORE_PLACES):
        problems.append(Problem(code, "score_places", {"score": plain_number(score), "places": SCORE_PLACES}))
        return None
    if score < 0:
        problems.append(Problem(code, "score_negative", {"score": plain_number(score)}))
        return None
    if weight is not None and score > weight:
        problems.append(Problem(code, "score_above_weight", {"score": plain_number(score),
                                                             "weight": plain_number(weight)}))
        return None
    return score


def _number(raw: Any, where: str, problems: list[Problem], positive: bool = False) -> Decimal | None:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, Decimal)):
        problems.append(Problem(where, "number", {"given": repr(raw)}))
        return None
    number = as_decimal(raw)
    if number.is_finite() and abs(number) > MAX_NUMBER:
        problems.append(Problem(where, "number_too_large", {"limit": f"{MAX_NUMBER:,}", "given": repr(raw)}))
        return None
    if not number.is_finite() or (positive and number <= 0):
        problems.append(Problem(where, "positive_number", {"given": repr(raw)}))
        return None
    return number


def _check_unique_codes(indicators: tuple[Indicator, ...], problems: list[Problem]) -> None:
    seen: set[str] = set()
    for indicator in _walk(indicators):
        if indicator.code in seen:
            problems.append(Problem(indicator.code, "code_repeated"))
        seen.add(indicator.code)


def _walk(indicators: tuple[Indicator, ...]):
    for indicator in indicators:
        yield indicator
        yield from _walk(indicator.children)


def _sum_weights(indicators: tuple[Indicator, ...]) -> Decimal | None:
    weights = [indicator.weight for indicator in indicators]
    return None if None in weights else sum(weights, Decimal(0))


# --- computing -----------------------------------------------------------------------------------------------


def _compute(scorecard: Scorecard, satisfaction: SatisfactionSource, problems: list[Problem]) -> ScorecardResult | None:
    """Score the tree; None when a score could not be computed (its reason is in ``problems``)."""
    results = [_compute_indicator(indicator, satisfaction, problems) for indicator in scorecard.indicators]
    if problems or None in results or not results:
        return None
    total = sum((result.score for result in results), Decimal(0))
    return ScorecardResult(
        scorecard.title, total, scorecard.total, grade_for(total, scorecard.grades), tuple(results)
    )


def _compute_indicator(
    indicator: Indicator, satisfaction: SatisfactionSource, problems: list[Problem]
) -> IndicatorResult | None:
    if indicator.children:
        return _compute_inner(indicator, satisfaction, problems)
    scored = _leaf_score(indicator, satisfaction, problems)
    if scored is None:
        return None
    score, value = scored
    return IndicatorResult(indicator.code, indicator.name, indicator.weight, value, score)


def _compute_inner(
    indicator: Indicator, satisfaction: SatisfactionSource, problems: list[Problem]
) -> IndicatorResult | None:
    children = [_compute_indicator(child, satisfaction, problems) for child in indicator.children]
    if None in children:
        return None
    score = sum((child.score for child in children), Decimal(0))
    if indicator.score is not None and abs(indicator.score - score) > TOLERANCE:
        problems.append(Problem(indicator.code, "stated_score", {"stated": plain_number(indicator.score),
                                                                 "sum": plain_number(score)}))
    return IndicatorResult(
        indicator.code, indicator.name, indicator.weight, indicator.value, score, tuple(children)
    )


def _leaf_score(
    indicator: Indicator, satisfaction: SatisfactionSource, problems: list[Problem]
) -> LeafScore | None:
    """The leaf's score and 业绩值 by the one way it names; None when that way failed or the leaf was invalid."""
    way = next((key for key in SCORING_KEYS if getattr(indicator, key) is not None), None)
    if way is None or indicator.weight is None:
        return None
    return LEAF_SCORERS[way](indicator, satisfaction, problems)


def _given_score(indicator: Indicator, satisfaction: SatisfactionSource, problems: list[Problem]) -> LeafScore:
    return indicator.score, indicator.value


def _rate_score(indicator: Indicator, satisfaction: SatisfactionSource, problems: list[Problem]) -> LeafScore:
    return round_decimal(indicator.weight * indicator.rate, SCORE_PLACES), indicator.value


def _satisfaction_score(
    indicator: Indicator, satisfaction: SatisfactionSource, problems: list[Problem]
) -> LeafScore | None:
    """Weight × overall index / 100, the index first rounded half-up to 2 decimals (8 × 81.65 % = 6.532 → 6.53)."""
    index = _satisfaction_index(indicator, satisfaction, problems)
    if index is None:
        return None
    return indicator_score(indicator.weight, index), indicator.value or f"{round_decimal(index, SCORE_PLACES)}%"


LEAF_SCORERS = {"score": _given_score, "rate": _rate_score, "source": _satisfaction_score}


def _satisfaction_index(
    indicator: Indicator, satisfaction: SatisfactionSource, problems: list[Problem]
) -> Decimal | None:
    """The overall index (综合满意度, 0–100) of the leaf's survey; None with a problem when there is none."""
    code, survey = indicator.code, indicator.survey
    if satisfaction is None:
        problems.append(Problem(code, "no_document"))
        return None
    if isinstance(satisfaction, Mapping):
        document = satisfaction
    else:
        try:
            document = satisfaction(survey)
        except LookupError as exc:
            problems.append(Problem(code, "survey_lookup", {"reason": str(exc.args[0] if exc.args else exc)}))
            return None
        if document is None:
            problems.append(Problem(code, "unknown_survey", {"given": repr(survey)}))
            return None
    survey_part = document.get("survey")
    document_key = survey_part.get("key") if isinstance(survey_part, Mapping) else None
    if survey is not None and document_key != survey:
        problems.append(Problem(code, "other_survey", {"document": repr(document_key), "given": repr(survey)}))
        return None
    overall = document.get("overall")
    if not isinstance(overall, Mapping) or "index" not in overall:
        problems.append(Problem(code, "no_index"))
        return None
    index = overall["index"]
    if index is None:
        problems.append(Problem(code, "no_valid_responses", {"given": repr(document_key)}))
        return None
    if isinstance(index, bool) or not isinstance(index, (int, float)) or not 0 <= index <= 100:
        problems.append(Problem(code, "index_range", {"given": repr(index)}))
        return None
    return as_decimal(index)


# --- numbers -------------------------------------------------------------------------------------------------
