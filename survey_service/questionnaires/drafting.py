"""The builder's working draft: the definition from the form and back, row actions, and problems by field.

The draft is the same mapping as a YAML file (docs/questionnaire-format.md); the builder never judges it itself — saving
hands it to the one validator, whose problems come back here to be placed next to their fields.
"""
from __future__ import annotations

import copy
import re
from typing import Any

from flask_babel import gettext as _, lazy_gettext as _l

from analysis.questionnaire import MESSAGES, DefinitionError, Problem
from survey_service.problems import readable_params

#: undo steps kept per draft
HISTORY_LIMIT = 30
INTEGER = re.compile(r"-?\d+")
DECIMAL = re.compile(r"-?(\d+\.\d*|\.\d+)")
#: the lists a row action may change: (path of the list, what a new row holds)
LISTS = re.compile(r"(scale\.options|dimensions|choice_questions|open_questions)(\[\d+\]\.(items|options))?")
#: ``add:LIST``, ``remove:LIST[i]``, ``up:LIST[i]``, ``down:LIST[i]`` (buttons) and ``move:LIST[i]>j`` (dragging)
ACTION = re.compile(r"(add|remove|up|down|move):(" + LISTS.pattern + r")(\[(\d+)\])?(>(\d+))?")

BLANK = {
    "key": "", "version": 1, "title": "",
    "scale": {"options": [{"value": 5, "label": "非常满意", "label_en": "Very satisfied"},
                          {"value": 4, "label": "满意", "label_en": "Satisfied"},
                          {"value": 3, "label": "一般", "label_en": "Neutral"},
                          {"value": 2, "label": "不满意", "label_en": "Dissatisfied"},
                          {"value": 1, "label": "非常不满意", "label_en": "Very dissatisfied"}],
              "not_applicable": {"value": 0, "label": "不了解", "label_en": "Don't know"}},
    "scoring": {"scheme": "linear"},
    "dimensions": [{"key": "d1", "title": "", "weight": 1, "items": [{"key": "q01", "text": ""}]}],
    "validity": {"min_answered_share": 0.8, "flag_straight_lining": True},
}


def blank_definition() -> dict:
    """A new questionnaire: the usual 5-point scale with 不了解, linear scoring, one dimension of one item."""
    return copy.deepcopy(BLANK)


# --- definition <-> form ---------------------------------------------------------------------

def form_data(definition: dict) -> dict:
    """The builder form's data of a definition (numbers as text, points beside their options)."""
    scale = definition.get("scale") or {}
    scoring = definition.get("scoring") or {}
    points = {str(k): v for k, v in (scoring.get("points") or {}).items()}
    na = scale.get("not_applicable")
    validity = definition.get("validity") or {}
    return {
        **{name: _shown(definition.get(name)) for name in ("key", "year", "title", "title_en", "intro", "intro_en")},
        "scale": {"options": [{**_texts(o, "value", "label", "label_en"),
                               "points": _shown(points.get(str(o.get("value"))))}
                              for o in scale.get("options") or [] if isinstance(o, dict)],
                  "not_applicable": {"enabled": na is not None, **_texts(na or {}, "value", "label", "label_en")}},
        "scoring": {"scheme": scoring.get("scheme") or "linear", "top": _shown(scoring.get("top"))},
        "dimensions": [{**_texts(d, "key", "title", "title_en", "weight"),
                        "items": [{**_texts(i, "key", "text", "text_en", "weight"),
                                   "required": i.get("required", True) is True, "reverse": i.get("reverse") is True}
                                  for i in d.get("items") or [] if isinstance(i, dict)]}
                       for d in definition.get("dimensions") or [] if isinstance(d, dict)],
        "choice_questions": [{**_texts(q, "key", "text", "text_en"), "kind": q.get("kind") or "single",
                              "other": q.get("other") is True, "required": q.get("required") is True,
                              "options": [_texts(o, "value", "label", "label_en")
                                          for o in q.get("options") or [] if isinstance(o, dict)]}
                             for q in definition.get("choice_questions") or [] if isinstance(q, dict)],
        "open_questions": [{**_texts(q, "key", "text", "text_en", "max_length"), "required": q.get("required") is True}
                           for q in definition.get("open_questions") or [] if isinstance(q, dict)],
        "validity": {"min_answered_share": _shown(validity.get("min_answered_share")),
                     "flag_straight_lining": validity.get("flag_straight_lining", True) is True},
        "indicator": _texts(definition.get("indicator") or {}, "code", "name", "weight"),
    }


def form_definition(form, version: int) -> dict:
    """The definition the builder form holds: empty fields left out (the contract's defaults apply), numbers
    typed as numbers where they read as one, anything else passed on for the validator to name."""
    data = form.data
    definition: dict[str, Any] = {"key": _value(data["key"]), "version": version}
    for name in ("year", "title", "title_en", "intro", "intro_en"):
        _put(definition, name, _value(data[name]))
    scheme = data["scoring"]["scheme"]
    options, points = [], {}
    for option in data["scale"]["options"]:
        options.append(_record(option, "value", "label", "label_en"))
        if scheme == "points" and _value(option["points"]) is not None:
            points[str(_value(option["value"]))] = _value(option["points"])
    scale: dict[str, Any] = {"options": options}
    na = data["scale"]["not_applicable"]
    if na["enabled"]:
        scale["not_applicable"] = _record(na, "value", "label", "label_en")
    definition["scale"] = scale
    scoring: dict[str, Any] = {"scheme": scheme}
    if scheme == "points":
        scoring["points"] = points
    if scheme == "top_box":
        _put(scoring, "top", _value(data["scoring"]["top"]))
    definition["scoring"] = scoring
    definition["dimensions"] = [
        {**_record(d, "key", "title", "title_en", "weight"),
         "items": [{**_record(i, "key", "text", "text_en", "weight"),
                    **({} if i["required"] else {"required": False}), **({"reverse": True} if i["reverse"] else {})}
                   for i in d["items"]]}
        for d in data["dimensions"]]
    if data["choice_questions"]:
        definition["choice_questions"] = [
            {**_record(q, "key", "text", "text_en"), "kind": q["kind"], "other": q["other"], "required": q["required"],
             "options": [_record(o, "value", "label", "label_en") for o in q["options"]]}
            for q in data["choice_questions"]]
    if data["open_questions"]:
        definition["open_questions"] = [{**_record(q, "key", "text", "text_en", "max_length"),
                                         **({"required": True} if q["required"] else {})}
                                        for q in data["open_questions"]]
    validity = data["validity"]
    definition["validity"] = {**_record(validity, "min_answered_share"),
                              "flag_straight_lining": validity["flag_straight_lining"]}
    indicator = _record(data["indicator"], "code", "name", "weight")
    if indicator:
        definition["indicator"] = indicator
    return definition


# --- row actions -----------------------------------------------------------------------------

def apply_action(definition: dict, action: str) -> tuple[dict, str | None]:
    """A row action (``add:dimensions``, ``remove:dimensions[1].items[0]``, ``up:…``, ``down:…``, ``move:…[i]>j``) on
    a copy of the definition; returns it and the anchor of the row to show. Unknown actions change nothing."""
    match = ACTION.fullmatch(action or "")
    if not match:
        return definition, None
    verb, list_path, index = match.group(1), match.group(2), match.group(7)
    changed = copy.deepcopy(definition)
    rows = _list_at(changed, list_path)
    if rows is None:
        return definition, None
    if verb == "add":
        rows.append(_new_row(changed, list_path, rows))
        return changed, _anchor(f"{list_path}[{len(rows) - 1}]")
    if index is None or not 0 <= int(index) < len(rows):
        return definition, None
    n = int(index)
    if verb == "remove":
        del rows[n]
        return changed, _anchor(list_path)
    target = {"up": n - 1, "down": n + 1}.get(verb, int(match.group(9)) if match.group(9) else -1)
    if not 0 <= target < len(rows):
        return definition, None
    rows.insert(target, rows.pop(n))
    return changed, _anchor(f"{list_path}[{target}]")


def remember(history: list, definition: dict) -> list:
    """The undo history with ``definition`` as its newest step (the oldest steps drop off)."""
    return [*history, definition][-HISTORY_LIMIT:]


def _list_at(definition: dict, path: str) -> list | None:
    """The list at ``path`` (``dimensions[1].items``), created when only its last name is missing."""
    node: Any = definition
    tokens = re.findall(r"(\w+)(?:\[(\d+)\])?", path)
    for position, (name, index) in enumerate(tokens):
        if not isinstance(node, dict):
            return None
        node = node.setdefault(name, []) if position == len(tokens) - 1 else node.get(name)
        if index:
            if not isinstance(node, list) or int(index) >= len(node):
                return None
            node = node[int(index)]
    return node if isinstance(node, list) else None


def _new_row(definition: dict, path: str, rows: list) -> dict:
    if path == "dimensions":
        return {"key": _free_key(definition, "d"), "title": "", "weight": 1,
                "items": [{"key": _free_key(definition, "q"), "text": ""}]}
    if path.endswith(".items"):
        return {"key": _free_key(definition, "q"), "text": ""}
    if path == "choice_questions":
        return {"key": _free_key(definition, "c"), "text": "", "kind": "single",
                "options": [{"value": 1, "label": ""}, {"value": 2, "label": ""}]}
    if path == "open_questions":
        return {"key": _free_key(definition, "open"), "text": ""}
    values = [row.get("value") for row in rows if isinstance(row, dict) and isinstance(row.get("value"), int)]
    if path == "scale.options":
        return {"value": min(values) - 1 if values else 1, "label": ""}
    return {"value": max(values) + 1 if values else 1, "label": ""}


def _free_key(definition: dict, prefix: str) -> str:
    """The first ``<prefix>NN`` no dimension or question uses yet."""
    used = {d.get("key") for d in definition.get("dimensions") or [] if isinstance(d, dict)}
    used |= {i.get("key") for d in definition.get("dimensions") or [] if isinstance(d, dict)
             for i in d.get("items") or [] if isinstance(i, dict)}
    used |= {q.get("key") for name in ("choice_questions", "open_questions")
             for q in definition.get(name) or [] if isinstance(q, dict)}
    n = 1
    while f"{prefix}{n:02d}" in used or f"{prefix}{n}" in used:
        n += 1
    return f"{prefix}{n:02d}" if prefix == "q" else f"{prefix}{n}"


# --- problems by field -----------------------------------------------------------------------

def field_name(problem: Problem, definition: dict) -> str:
    """The builder field a validator's problem is about (``dimensions[2].items[0].key`` → ``dimensions-2-items-0-key``);
    points live beside their scale option."""
    path = problem.path
    value = None
    if path.startswith("scoring.points."):
        value = path.removeprefix("scoring.points.")
    elif path == "scoring.points" and "value" in problem.params:
        value = str(problem.params["value"])
    if value is not None:
        options = (definition.get("scale") or {}).get("options") or []
        for n, option in enumerate(options):
            if isinstance(option, dict) and str(option.get("value")) == value:
                return f"scale-options-{n}-points"
        return "scoring-scheme"
    return re.sub(r"\[(\d+)\]", r"-\1", path).replace(".", "-")


def problem_message(problem: Problem) -> str:
    """The problem in the page's language (the validator's English on an English page)."""
    return _(MESSAGES[problem.code], **readable_params(problem.code, problem.params))


def described_problems(error: DefinitionError) -> list[str]:
    """Every problem of a file in the page's language, each after its place: the path in a YAML or JSON file,
    the sheet, row and column in a workbook."""
    described = []
    for problem in error.details:
        if problem.cell is not None:
            sheet, row, column = problem.cell
            place = _("Sheet %(sheet)s, row %(row)s, column %(column)s", sheet=sheet, row=row, column=column)
        else:
            place = problem.path
        described.append(_("%(place)s: %(message)s", place=place, message=problem_message(problem)))
    return described


def problems_by_field(error: DefinitionError, definition: dict) -> dict[str, list[str]]:
    by_field: dict[str, list[str]] = {}
    for problem in error.details:
        by_field.setdefault(field_name(problem, definition), []).append(problem_message(problem))
    return by_field


SEGMENTS = {"dimensions": _l("Dimension %(n)s"), "items": _l("Item %(n)s"), "options": _l("Option %(n)s"),
            "choice_questions": _l("Choice question %(n)s"), "open_questions": _l("Open question %(n)s")}


def problem_place(problem: Problem) -> str:
    """Where a problem is, in words: ``维度 3 · 题目 1 · text``."""
    parts = []
    for name, index in re.findall(r"(\w+)(?:\[(\d+)\])?", problem.path):
        if index and name in SEGMENTS:
            parts.append(str(SEGMENTS[name]) % {"n": int(index) + 1})
        elif not index:
            parts.append(name)
    return " · ".join(parts)


# --- small helpers ---------------------------------------------------------------------------

def _anchor(path: str) -> str:
    return re.sub(r"\[(\d+)\]", r"-\1", path).replace(".", "-")


def _value(text: Any) -> Any:
    """Form text as the definition's value: None when empty, a number when it reads as one."""
    if not isinstance(text, str):
        return text
    text = text.strip()
    if not text:
        return None
    if INTEGER.fullmatch(text):
        return int(text)
    if DECIMAL.fullmatch(text):
        return float(text)
    return text


def _put(mapping: dict, name: str, value: Any) -> None:
    if value is not None:
        mapping[name] = value


def _record(data: dict, *names: str) -> dict:
    record: dict[str, Any] = {}
    for name in names:
        value = data[name]
        # keys and texts stay text even when they look like numbers ("2017" as a title, "01" as a key)
        _put(record, name, _value(value) if name in ("value", "weight", "max_length", "min_answered_share")
             else (value.strip() or None if isinstance(value, str) else value))
    return record


def _texts(record: dict, *names: str) -> dict:
    return {name: _shown(record.get(name)) for name in names}


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
