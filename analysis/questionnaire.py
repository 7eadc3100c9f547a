"""The questionnaire definition (``spec/questionnaire.md``): parse, validate, and score option values.

Pure data: a mapping (from YAML or JSON) in, a frozen :class:`Questionnaire` out. Every problem in a definition
is collected with its path and raised together in one :class:`DefinitionError`, so nothing half-valid is stored.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from analysis.documents import DocumentError, clip, plain_copy, read_document

#: \Z, not $, which would also accept a final line break
KEY_PATTERN = re.compile(r"^[a-z0-9-]+\Z")
ITEM_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]+\Z")
DEFAULT_TOP = 2
DEFAULT_MIN_ANSWERED_SHARE = 0.8
DEFAULT_OPEN_MAX_LENGTH = 2000


class DefinitionError(ValueError):
    """A questionnaire definition with one or more problems, each ``path: reason``."""

    def __init__(self, problems: list[str]):
        problems = [clip(problem) for problem in problems]
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Option:
    value: int
    label: str
    label_en: str | None = None


@dataclass(frozen=True)
class Item:
    """A Likert item (题项)."""

    key: str
    text: str
    text_en: str | None = None
    weight: float = 1.0
    required: bool = True


@dataclass(frozen=True)
class Dimension:
    """A dimension (维度) grouping Likert items."""

    key: str
    title: str
    title_en: str | None
    weight: float
    items: tuple[Item, ...]


@dataclass(frozen=True)
class OpenQuestion:
    key: str
    text: str
    text_en: str | None = None
    max_length: int = DEFAULT_OPEN_MAX_LENGTH
    required: bool = False


@dataclass(frozen=True)
class Indicator:
    """The scorecard leaf that the overall index feeds (e.g. C4-1, weight 8)."""

    code: str
    name: str
    weight: float


@dataclass(frozen=True)
class Scoring:
    scheme: str
    #: points (0–100) of every scale option value, resolved from the scheme
    points: dict[int, float]
    top: int | None = None


@dataclass(frozen=True)
class Questionnaire:
    key: str
    version: int
    title: str
    options: tuple[Option, ...]
    scoring: Scoring
    dimensions: tuple[Dimension, ...]
    year: int | None = None
    title_en: str | None = None
    intro: str | None = None
    intro_en: str | None = None
    not_applicable: Option | None = None
    open_questions: tuple[OpenQuestion, ...] = ()
    min_answered_share: float = DEFAULT_MIN_ANSWERED_SHARE
    flag_straight_lining: bool = True
    indicator: Indicator | None = None
    #: the definition as given, stored with the version so it can be exported unchanged
    source: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for dimension in self.dimensions for item in dimension.items)

    @property
    def option_values(self) -> tuple[int, ...]:
        """Scale values from the most satisfied down (not-applicable excluded)."""
        return tuple(sorted((o.value for o in self.options), reverse=True))

    @property
    def na_value(self) -> int | None:
        return self.not_applicable.value if self.not_applicable else None

    def accepts(self, value: int) -> bool:
        """Whether ``value`` is an answer this questionnaire's scale allows (N/A included)."""
        return value in self.scoring.points or value == self.na_value


# --- scoring schemes -------------------------------------------------------------------------

def _linear_points(values: list[int], scoring: Mapping, problems: list[str]) -> tuple[dict[int, float], None]:
    lo, hi = min(values), max(values)
    return {v: (v - lo) / (hi - lo) * 100.0 for v in values}, None


def _explicit_points(values: list[int], scoring: Mapping, problems: list[str]) -> tuple[dict[int, float], None]:
    given = scoring.get("points")
    if not isinstance(given, Mapping):
        problems.append("scoring.points: required with scheme \"points\" (a map option value -> points)")
        return {}, None
    points: dict[int, float] = {}
    for raw_value, raw_points in given.items():
        value = _as_int(raw_value)
        if value is None or value not in values:
            problems.append(f"scoring.points.{raw_value}: not an option value of the scale")
            continue
        if not _is_number(raw_points) or not 0 <= float(raw_points) <= 100:
            problems.append(f"scoring.points.{raw_value}: points must be a number on 0-100, got {raw_points!r}")
            continue
        points[value] = float(raw_points)
    for value in values:
        if value not in points and not any(_as_int(k) == value for k in given):
            problems.append(f"scoring.points: missing points for option {value}")
    return points, None


def _top_box_points(values: list[int], scoring: Mapping, problems: list[str]) -> tuple[dict[int, float], int]:
    top = scoring.get("top", DEFAULT_TOP)
    if not isinstance(top, int) or isinstance(top, bool) or not 1 <= top <= len(values):
        problems.append(f"scoring.top: must be an integer from 1 to {len(values)}, got {top!r}")
        top = DEFAULT_TOP
    best = set(sorted(values, reverse=True)[:top])
    return {v: (100.0 if v in best else 0.0) for v in values}, top


SCHEMES = {"linear": _linear_points, "points": _explicit_points, "top_box": _top_box_points}


# --- parsing ---------------------------------------------------------------------------------

def load_questionnaire(text: str | bytes, filename: str = "questionnaire.yaml") -> Questionnaire:
    """Parse a YAML or JSON questionnaire file's text; raises :class:`DefinitionError`."""
    try:
        data = read_document(text, filename)
    except DocumentError as exc:
        raise DefinitionError([exc.problem]) from None
    return parse_questionnaire(data)


def parse_questionnaire(data: Any) -> Questionnaire:
    """Validate a questionnaire mapping and build the :class:`Questionnaire`; raises :class:`DefinitionError`."""
    if not isinstance(data, Mapping):
        raise DefinitionError(["(top level): must be a mapping of keys"])
    problems: list[str] = []

    key = data.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        problems.append(f"key: required, lowercase letters, digits and '-', got {key!r}")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(f"version: required, a positive integer, got {version!r}")
    year = data.get("year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
        problems.append(f"year: must be an integer, got {year!r}")
    title = _text(data, "title", "title", problems, required=True)

    options, na = _parse_scale(data.get("scale"), problems)
    values = [o.value for o in options]
    scoring = _parse_scoring(data.get("scoring"), values, problems)
    dimensions = _parse_dimensions(data.get("dimensions"), problems)
    open_questions = _parse_open_questions(data.get("open_questions"), problems)
    _check_unique_keys(dimensions, open_questions, problems)
    min_share, straight = _parse_validity(data.get("validity"), problems)
    indicator = _parse_indicator(data.get("indicator"), problems)

    if problems:
        raise DefinitionError(problems)
    return Questionnaire(
        key=key, version=version, year=year, title=title, title_en=_opt_text(data, "title_en"),
        intro=_opt_text(data, "intro"), intro_en=_opt_text(data, "intro_en"),
        options=tuple(options), not_applicable=na, scoring=scoring, dimensions=tuple(dimensions),
        open_questions=tuple(open_questions), min_answered_share=min_share, flag_straight_lining=straight,
        indicator=indicator, source=plain_copy(data),
    )


def _parse_scale(scale: Any, problems: list[str]) -> tuple[list[Option], Option | None]:
    if not isinstance(scale, Mapping):
        problems.append("scale: required, with options")
        return [], None
    raw_options = scale.get("options")
    if not isinstance(raw_options, list) or len(raw_options) < 2:
        problems.append("scale.options: required, a list of at least 2 options")
        return [], None
    options: list[Option] = []
    seen: set[int] = set()
    for i, raw in enumerate(raw_options):
        path = f"scale.options[{i}]"
        option = _parse_option(raw, path, problems)
        if option is None:
            continue
        if option.value in seen:
            problems.append(f"{path}.value: duplicate value {option.value}")
            continue
        seen.add(option.value)
        options.append(option)
    na = None
    if scale.get("not_applicable") is not None:
        na = _parse_option(scale["not_applicable"], "scale.not_applicable", problems)
        if na is not None and na.value in seen:
            problems.append(f"scale.not_applicable.value: {na.value} is also a scale option")
            na = None
    return options, na


def _parse_option(raw: Any, path: str, problems: list[str]) -> Option | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{path}: must be a mapping with value and label")
        return None
    value = raw.get("value")
    if not isinstance(value, int) or isinstance(value, bool):
        problems.append(f"{path}.value: must be an integer, got {value!r}")
        return None
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip():
        problems.append(f"{path}.label: required text")
        return None
    return Option(value=value, label=label, label_en=_opt_text(raw, "label_en"))


def _parse_scoring(scoring: Any, values: list[int], problems: list[str]) -> Scoring:
    if not isinstance(scoring, Mapping):
        problems.append("scoring: required, with scheme")
        return Scoring(scheme="", points={})
    scheme = scoring.get("scheme")
    resolve = SCHEMES.get(scheme) if isinstance(scheme, str) else None
    if resolve is None:
        problems.append(f"scoring.scheme: unknown scheme {scheme!r} (one of {', '.join(SCHEMES)})")
        return Scoring(scheme=str(scheme), points={})
    if len(values) < 2:
        return Scoring(scheme=scheme, points={})
    points, top = resolve(values, scoring, problems)
    return Scoring(scheme=scheme, points=points, top=top)


def _parse_dimensions(raw_dimensions: Any, problems: list[str]) -> list[Dimension]:
    if not isinstance(raw_dimensions, list) or not raw_dimensions:
        problems.append("dimensions: required, a non-empty list")
        return []
    dimensions = []
    seen: set[str] = set()
    for d, raw in enumerate(raw_dimensions):
        path = f"dimensions[{d}]"
        if not isinstance(raw, Mapping):
            problems.append(f"{path}: must be a mapping")
            continue
        key = _key(raw, path, ITEM_KEY_PATTERN, problems)
        if key is not None and key in seen:
            problems.append(f"{path}.key: duplicate {key!r}")
        seen.add(key)
        title = _text(raw, "title", f"{path}.title", problems, required=True)
        weight = _weight(raw, path, problems)
        raw_items = raw.get("items")
        items = []
        if not isinstance(raw_items, list) or not raw_items:
            problems.append(f"{path}.items: empty dimension, at least one item is required")
        else:
            for i, raw_item in enumerate(raw_items):
                item_path = f"{path}.items[{i}]"
                if not isinstance(raw_item, Mapping):
                    problems.append(f"{item_path}: must be a mapping")
                    continue
                items.append(Item(
                    key=_key(raw_item, item_path, ITEM_KEY_PATTERN, problems),
                    text=_text(raw_item, "text", f"{item_path}.text", problems, required=True),
                    text_en=_opt_text(raw_item, "text_en"),
                    weight=_weight(raw_item, item_path, problems),
                    required=_flag(raw_item, "required", True, item_path, problems),
                ))
        dimensions.append(Dimension(key=key, title=title, title_en=_opt_text(raw, "title_en"),
                                    weight=weight, items=tuple(items)))
    return dimensions


def _parse_open_questions(raw_questions: Any, problems: list[str]) -> list[OpenQuestion]:
    if raw_questions is None:
        return []
    if not isinstance(raw_questions, list):
        problems.append("open_questions: must be a list")
        return []
    questions = []
    for q, raw in enumerate(raw_questions):
        path = f"open_questions[{q}]"
        if not isinstance(raw, Mapping):
            problems.append(f"{path}: must be a mapping")
            continue
        max_length = raw.get("max_length", DEFAULT_OPEN_MAX_LENGTH)
        if not isinstance(max_length, int) or isinstance(max_length, bool) or not 1 <= max_length <= 20000:
            problems.append(f"{path}.max_length: must be an integer from 1 to 20000, got {max_length!r}")
            max_length = DEFAULT_OPEN_MAX_LENGTH
        questions.append(OpenQuestion(
            key=_key(raw, path, ITEM_KEY_PATTERN, problems),
            text=_text(raw, "text", f"{path}.text", problems, required=True),
            text_en=_opt_text(raw, "text_en"), max_length=max_length,
            required=_flag(raw, "required", False, path, problems),
        ))
    return questions


def _check_unique_keys(dimensions: list[Dimension], questions: list[OpenQuestion], problems: list[str]) -> None:
    seen: set[str] = set()
    for d, dimension in enumerate(dimensions):
        for i, item in enumerate(dimension.items):
            if item.key is not None and item.key in seen:
                problems.append(f"dimensions[{d}].items[{i}].key: duplicate {item.key!r}")
            seen.add(item.key)
    for q, question in enumerate(questions):
        if question.key is not None and question.key in seen:
            problems.append(f"open_questions[{q}].key: duplicate {question.key!r}")
        seen.add(question.key)


def _parse_validity(raw: Any, problems: list[str]) -> tuple[float, bool]:
    if raw is None:
        return DEFAULT_MIN_ANSWERED_SHARE, True
    if not isinstance(raw, Mapping):
        problems.append("validity: must be a mapping")
        return DEFAULT_MIN_ANSWERED_SHARE, True
    share = raw.get("min_answered_share", DEFAULT_MIN_ANSWERED_SHARE)
    if not _is_number(share) or not 0 <= float(share) <= 1:
        problems.append(f"validity.min_answered_share: must be a number in [0, 1], got {share!r}")
        share = DEFAULT_MIN_ANSWERED_SHARE
    return float(share), _flag(raw, "flag_straight_lining", True, "validity", problems)


def _parse_indicator(raw: Any, problems: list[str]) -> Indicator | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        problems.append("indicator: must be a mapping with code, name and weight")
        return None
    code = raw.get("code")
    name = raw.get("name")
    weight = raw.get("weight")
    ok = True
    if not isinstance(code, str) or not code.strip():
        problems.append("indicator.code: required text")
        ok = False
    if not isinstance(name, str) or not name.strip():
        problems.append("indicator.name: required text")
        ok = False
    if not _is_number(weight) or float(weight) <= 0:
        problems.append(f"indicator.weight: must be a number > 0, got {weight!r}")
        ok = False
    return Indicator(code=code, name=name, weight=float(weight)) if ok else None


# --- small readers ---------------------------------------------------------------------------

def _key(raw: Mapping, path: str, pattern: re.Pattern, problems: list[str]) -> str | None:
    key = raw.get("key")
    if not isinstance(key, str) or not pattern.match(key):
        problems.append(f"{path}.key: required, letters, digits, '_' or '-', got {key!r}")
        return None
    return key


def _text(raw: Mapping, name: str, path: str, problems: list[str], required: bool) -> str | None:
    value = raw.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{path}: required text")
        return None
    return value.strip()


def _opt_text(raw: Mapping, name: str) -> str | None:
    value = raw.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _weight(raw: Mapping, path: str, problems: list[str]) -> float:
    weight = raw.get("weight", 1)
    if not _is_number(weight) or float(weight) <= 0:
        problems.append(f"{path}.weight: must be a number > 0, got {weight!r}")
        return 1.0
    return float(weight)


def _flag(raw: Mapping, name: str, default: bool, path: str, problems: list[str]) -> bool:
    value = raw.get(name, default)
    if not isinstance(value, bool):
        problems.append(f"{path}.{name}: must be true or false, got {value!r}")
        return default
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None

