"""The responses CSV (docs/files-and-cli.md): one row per response, one column per question key.

Read for offline analysis (paper questionnaires typed into Excel, another platform's export), for the import into a
survey, and written by the export, so an export reads back unchanged. Every problem is reported with its line and
column, in the reader's language, and nothing is used then.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from analysis.choices import ChoiceAnswer
from analysis.questionnaire import ChoiceQuestion, Questionnaire
from analysis.validity import check_validity
from survey_service.problems import ProblemList, problem_text as _
from survey_service.roster.parsing import GROUPING_COLUMNS, KNOWN_COLUMNS as ROSTER_COLUMNS, UnitRow, grouping_problem
from survey_service.tabular import N_, read_table

RESPONSE_FIELDS = ("centre_code", "status", "invalid_reason", "submitted_at", "mode")
#: written by the export after the answers; accepted (and ignored) on reading
REVIEW_FIELDS = ("flags", "reviewed_by", "reviewed_at", "reference", "entered_by", "entered_at")
STATUSES = ("valid", "invalid")
MODES = ("online", "paper", "phone", "import")


#: a multiple-choice cell holds the values ticked joined by this (``1;3``)
CHOICE_SEPARATOR = ";"


def other_column(question_key: str) -> str:
    """The column of a choice question's 其他 text."""
    return f"{question_key}_other"


def answer_columns(questionnaire: Questionnaire) -> list[str]:
    """The answers' columns in questionnaire order: Likert items, choice questions (with ``<key>_other`` where
    其他 is offered), open questions."""
    columns = [item.key for item in questionnaire.items]
    for question in questionnaire.choice_questions:
        columns += [question.key, other_column(question.key)] if question.other else [question.key]
    return columns + [q.key for q in questionnaire.open_questions]


def choice_cell(answer: ChoiceAnswer) -> str:
    """A choice answer's option value(s) as the responses CSV writes them."""
    return CHOICE_SEPARATOR.join(str(value) for value in answer.values)


def export_header(questionnaire: Questionnaire) -> list[str]:
    """The export's columns: response fields (how it was collected included), unit name and district, every answer
    column, the review fields and who entered it on the centre's behalf."""
    return (["centre_code", "name", "district", "status", "invalid_reason", "submitted_at", "mode"]
            + answer_columns(questionnaire) + list(REVIEW_FIELDS))


@dataclass
class ResponseRows:
    """Parsed responses, ready for :func:`analysis.satisfaction.satisfaction_document`."""

    #: option values of the VALID responses (rows) per Likert item (columns), NaN = blank
    answers: np.ndarray
    #: centre code per valid row
    respondent_ids: list[str]
    #: grouping value per valid row (None without a grouping column)
    groups: list[str] | None
    submitted: int
    issued: int
    issued_by_group: dict[str, int] | None = None
    submitted_by_group: dict[str, int] | None = None
    invalid_codes: list[str] = field(default_factory=list)
    #: valid responses by how they were collected, when the file has a ``mode`` column (blank = import)
    by_mode: dict[str, int] | None = None
    #: per choice question key, the valid rows' answers
    choices: dict[str, list[ChoiceAnswer]] = field(default_factory=dict)


@dataclass
class ResponseRow:
    """One response of the file, checked: its answers by question key and what the row says about it."""

    line: int
    code: str
    #: option value (or the not-applicable value) per Likert item; None = blank
    likert: dict[str, int | None]
    #: text per open question answered
    texts: dict[str, str]
    #: per choice question, the options ticked and the 其他 text
    choices: dict[str, ChoiceAnswer]
    #: ``valid`` or ``invalid`` when the file says so (authoritative), else decided by the questionnaire's rules
    status: str
    #: whether ``status`` came from the file
    status_given: bool
    invalid_reason: str | None
    submitted_at: datetime | None
    #: the row's ``mode`` cell; None when blank (the reader decides: ``import``, or what the importer chose)
    mode: str | None
    group: str | None = None


def read_response_rows(data: bytes, filename: str, questionnaire: Questionnaire, *,
                       roster: list[UnitRow] | None = None, group_by: str | None = None
                       ) -> tuple[list[str], list[ResponseRow]]:
    """The header and the checked rows of a responses file; raises :class:`ProblemList` with every problem."""
    header, rows, problems = check_response_rows(data, filename, questionnaire, roster=roster, group_by=group_by)
    if problems:
        raise ProblemList(problems)
    return header, rows


def check_response_rows(data: bytes, filename: str, questionnaire: Questionnaire, *,
                        roster: list[UnitRow] | None = None, group_by: str | None = None
                        ) -> tuple[list[str], list[ResponseRow], list[str]]:
    """The header, the rows without problems and every problem of a responses file (an unreadable file still
    raises :class:`ProblemList`). An import's preview counts the good rows beside the problems.

    The header and every row are checked in one pass, so one run names every problem; a problem repeated on many
    rows is listed a few times and then counted, and answers off the scale are summarised per item with a guess at
    the file's scale (a 7-point file read against a 5-point questionnaire gives one line, not one per cell).
    """
    header, rows = read_table(data, filename)
    items = [item.key for item in questionnaire.items if item.key in header]
    open_keys = {q.key: q for q in questionnaire.open_questions}
    found = _Problems(filename)
    found.header += _check_header(header, filename, questionnaire, roster, group_by)
    units = {unit.code: unit for unit in roster} if roster is not None else None
    first_line: dict[str, int] = {}
    parsed: list[ResponseRow] = []
    for line, row in rows:
        where = {"file": filename, "line": line}
        problems_before = found.count
        code = row.get("centre_code", "")
        if "centre_code" in header and not code:
            found.add(line, N_("empty centre code"), _("%(file)s: line %(line)s: centre_code: empty", **where))
        elif code in first_line:
            found.add(line, N_("duplicate centre"), _("%(file)s: line %(line)s: centre_code: duplicate centre "
                                                  "\"%(code)s\" (first on line %(first)s)",
                                                  code=code, first=first_line[code], **where))
        elif code:
            first_line[code] = line
        if units is not None and code and code not in units:
            found.add(line, N_("unknown centre"), _("%(file)s: line %(line)s: centre_code: unknown centre \"%(code)s\" "
                                                "(not in the roster)", code=code, **where))
        values = {key: _option_value(row.get(key, ""), key, questionnaire, line, found) for key in items}
        choices = {question.key: _choice_answer(row, question, line, found)
                   for question in questionnaire.choice_questions}
        for key, question in open_keys.items():
            if len(row.get(key, "")) > question.max_length:
                found.add(line, N_("text too long"), _("%(file)s: line %(line)s: %(column)s: longer than %(limit)s "
                                                   "characters", column=key, limit=question.max_length, **where))
        mode = row.get("mode", "").strip().lower() or None
        if mode is not None and mode not in MODES:
            found.add(line, N_("unknown mode"), _("%(file)s: line %(line)s: mode: \"%(value)s\" is not online, paper, "
                                              "phone or import (or blank)", value=row["mode"], **where))
        status = row.get("status", "").strip().lower()
        if status and status not in STATUSES:
            found.add(line, N_("unknown status"), _("%(file)s: line %(line)s: status: \"%(value)s\" is not valid or "
                                                "invalid (or blank)", value=row["status"], **where))
        submitted_at = None
        if row.get("submitted_at"):
            try:
                submitted_at = datetime.fromisoformat(row["submitted_at"])
            except ValueError:
                found.add(line, N_("bad time"), _("%(file)s: line %(line)s: submitted_at: \"%(value)s\" is not an ISO "
                                              "8601 time", value=row["submitted_at"], **where))
        if None in row:
            found.add(line, N_("extra cells"), _("%(file)s: line %(line)s: more cells than header columns", **where))
        if found.count > problems_before or found.header:
            continue
        likert = {key: None if np.isnan(value) else int(value) for key, value in values.items()}
        texts = {key: row[key] for key in open_keys if row.get(key)}
        status_given = bool(status)
        if not status_given:
            status = check_validity(questionnaire, likert).automatic_status
        parsed.append(ResponseRow(line=line, code=code, likert=likert, texts=texts, choices=choices, status=status,
                                  status_given=status_given, invalid_reason=row.get("invalid_reason") or None,
                                  submitted_at=submitted_at, mode=mode, group=_group_of(row, code, units, group_by)))
    if not rows:
        found.header.append(_("%(file)s: no responses (only a header)", file=filename))
    return header, parsed, found.listed(questionnaire)


def parse_responses(data: bytes, filename: str, questionnaire: Questionnaire, *,
                    roster: list[UnitRow] | None = None, group_by: str | None = None) -> ResponseRows:
    """Parse and check a responses file against its questionnaire (and roster); raises :class:`ProblemList`."""
    header, rows = read_response_rows(data, filename, questionnaire, roster=roster, group_by=group_by)
    items = [item.key for item in questionnaire.items]
    valid = [row for row in rows if row.status == "valid"]
    answers = np.array([[np.nan if row.likert[key] is None else row.likert[key] for key in items] for row in valid],
                       dtype=float).reshape(len(valid), len(items))
    units = {unit.code: unit for unit in roster} if roster is not None else None
    submitted_groups = [row.group for row in rows]
    if units is not None:
        issued = len(units)
        issued_by_group = _count([_group_of({}, u.code, units, group_by) for u in roster]) if group_by else None
    else:
        issued = len(rows)
        issued_by_group = _count(submitted_groups) if group_by else None
    modes = [row.mode or "import" for row in valid]
    return ResponseRows(answers=answers, respondent_ids=[row.code for row in valid],
                        groups=[row.group for row in valid] if group_by else None,
                        submitted=len(rows), issued=issued, issued_by_group=issued_by_group,
                        submitted_by_group=_count(submitted_groups) if group_by else None,
                        invalid_codes=[row.code for row in rows if row.status == "invalid"],
                        by_mode={mode: modes.count(mode) for mode in sorted(set(modes))}
                        if "mode" in header else None,
                        choices={q.key: [row.choices[q.key] for row in valid] for q in questionnaire.choice_questions})


class _Problems:
    """The problems of one file: the header's, then the rows' in line order, repeated ones counted, not listed."""

    #: a kind of row problem is listed this many times, then counted
    LISTED_PER_KIND = 5

    def __init__(self, filename: str):
        self.filename = filename
        self.header: list[str] = []
        #: (line, problem) per kind of problem, in the order found
        self.by_kind: dict[str, list[tuple[int, str]]] = {}
        #: answers off the scale: (item key, line, cell)
        self.off_scale: list[tuple[str, int, str]] = []

    @property
    def count(self) -> int:
        return sum(map(len, self.by_kind.values())) + len(self.off_scale)

    def add(self, line: int, kind: str, problem: str) -> None:
        """A problem of the row at ``line``, worded whole (file and line named) in the reader's language."""
        self.by_kind.setdefault(kind, []).append((line, problem))

    def listed(self, questionnaire: Questionnaire) -> list[str]:
        """Every problem, repeated ones summarised: what a person reads and acts on in one go."""
        shown: list[tuple[int, str]] = []
        summaries = []
        for kind, found in self.by_kind.items():
            shown += found[:self.LISTED_PER_KIND]
            if len(found) > self.LISTED_PER_KIND:
                summaries.append(_("%(file)s: … and %(count)s more rows with the same problem (%(kind)s)",
                                   file=self.filename, count=f"{len(found) - self.LISTED_PER_KIND:,}", kind=_(kind)))
        if len(self.off_scale) > self.LISTED_PER_KIND:
            summaries.append(self._off_scale_summary(questionnaire))
        else:
            shown += [(line, _off_scale_problem(self.filename, line, key, cell, questionnaire))
                      for key, line, cell in self.off_scale]
        # sorted is stable: on one line, problems keep the order of the checks
        return self.header + [problem for _, problem in sorted(shown, key=lambda found: found[0])] + summaries

    def _off_scale_summary(self, questionnaire: Questionnaire) -> str:
        keys = [item.key for item in questionnaire.items]
        affected = sorted({key for key, _, _ in self.off_scale}, key=keys.index)
        key, line, cell = self.off_scale[0]
        low, high = min(questionnaire.option_values), max(questionnaire.option_values)
        where = {"file": self.filename, "columns": _key_ranges(affected, keys), "count": f"{len(self.off_scale):,}",
                 "low": low, "high": high, "line": line, "column": key, "value": cell}
        numbers = [_as_integer(cell) for _, _, cell in self.off_scale]
        if all(number is not None and number > high for number in numbers):
            return _("%(file)s: %(columns)s: %(count)s values outside %(low)s–%(high)s (the first on line %(line)s, "
                     "%(column)s: \"%(value)s\"); the file may use a %(points)s-point scale",
                     points=max(numbers) - low + 1, **where)
        return _("%(file)s: %(columns)s: %(count)s values outside %(low)s–%(high)s (the first on line %(line)s, "
                 "%(column)s: \"%(value)s\")", **where)


def _key_ranges(affected: list[str], keys: list[str]) -> str:
    """Item keys as runs in questionnaire order: "q03–q12, q15"."""
    runs: list[list[str]] = []
    for key in affected:
        if runs and keys.index(key) == keys.index(runs[-1][-1]) + 1:
            runs[-1].append(key)
        else:
            runs.append([key])
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]}–{run[-1]}" for run in runs)


def _as_integer(cell: str) -> int | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return int(value) if value.is_integer() else None


def _off_scale_problem(filename: str, line: int, key: str, cell: str, questionnaire: Questionnaire) -> str:
    """One answer off the scale, in the reader's language."""
    scale = ", ".join(str(v) for v in sorted(questionnaire.option_values))
    where = {"file": filename, "line": line, "column": key, "value": cell, "scale": scale}
    if questionnaire.not_applicable:
        return _("%(file)s: line %(line)s: %(column)s: \"%(value)s\" is not an option of the scale (%(scale)s, or "
                 "%(na)s for not applicable)", na=questionnaire.na_value, **where)
    return _("%(file)s: line %(line)s: %(column)s: \"%(value)s\" is not an option of the scale (%(scale)s)", **where)


def _check_header(header: list[str], filename: str, questionnaire: Questionnaire, roster, group_by) -> list[str]:
    problems = []
    if "centre_code" not in header:
        problems.append(_("%(file)s: missing column \"%(column)s\"", file=filename, column="centre_code"))
    items = [item.key for item in questionnaire.items]
    problems += [_("%(file)s: missing column \"%(column)s\" (Likert item of %(questionnaire)s)", file=filename,
                   column=key, questionnaire=questionnaire.key) for key in items if key not in header]
    allowed = set(RESPONSE_FIELDS) | set(REVIEW_FIELDS) | set(ROSTER_COLUMNS) | set(answer_columns(questionnaire))
    if group_by:
        allowed.add(group_by)
    if roster is not None:
        allowed |= {name for unit in roster for name in unit.attributes}
    problems += [_("%(file)s: unknown column \"%(column)s\" (not a question of %(questionnaire)s version "
                   "%(version)s, nor a response or roster field)", file=filename, column=name,
                   questionnaire=questionnaire.key, version=questionnaire.version)
                 for name in header if name and name not in allowed]
    if group_by in ROSTER_COLUMNS and group_by not in GROUPING_COLUMNS:
        problems.append(grouping_problem(group_by, set(), filename))
    elif group_by and group_by not in header and roster is None:
        problems.append(_("%(file)s: --group-by %(column)s: no such column (and no roster to take it from)",
                          file=filename, column=group_by))
    if group_by and roster is not None and group_by not in header and group_by not in ROSTER_COLUMNS \
            and not any(group_by in unit.attributes for unit in roster):
        problems.append(_("--group-by %(column)s: neither the responses nor the roster have that column",
                          column=group_by))
    return problems


def _option_value(cell: str, key: str, questionnaire: Questionnaire, line: int, found: _Problems) -> float:
    cell = cell.strip()
    if not cell:
        return np.nan
    value = _as_integer(cell)
    if value is None or not questionnaire.accepts(value):
        found.off_scale.append((key, line, cell))
        return np.nan
    return float(value)


def _choice_answer(row: dict, question: ChoiceQuestion, line: int, found: _Problems) -> ChoiceAnswer:
    """A choice cell (``2``, or ``1;3`` for a multiple choice) and its ``<key>_other`` text."""
    cell = row.get(question.key, "").strip()
    values = []
    for part in (p.strip() for p in cell.split(CHOICE_SEPARATOR) if p.strip()):
        if not re.fullmatch(r"-?\d+", part) or not question.accepts(int(part)):
            offered = ", ".join(str(option.value) for option in question.options)
            found.add(line, N_("not a choice option"), _(
                "%(file)s: line %(line)s: %(column)s: \"%(value)s\" is not an option of the question (%(options)s)",
                file=found.filename, line=line, column=question.key, value=part, options=offered))
            continue
        values.append(int(part))
    if len(values) > 1 and not question.multiple:
        found.add(line, N_("several options"), _(
            "%(file)s: line %(line)s: %(column)s: \"%(value)s\" gives several options to a single-choice question",
            file=found.filename, line=line, column=question.key, value=cell))
    other = row.get(other_column(question.key), "").strip() or None
    if other and not question.other:
        found.add(line, N_("no other"), _("%(file)s: line %(line)s: %(column)s: the question offers no \"other\"",
                                          file=found.filename, line=line, column=other_column(question.key)))
    order = [option.value for option in question.options]
    return ChoiceAnswer(tuple(sorted(set(values), key=order.index)), other)


def _group_of(row: dict, code: str, units: dict | None, group_by: str | None) -> str | None:
    """The row's grouping value (from the file, else from the roster); "" when blank, None without a grouping."""
    if not group_by:
        return None
    if row.get(group_by):
        return row[group_by]
    if units is not None and code in units:
        unit = units[code]
        value = getattr(unit, group_by, None) if group_by in ROSTER_COLUMNS else unit.attributes.get(group_by)
        return value or ""
    return ""


def _count(groups: list[str]) -> dict[str, int]:
    """Count per group in order of first appearance; units with a blank value are the group ""."""
    counts: dict[str, int] = {}
    for group in groups:
        counts[group] = counts.get(group, 0) + 1
    return counts
