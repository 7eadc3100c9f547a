"""The questionnaire definition (``docs/questionnaire-format.md``): parse, validate, and score option values.

Pure data: a mapping (from YAML or JSON) in, a frozen :class:`Questionnaire` out. Every problem in a definition
is collected with its path and raised together in one :class:`DefinitionError`, so nothing half-valid is stored.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from analysis.documents import DOCUMENT_MESSAGES, N_, DocumentError, clip, plain_copy, read_document

#: \Z, not $, which would also accept a final line break
KEY_PATTERN = re.compile(r"^[a-z0-9-]+\Z")
ITEM_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]+\Z")
DEFAULT_TOP = 2
DEFAULT_MIN_ANSWERED_SHARE = 0.8
DEFAULT_OPEN_MAX_LENGTH = 2000
#: option values lie within ±this (four digits, as the centre's form reads them)
OPTION_VALUE_LIMIT = 9999


#: every problem a definition can have, by code; ``%(name)s`` placeholders take the problem's params
MESSAGES = {
    **DOCUMENT_MESSAGES,
    "top_level": N_("must be a mapping of keys"),
    "questionnaire_key": N_("required, lowercase letters, digits and '-', got %(given)s"),
    "version": N_("required, a positive integer, got %(given)s"),
    "integer": N_("must be an integer, got %(given)s"),
    "option_value_range": N_("must be an integer from -%(limit)s to %(limit)s, got %(given)s"),
    "required_text": N_("required text"),
    "scale_required": N_("required, with options"),
    "options_required": N_("required, a list of at least 2 options"),
    "duplicate_value": N_("duplicate value %(value)s"),
    "na_is_option": N_("%(value)s is also a scale option"),
    "option_mapping": N_("must be a mapping with value and label"),
    "scoring_required": N_("required, with scheme"),
    "unknown_scheme": N_("unknown scheme %(given)s (one of %(schemes)s)"),
    "points_required": N_("required with scheme \"points\" (a map option value -> points)"),
    "not_an_option": N_("not an option value of the scale"),
    "points_range": N_("points must be a number on 0-100, got %(given)s"),
    "missing_points": N_("missing points for option %(value)s"),
    "top_range": N_("must be an integer from 1 to %(count)s, got %(given)s"),
    "dimensions_required": N_("required, a non-empty list"),
    "mapping": N_("must be a mapping"),
    "list": N_("must be a list"),
    "duplicate_key": N_("duplicate %(given)s"),
    "empty_dimension": N_("empty dimension, at least one item is required"),
    "max_length": N_("must be an integer from 1 to 20000, got %(given)s"),
    "share": N_("must be a number in [0, 1], got %(given)s"),
    "indicator_mapping": N_("must be a mapping with code, name and weight"),
    "weight": N_("must be a number > 0, got %(given)s"),
    "item_key": N_("required, letters, digits, '_' or '-', got %(given)s"),
    "flag": N_("must be true or false, got %(given)s"),
    "choice_kind": N_("must be single or multiple, got %(given)s"),
    "version_exists": N_("%(key)s version %(version)s already exists with different content; give the changed "
                         "questionnaire a higher version"),
    "not_workbook": N_("not an XLSX workbook"),
    "missing_sheet": N_("missing sheet %(sheet)s"),
    "unknown_dimension": N_("no dimension %(given)s on the dimensions sheet"),
    "reverse_scale": N_("a reversed item needs a mirrored scale (lo + hi - x an option for every option x), "
                        "got %(values)s"),
}


@dataclass(frozen=True)
class Problem:
    """One problem of a definition: where (``path``), what (``code``, a key of :data:`MESSAGES`) and its values.

    ``str()`` gives the English ``path: message`` of the command line; a page translates ``MESSAGES[code]``
    and shows it next to the field ``path`` names.
    """

    path: str
    code: str
    params: dict = field(default_factory=dict)
    #: where a workbook holds the value: (sheet, row, column letter); None for YAML, JSON and the builder
    cell: tuple[str, int, str] | None = None

    @property
    def message(self) -> str:
        return MESSAGES[self.code] % self.params if self.params else MESSAGES[self.code]

    def __str__(self) -> str:
        if self.cell is not None:
            sheet, row, column = self.cell
            return f"sheet {sheet}, row {row}, column {column}: {self.message}"
        return f"{self.path}: {self.message}"


class DefinitionError(ValueError):
    """A questionnaire definition with one or more problems; ``problems`` reads each as ``path: reason``."""

    def __init__(self, details: list[Problem]):
        self.details = list(details)
        self.problems = [clip(str(problem)) for problem in self.details]
        super().__init__("\n".join(self.problems))


class _Problems(list):
    """The problems found so far; ``add`` records one."""

    def add(self, path: str, code: str, **params) -> None:
        self.append(Problem(path, code, params))


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
    #: negatively worded: the option value x counts as lo + hi − x in every index and in reliability
    reverse: bool = False


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
class ChoiceQuestion:
    """An unscored profile question (e.g. the centre's kind): counted in frequency tables, never in an index."""

    key: str
    text: str
    kind: str
    options: tuple[Option, ...]
    text_en: str | None = None
    #: adds 其他 with a free-text box
    other: bool = False
    required: bool = False

    @property
    def multiple(self) -> bool:
        return self.kind == "multiple"

    def accepts(self, value: int) -> bool:
        return any(option.value == value for option in self.options)


CHOICE_KINDS = ("single", "multiple")


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
    choice_questions: tuple[ChoiceQuestion, ...] = ()
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
    def reversed_items(self) -> tuple[bool, ...]:
        """Per Likert item, in questionnaire order, whether it is reversed."""
        return tuple(item.reverse for item in self.items)

    def choice_question(self, key: str) -> ChoiceQuestion | None:
        return next((question for question in self.choice_questions if question.key == key), None)

    @property
    def na_value(self) -> int | None:
        return self.not_applicable.value if self.not_applicable else None

    def accepts(self, value: int) -> bool:
        """Whether ``value`` is an answer this questionnaire's scale allows (N/A included)."""
        return value in self.scoring.points or value == self.na_value


# --- scoring schemes -------------------------------------------------------------------------

def _linear_points(values: list[int], scoring: Mapping, problems: _Problems) -> tuple[dict[int, float], None]:
    lo, hi = min(values), max(values)
    return {v: (v - lo) / (hi - lo) * 100.0 for v in values}, None


def _explicit_points(values: list[int], scoring: Mapping, problems: _Problems) -> tuple[dict[int, float], None]:
    given = scoring.get("points")
    if not isinstance(given, Mapping):
        problems.add("scoring.points", "points_required")
        return {}, None
    points: dict[int, float] = {}
    for raw_value, raw_points in given.items():
        value = _as_int(raw_value)
        if value is None or value not in values:
            problems.add(f"scoring.points.{raw_value}", "not_an_option")
            continue
        if not _is_number(raw_points) or not 0 <= float(raw_points) <= 100:
            problems.add(f"scoring.points.{raw_value}", "points_range", given=repr(raw_points))
            continue
        points[value] = float(raw_points)
    for value in values:
        if value not in points and not any(_as_int(k) == value for k in given):
            problems.add("scoring.points", "missing_points", value=value)
    return points, None


def _top_box_points(values: list[int], scoring: Mapping, problems: _Problems) -> tuple[dict[int, float], int]:
    top = scoring.get("top", DEFAULT_TOP)
    if not isinstance(top, int) or isinstance(top, bool) or not 1 <= top <= len(values):
        problems.add("scoring.top", "top_range", count=len(values), given=repr(top))
        top = DEFAULT_TOP
    best = set(sorted(values, reverse=True)[:top])
    return {v: (100.0 if v in best else 0.0) for v in values}, top


SCHEMES = {"linear": _linear_points, "points": _explicit_points, "top_box": _top_box_points}


# --- parsing ---------------------------------------------------------------------------------

def load_questionnaire(text: str | bytes, filename: str = "questionnaire.yaml") -> Questionnaire:
    """Parse a YAML or JSON questionnaire file's text; raises :class:`DefinitionError`."""
    return parse_questionnaire(read_definition(text, filename))


def read_definition(text: str | bytes, filename: str = "questionnaire.yaml") -> Any:
    """The data of a YAML or JSON file, not yet validated (read by the one reader of uploaded documents: no aliases,
    size and depth capped); raises :class:`DefinitionError` when it cannot be read at all."""
    try:
        return read_document(text, filename)
    except DocumentError as exc:
        if exc.code in MESSAGES:
            raise DefinitionError([Problem(filename, exc.code, exc.params)]) from None
        raise DefinitionError([Problem(filename, "unreadable",
                                       {"reason": exc.problem.removeprefix(f"{filename}: ")})]) from None


def parse_questionnaire(data: Any) -> Questionnaire:
    """Validate a questionnaire mapping and build the :class:`Questionnaire`; raises :class:`DefinitionError`.

    The one set of rules for every source: YAML and JSON files, the XLSX template and the console's builder all
    come here as a mapping.
    """
    if not isinstance(data, Mapping):
        raise DefinitionError([Problem("(top level)", "top_level")])
    problems = _Problems()

    key = data.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        problems.add("key", "questionnaire_key", given=repr(key))
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.add("version", "version", given=repr(version))
    year = data.get("year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
        problems.add("year", "integer", given=repr(year))
    title = _text(data, "title", "title", problems, required=True)

    options, na = _parse_scale(data.get("scale"), problems)
    values = [o.value for o in options]
    scoring = _parse_scoring(data.get("scoring"), values, problems)
    dimensions = _parse_dimensions(data.get("dimensions"), problems)
    _check_reversible(dimensions, values, problems)
    open_questions = _parse_open_questions(data.get("open_questions"), problems)
    choice_questions = _parse_choice_questions(data.get("choice_questions"), problems)
    _check_unique_keys(dimensions, open_questions, choice_questions, problems)
    min_share, straight = _parse_validity(data.get("validity"), problems)
    indicator = _parse_indicator(data.get("indicator"), problems)

    if problems:
        raise DefinitionError(problems)
    return Questionnaire(
        key=key, version=version, year=year, title=title, title_en=_opt_text(data, "title_en"),
        intro=_opt_text(data, "intro"), intro_en=_opt_text(data, "intro_en"),
        options=tuple(options), not_applicable=na, scoring=scoring, dimensions=tuple(dimensions),
        open_questions=tuple(open_questions), choice_questions=tuple(choice_questions),
        min_answered_share=min_share, flag_straight_lining=straight, indicator=indicator, source=plain_copy(data),
    )


def _parse_scale(scale: Any, problems: _Problems) -> tuple[list[Option], Option | None]:
    if not isinstance(scale, Mapping):
        problems.add("scale", "scale_required")
        return [], None
    options = _parse_options(scale.get("options"), "scale.options", problems)
    seen = {option.value for option in options}
    na = None
    if scale.get("not_applicable") is not None:
        na = _parse_option(scale["not_applicable"], "scale.not_applicable", problems)
        if na is not None and na.value in seen:
            problems.add("scale.not_applicable.value", "na_is_option", value=na.value)
            na = None
    return options, na


def _parse_options(raw_options: Any, path: str, problems: _Problems) -> list[Option]:
    """At least two options with distinct integer values (the scale's, or a choice question's)."""
    if not isinstance(raw_options, list) or len(raw_options) < 2:
        problems.add(path, "options_required")
        return []
    options: list[Option] = []
    seen: set[int] = set()
    for i, raw in enumerate(raw_options):
        option = _parse_option(raw, f"{path}[{i}]", problems)
        if option is None:
            continue
        if option.value in seen:
            problems.add(f"{path}[{i}].value", "duplicate_value", value=option.value)
            continue
        seen.add(option.value)
        options.append(option)
    return options


def _parse_option(raw: Any, path: str, problems: _Problems) -> Option | None:
    if not isinstance(raw, Mapping):
        problems.add(path, "option_mapping")
        return None
    value = raw.get("value")
    if not isinstance(value, int) or isinstance(value, bool):
        problems.add(f"{path}.value", "integer", given=repr(value))
        return None
    if not -OPTION_VALUE_LIMIT <= value <= OPTION_VALUE_LIMIT:
        # answers are coded through a table indexed by value: a few digits, as the centre's form accepts
        problems.add(f"{path}.value", "option_value_range", limit=OPTION_VALUE_LIMIT, given=repr(value))
        return None
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip():
        problems.add(f"{path}.label", "required_text")
        return None
    return Option(value=value, label=label, label_en=_opt_text(raw, "label_en"))


def _parse_scoring(scoring: Any, values: list[int], problems: _Problems) -> Scoring:
    if not isinstance(scoring, Mapping):
        problems.add("scoring", "scoring_required")
        return Scoring(scheme="", points={})
    scheme = scoring.get("scheme")
    resolve = SCHEMES.get(scheme) if isinstance(scheme, str) else None
    if resolve is None:
        problems.add("scoring.scheme", "unknown_scheme", given=repr(scheme), schemes=", ".join(SCHEMES))
        return Scoring(scheme=str(scheme), points={})
    if len(values) < 2:
        return Scoring(scheme=scheme, points={})
    points, top = resolve(values, scoring, problems)
    return Scoring(scheme=scheme, points=points, top=top)


def _parse_dimensions(raw_dimensions: Any, problems: _Problems) -> list[Dimension]:
    if not isinstance(raw_dimensions, list) or not raw_dimensions:
        problems.add("dimensions", "dimensions_required")
        return []
    dimensions = []
    seen: set[str] = set()
    for d, raw in enumerate(raw_dimensions):
        path = f"dimensions[{d}]"
        if not isinstance(raw, Mapping):
            problems.add(path, "mapping")
            continue
        key = _key(raw, path, ITEM_KEY_PATTERN, problems)
        if key is not None and key in seen:
            problems.add(f"{path}.key", "duplicate_key", given=repr(key))
        seen.add(key)
        title = _text(raw, "title", f"{path}.title", problems, required=True)
        weight = _weight(raw, path, problems)
        raw_items = raw.get("items")
        items = []
        if not isinstance(raw_items, list) or not raw_items:
            problems.add(f"{path}.items", "empty_dimension")
        else:
            for i, raw_item in enumerate(raw_items):
                item_path = f"{path}.items[{i}]"
                if not isinstance(raw_item, Mapping):
                    problems.add(item_path, "mapping")
                    continue
                items.append(Item(
                    key=_key(raw_item, item_path, ITEM_KEY_PATTERN, problems),
                    text=_text(raw_item, "text", f"{item_path}.text", problems, required=True),
                    text_en=_opt_text(raw_item, "text_en"),
                    weight=_weight(raw_item, item_path, problems),
                    required=_flag(raw_item, "required", True, item_path, problems),
                    reverse=_flag(raw_item, "reverse", False, item_path, problems),
                ))
        dimensions.append(Dimension(key=key, title=title, title_en=_opt_text(raw, "title_en"),
                                    weight=weight, items=tuple(items)))
    return dimensions


def _check_reversible(dimensions: list[Dimension], values: list[int], problems: _Problems) -> None:
    """Reflection lo + hi − x must land on an option, so reversed items need a mirrored scale (1–5, not 0/3/5)."""
    if not values or set(values) == {min(values) + max(values) - v for v in values}:
        return
    for d, dimension in enumerate(dimensions):
        for i, item in enumerate(dimension.items):
            if item.reverse:
                problems.add(f"dimensions[{d}].items[{i}].reverse", "reverse_scale",
                             values=", ".join(str(v) for v in sorted(values)))


def _parse_open_questions(raw_questions: Any, problems: _Problems) -> list[OpenQuestion]:
    questions = []
    for path, raw in _mappings(raw_questions, "open_questions", problems):
        max_length = raw.get("max_length", DEFAULT_OPEN_MAX_LENGTH)
        if not isinstance(max_length, int) or isinstance(max_length, bool) or not 1 <= max_length <= 20000:
            problems.add(f"{path}.max_length", "max_length", given=repr(max_length))
            max_length = DEFAULT_OPEN_MAX_LENGTH
        questions.append(OpenQuestion(
            key=_key(raw, path, ITEM_KEY_PATTERN, problems),
            text=_text(raw, "text", f"{path}.text", problems, required=True),
            text_en=_opt_text(raw, "text_en"), max_length=max_length,
            required=_flag(raw, "required", False, path, problems),
        ))
    return questions


def _parse_choice_questions(raw_questions: Any, problems: _Problems) -> list[ChoiceQuestion]:
    questions = []
    for path, raw in _mappings(raw_questions, "choice_questions", problems):
        kind = raw.get("kind", "single")
        if kind not in CHOICE_KINDS:
            problems.add(f"{path}.kind", "choice_kind", given=repr(kind))
            kind = "single"
        questions.append(ChoiceQuestion(
            key=_key(raw, path, ITEM_KEY_PATTERN, problems),
            text=_text(raw, "text", f"{path}.text", problems, required=True),
            text_en=_opt_text(raw, "text_en"), kind=kind,
            options=tuple(_parse_options(raw.get("options"), f"{path}.options", problems)),
            other=_flag(raw, "other", False, path, problems),
            required=_flag(raw, "required", False, path, problems),
        ))
    return questions


def _mappings(raw_list: Any, path: str, problems: _Problems) -> list[tuple[str, Mapping]]:
    """The entries of an optional list of mappings, each with its path."""
    if raw_list is None:
        return []
    if not isinstance(raw_list, list):
        problems.add(path, "list")
        return []
    entries = []
    for n, raw in enumerate(raw_list):
        if not isinstance(raw, Mapping):
            problems.add(f"{path}[{n}]", "mapping")
            continue
        entries.append((f"{path}[{n}]", raw))
    return entries


def _check_unique_keys(dimensions: list[Dimension], open_questions: list[OpenQuestion],
                       choice_questions: list[ChoiceQuestion], problems: _Problems) -> None:
    """Item, open-question and choice-question keys share one name space (they are the responses' columns)."""
    seen: set[str] = set()
    keyed = [(f"dimensions[{d}].items[{i}]", item.key)
             for d, dimension in enumerate(dimensions) for i, item in enumerate(dimension.items)]
    keyed += [(f"open_questions[{q}]", question.key) for q, question in enumerate(open_questions)]
    keyed += [(f"choice_questions[{q}]", question.key) for q, question in enumerate(choice_questions)]
    for path, key in keyed:
        if key is not None and key in seen:
            problems.add(f"{path}.key", "duplicate_key", given=repr(key))
        seen.add(key)


def _parse_validity(raw: Any, problems: _Problems) -> tuple[float, bool]:
    if raw is None:
        return DEFAULT_MIN_ANSWERED_SHARE, True
    if not isinstance(raw, Mapping):
        problems.add("validity", "mapping")
        return DEFAULT_MIN_ANSWERED_SHARE, True
    share = raw.get("min_answered_share", DEFAULT_MIN_ANSWERED_SHARE)
    if not _is_number(share) or not 0 <= float(share) <= 1:
        problems.add("validity.min_answered_share", "share", given=repr(share))
        share = DEFAULT_MIN_ANSWERED_SHARE
    return float(share), _flag(raw, "flag_straight_lining", True, "validity", problems)


def _parse_indicator(raw: Any, problems: _Problems) -> Indicator | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        problems.add("indicator", "indicator_mapping")
        return None
    code = raw.get("code")
    name = raw.get("name")
    weight = raw.get("weight")
    ok = True
    if not isinstance(code, str) or not code.strip():
        problems.add("indicator.code", "required_text")
        ok = False
    if not isinstance(name, str) or not name.strip():
        problems.add("indicator.name", "required_text")
        ok = False
    if not _is_number(weight) or float(weight) <= 0:
        problems.add("indicator.weight", "weight", given=repr(weight))
        ok = False
    return Indicator(code=code, name=name, weight=float(weight)) if ok else None


# --- small readers ---------------------------------------------------------------------------

def _key(raw: Mapping, path: str, pattern: re.Pattern, problems: _Problems) -> str | None:
    key = raw.get("key")
    if not isinstance(key, str) or not pattern.match(key):
        problems.add(f"{path}.key", "item_key", given=repr(key))
        return None
    return key


def _text(raw: Mapping, name: str, path: str, problems: _Problems, required: bool) -> str | None:
    value = raw.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.add(path, "required_text")
        return None
    return value.strip()


def _opt_text(raw: Mapping, name: str) -> str | None:
    value = raw.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _weight(raw: Mapping, path: str, problems: _Problems) -> float:
    weight = raw.get("weight", 1)
    if not _is_number(weight) or float(weight) <= 0:
        problems.add(f"{path}.weight", "weight", given=repr(weight))
        return 1.0
    return float(weight)


def _flag(raw: Mapping, name: str, default: bool, path: str, problems: _Problems) -> bool:
    value = raw.get(name, default)
    if not isinstance(value, bool):
        problems.add(f"{path}.{name}", "flag", given=repr(value))
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

