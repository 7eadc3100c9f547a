"""The XLSX authoring template: a questionnaire definition as six sheets an evaluator edits in Excel, and back.

The workbook is another spelling of the same mapping as YAML (docs/questionnaire-format.md, Authoring): reading gives
that mapping and the cell each value came from, so the one validator's problems name sheet, row and column.
Each sheet's header cell ends with the definition's field name (``题目 text``); the Chinese before it is for
the reader.
"""
from __future__ import annotations

import io
import re
from dataclasses import replace
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from analysis.questionnaire import DefinitionError, Problem

GENERAL = "问卷"
#: the general sheet: label, field path
GENERAL_FIELDS = [
    ("问卷标识", "key"), ("版本", "version"), ("评价年度", "year"), ("标题", "title"), ("英文标题", "title_en"),
    ("说明", "intro"), ("英文说明", "intro_en"), ("计分方式 linear/points/top_box", "scoring.scheme"),
    ("top_box 的满意选项数", "scoring.top"), ("有效问卷最低作答比例", "validity.min_answered_share"),
    ("标记一致作答", "validity.flag_straight_lining"), ("指标编码", "indicator.code"),
    ("指标名称", "indicator.name"), ("指标权重", "indicator.weight"),
]
#: sheet -> header cells (Chinese, then the field name)
SHEETS = {
    "量表": ["选项值 value", "文字 label", "英文 label_en", "分值 points", "不了解选项 not_applicable"],
    "维度": ["标识 key", "名称 title", "英文名称 title_en", "权重 weight"],
    "题目": ["维度 dimension", "标识 key", "题目 text", "英文 text_en", "权重 weight", "必答 required",
             "反向 reverse"],
    "选择题": ["标识 key", "题目 text", "英文 text_en", "类型 kind", "其他 other", "必答 required",
               "选项值 option_value", "选项 option_label", "英文选项 option_label_en"],
    "开放题": ["标识 key", "题目 text", "英文 text_en", "字数上限 max_length", "必答 required"],
}
TRUE_WORDS = {"是", "true", "yes", "y", "1", "√"}
FALSE_WORDS = {"否", "false", "no", "n", "0", ""}
BOOLEAN_FIELDS = {"required", "reverse", "other", "not_applicable", "validity.flag_straight_lining"}
#: the last step of a path (``.text`` or ``[2]``): dropping it gives the enclosing row's path
LAST_STEP = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")


def definition_workbook(definition: dict) -> bytes:
    """A filled template of ``definition`` (an empty mapping gives the blank template)."""
    book = Workbook()
    general = book.active
    general.title = GENERAL
    general.append(["字段 label", "键 field", "值 value"])
    for label, path in GENERAL_FIELDS:
        general.append([label, path, _cell(_get(definition, path))])
    scale = definition.get("scale") or {}
    points = (definition.get("scoring") or {}).get("points") or {}
    rows = {
        "量表": [[o.get("value"), o.get("label"), o.get("label_en"), points.get(str(o.get("value")),
                                                                              points.get(o.get("value"))), "否"]
                for o in scale.get("options") or []],
        "维度": [[d.get("key"), d.get("title"), d.get("title_en"), d.get("weight", 1)]
                 for d in definition.get("dimensions") or []],
        "题目": [[d.get("key"), i.get("key"), i.get("text"), i.get("text_en"), i.get("weight", 1),
                  _cell(i.get("required", True)), _cell(i.get("reverse", False))]
                 for d in definition.get("dimensions") or [] for i in d.get("items") or []],
        "选择题": [[q.get("key") if n == 0 else None, q.get("text") if n == 0 else None,
                    q.get("text_en") if n == 0 else None, q.get("kind", "single") if n == 0 else None,
                    _cell(q.get("other", False)) if n == 0 else None,
                    _cell(q.get("required", False)) if n == 0 else None,
                    o.get("value"), o.get("label"), o.get("label_en")]
                   for q in definition.get("choice_questions") or [] for n, o in enumerate(q.get("options") or [])],
        "开放题": [[q.get("key"), q.get("text"), q.get("text_en"), q.get("max_length", 2000),
                    _cell(q.get("required", False))] for q in definition.get("open_questions") or []],
    }
    na = scale.get("not_applicable")
    if na:
        rows["量表"].append([na.get("value"), na.get("label"), na.get("label_en"), None, "是"])
    for name, header in SHEETS.items():
        sheet = book.create_sheet(name)
        sheet.append(header)
        for row in rows[name]:
            sheet.append([_cell(value) for value in row])
    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDE8F3")
        for column in range(1, sheet.max_column + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 18
        sheet.freeze_panes = "A2"
    for row in general.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True)
    general.column_dimensions["C"].width = 60
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def read_definition_workbook(data: bytes, filename: str) -> tuple[dict, dict[str, tuple[str, int, str]]]:
    """The mapping a template holds and, for every path in it, its cell; raises :class:`DefinitionError` when the
    file is no workbook or lacks a sheet."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise DefinitionError([Problem(filename, "not_workbook")]) from None
    missing = [name for name in (GENERAL, *SHEETS) if name not in book.sheetnames]
    if missing:
        raise DefinitionError([Problem(filename, "missing_sheet", {"sheet": name}) for name in missing])
    reader = _Reader()
    definition: dict[str, Any] = {}
    for row_number, row in _rows(book[GENERAL]):
        path = row.get("field")
        if isinstance(path, str) and path.strip() in {field_path for _, field_path in GENERAL_FIELDS}:
            value = reader.value(path.strip(), row.get("value"), GENERAL, row_number, "C")
            if value is not None:
                _set(definition, path.strip(), value)
    scale: dict[str, Any] = {"options": []}
    points: dict[str, Any] = {}
    for row_number, row in _rows(book["量表"]):
        where = ("量表", row_number)
        columns = {"value": "A", "label": "B", "label_en": "C"}
        if reader.flag(row.get("not_applicable")):
            scale["not_applicable"] = reader.fields(row, "scale.not_applicable", where, columns)
            continue
        option = reader.fields(row, f"scale.options[{len(scale['options'])}]", where, columns)
        scale["options"].append(option)
        reader.cells[f"scoring.points.{option.get('value')}"] = (*where, "D")
        if row.get("points") is not None:
            points[str(option.get("value"))] = reader.value(f"scoring.points.{option.get('value')}",
                                                            row["points"], *where, "D")
    definition["scale"] = scale
    reader.cells.setdefault("scale.options", ("量表", 1, "A"))
    if points:
        definition.setdefault("scoring", {})["points"] = points
        reader.cells["scoring.points"] = ("量表", 1, "D")

    dimensions: list[dict] = []
    positions: dict[str, int] = {}
    for row_number, row in _rows(book["维度"]):
        path = f"dimensions[{len(dimensions)}]"
        dimension = reader.fields(row, path, ("维度", row_number),
                                  {"key": "A", "title": "B", "title_en": "C", "weight": "D"})
        dimension["items"] = []
        reader.cells[f"{path}.items"] = ("维度", row_number, "A")
        positions.setdefault(str(dimension.get("key")), len(dimensions))
        dimensions.append(dimension)
    reader.cells["dimensions"] = ("维度", 1, "A")
    for row_number, row in _rows(book["题目"]):
        owner = positions.get(str(_text(row.get("dimension"))))
        if owner is None:
            reader.problems.append(Problem(f"题目[{row_number}].dimension", "unknown_dimension",
                                           {"given": repr(_text(row.get("dimension")))}, ("题目", row_number, "A")))
            continue
        path = f"dimensions[{owner}].items[{len(dimensions[owner]['items'])}]"
        dimensions[owner]["items"].append(reader.fields(
            row, path, ("题目", row_number),
            {"key": "B", "text": "C", "text_en": "D", "weight": "E", "required": "F", "reverse": "G"}))
    definition["dimensions"] = dimensions

    choices: list[dict] = []
    for row_number, row in _rows(book["选择题"]):
        if _text(row.get("key")) is not None or not choices:
            path = f"choice_questions[{len(choices)}]"
            question = reader.fields(row, path, ("选择题", row_number),
                                     {"key": "A", "text": "B", "text_en": "C", "kind": "D", "other": "E",
                                      "required": "F"})
            question["options"] = []
            reader.cells[f"{path}.options"] = ("选择题", row_number, "G")
            choices.append(question)
        path = f"choice_questions[{len(choices) - 1}].options[{len(choices[-1]['options'])}]"
        choices[-1]["options"].append(reader.fields(
            {"value": row.get("option_value"), "label": row.get("option_label"),
             "label_en": row.get("option_label_en")}, path, ("选择题", row_number),
            {"value": "G", "label": "H", "label_en": "I"}))
    if choices:
        definition["choice_questions"] = choices
    opens = [reader.fields(row, f"open_questions[{n}]", ("开放题", row_number),
                           {"key": "A", "text": "B", "text_en": "C", "max_length": "D", "required": "E"})
             for n, (row_number, row) in enumerate(_rows(book["开放题"]))]
    if opens:
        definition["open_questions"] = opens
    if reader.problems:
        raise DefinitionError(reader.problems)
    return definition, reader.cells


def locate(error: DefinitionError, cells: dict[str, tuple[str, int, str]]) -> DefinitionError:
    """The validator's problems of a workbook's mapping, each with the cell its path came from (or the nearest
    enclosing row's)."""
    located = []
    for problem in error.details:
        path = problem.path
        if problem.code == "missing_points":  # the empty points cell of that option's row
            path = f"{path}.{problem.params['value']}"
        while path and path not in cells:
            path = LAST_STEP.sub("", path) if LAST_STEP.search(path) else ""
        located.append(replace(problem, cell=cells.get(path, (GENERAL, 1, "A"))))
    return DefinitionError(located)


class _Reader:
    """Collects values with their cells, and the problems only the workbook can have."""

    def __init__(self):
        self.cells: dict[str, tuple[str, int, str]] = {}
        self.problems: list[Problem] = []

    def value(self, path: str, raw: Any, sheet: str, row: int, column: str) -> Any:
        self.cells[path] = (sheet, row, column)
        name = path.rsplit(".", 1)[-1]
        if path in BOOLEAN_FIELDS or name in BOOLEAN_FIELDS:
            return self.flag(raw, keep_blank=True)
        return self.number(raw) if not isinstance(raw, str) else _text(raw)

    def fields(self, row: dict, path: str, where: tuple[str, int], columns: dict[str, str]) -> dict:
        self.cells[path] = (*where, next(iter(columns.values())))
        record = {}
        for name, column in columns.items():
            value = self.value(f"{path}.{name}", row.get(name), where[0], where[1], column)
            if value is not None:
                record[name] = value
        return record

    @staticmethod
    def flag(raw: Any, keep_blank: bool = False) -> Any:
        """是/否 (or true/false, yes/no, 1/0) as a bool; any other word as given, for the validator to name."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None if keep_blank else False
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        return str(raw).strip()

    @staticmethod
    def number(raw: Any) -> Any:
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        return raw


def _rows(sheet) -> list[tuple[int, dict]]:
    """The sheet's non-empty rows after the header, by the header's field names, with their row numbers."""
    lines = sheet.iter_rows(values_only=True)
    header = [str(cell).split()[-1] if cell is not None and str(cell).split() else "" for cell in next(lines, ())]
    rows = []
    for number, values in enumerate(lines, 2):
        if all(value is None or (isinstance(value, str) and not value.strip()) for value in values):
            continue
        rows.append((number, {name: value for name, value in zip(header, values) if name}))
    return rows


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip() or None
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def _get(mapping: dict, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(mapping, dict):
            return None
        mapping = mapping.get(part)
    return mapping


def _set(mapping: dict, path: str, value: Any) -> None:
    *parents, name = path.split(".")
    for part in parents:
        mapping = mapping.setdefault(part, {})
    mapping[name] = value
