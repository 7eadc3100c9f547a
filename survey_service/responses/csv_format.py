"""The responses CSV (spec/files-and-cli.md): one row per response, one column per question key.

Read for offline analysis (paper questionnaires typed into Excel, another platform's export), for the import into a
survey, and written by the export, so an export reads back unchanged. Every problem is reported with its line and
column, in the reader's language, and nothing is used then.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from analysis.questionnaire import Questionnaire
from analysis.validity import check_validity
from survey_service.problems import ProblemList, problem_text as _
from survey_service.roster.parsing import KNOWN_COLUMNS as ROSTER_COLUMNS, UnitRow
from survey_service.tabular import read_table

RESPONSE_FIELDS = ("centre_code", "status", "invalid_reason", "submitted_at", "mode")
#: written by the export after the answers; accepted (and ignored) on reading
REVIEW_FIELDS = ("flags", "reviewed_by", "reviewed_at", "reference", "entered_by", "entered_at")
STATUSES = ("valid", "invalid")
MODES = ("online", "paper", "phone", "import")


def export_header(questionnaire: Questionnaire) -> list[str]:
    """The export's columns: response fields (how it was collected included), unit name and district, every question
    key, the review fields and who entered it on the centre's behalf."""
    return (["centre_code", "name", "district", "status", "invalid_reason", "submitted_at", "mode"]
            + [item.key for item in questionnaire.items] + [q.key for q in questionnaire.open_questions]
            + list(REVIEW_FIELDS))


@dataclass
class ResponseRow:
    """One response of the file, checked: its answers by question key and what the row says about it."""

    line: int
    code: str
    #: option value (or the not-applicable value) per Likert item; None = blank
    likert: dict[str, int | None]
    #: text per open question answered
    texts: dict[str, str]
    #: ``valid`` or ``invalid`` when the file says so (authoritative), else decided by the questionnaire's rules
    status: str
    #: whether ``status`` came from the file
    status_given: bool
    invalid_reason: str | None
    submitted_at: datetime | None
    #: the row's ``mode`` cell; None when blank (the reader decides: ``import``, or what the importer chose)
    mode: str | None
    group: str | None = None


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
    """The header, the rows without problems and every problem of a responses file (an unreadable file or a bad
    header still raises :class:`ProblemList`: there are no rows to speak of then). An import's preview counts the
    good rows beside the problems."""
    header, rows = read_table(data, filename)
    items = [item.key for item in questionnaire.items]
    open_keys = {q.key: q for q in questionnaire.open_questions}
    problems = _check_header(header, filename, questionnaire, roster, group_by)
    if problems:
        raise ProblemList(problems)
    units = {unit.code: unit for unit in roster} if roster is not None else None
    first_line: dict[str, int] = {}
    parsed: list[ResponseRow] = []
    for line, row in rows:
        where = {"file": filename, "line": line}
        row_problems: list[str] = []
        code = row.get("centre_code", "")
        if not code:
            row_problems.append(_("%(file)s: line %(line)s: centre_code: empty", **where))
        elif code in first_line:
            row_problems.append(_("%(file)s: line %(line)s: centre_code: duplicate centre \"%(code)s\" (first on "
                                  "line %(first)s)", code=code, first=first_line[code], **where))
        else:
            first_line[code] = line
        if units is not None and code and code not in units:
            row_problems.append(_("%(file)s: line %(line)s: centre_code: unknown centre \"%(code)s\" (not in the "
                                  "roster)", code=code, **where))
        likert = {key: _option_value(row.get(key, ""), key, questionnaire, where, row_problems) for key in items}
        texts = {key: row[key] for key in open_keys if row.get(key)}
        for key, question in open_keys.items():
            if len(row.get(key, "")) > question.max_length:
                row_problems.append(_("%(file)s: line %(line)s: %(column)s: longer than %(limit)s characters",
                                      column=key, limit=question.max_length, **where))
        mode = row.get("mode", "").strip().lower() or None
        if mode is not None and mode not in MODES:
            row_problems.append(_("%(file)s: line %(line)s: mode: \"%(value)s\" is not online, paper, phone or "
                                  "import (or blank)", value=row["mode"], **where))
        status = row.get("status", "").strip().lower()
        if status and status not in STATUSES:
            row_problems.append(_("%(file)s: line %(line)s: status: \"%(value)s\" is not valid or invalid (or "
                                  "blank)", value=row["status"], **where))
        submitted_at = None
        if row.get("submitted_at"):
            try:
                submitted_at = datetime.fromisoformat(row["submitted_at"])
            except ValueError:
                row_problems.append(_("%(file)s: line %(line)s: submitted_at: \"%(value)s\" is not an ISO 8601 "
                                      "time", value=row["submitted_at"], **where))
        if None in row:
            row_problems.append(_("%(file)s: line %(line)s: more cells than header columns", **where))
        problems += row_problems
        if row_problems:
            continue
        status_given = bool(status)
        if not status_given:
            status = check_validity(questionnaire, likert).automatic_status
        parsed.append(ResponseRow(line=line, code=code, likert=likert, texts=texts, status=status,
                                  status_given=status_given, invalid_reason=row.get("invalid_reason") or None,
                                  submitted_at=submitted_at, mode=mode, group=_group_of(row, code, units, group_by)))
    if not rows:
        problems.append(_("%(file)s: no responses (only a header)", file=filename))
    return header, parsed, problems


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
                        if "mode" in header else None)


def _check_header(header: list[str], filename: str, questionnaire: Questionnaire, roster, group_by) -> list[str]:
    problems = []
    if "centre_code" not in header:
        problems.append(_("%(file)s: missing column \"centre_code\"", file=filename))
    items = [item.key for item in questionnaire.items]
    problems += [_("%(file)s: missing column \"%(column)s\" (Likert item of %(questionnaire)s)", file=filename,
                   column=key, questionnaire=questionnaire.key)
                 for key in items if key not in header]
    allowed = (set(RESPONSE_FIELDS) | set(REVIEW_FIELDS) | set(ROSTER_COLUMNS) | set(items)
               | {q.key for q in questionnaire.open_questions})
    if group_by:
        allowed.add(group_by)
    if roster is not None:
        allowed |= {name for unit in roster for name in unit.attributes}
    problems += [_("%(file)s: unknown column \"%(column)s\" (not a question of %(questionnaire)s version "
                   "%(version)s, nor a response or roster field)", file=filename, column=name,
                   questionnaire=questionnaire.key, version=questionnaire.version)
                 for name in header if name and name not in allowed]
    # the grouping column is an option of the command line alone, so its problems are worded for it
    if group_by and group_by not in header and roster is None:
        problems.append(f"{filename}: --group-by {group_by}: no such column (and no roster to take it from)")
    if group_by and roster is not None and group_by not in header and group_by not in ROSTER_COLUMNS \
            and not any(group_by in unit.attributes for unit in roster):
        problems.append(f"--group-by {group_by}: neither the responses nor the roster have that column")
    return problems


def _option_value(cell: str, key: str, questionnaire: Questionnaire, where: dict, problems: list[str]) -> int | None:
    cell = cell.strip()
    if not cell:
        return None
    try:
        value = float(cell)
    except ValueError:
        value = None
    if value is None or not value.is_integer() or not questionnaire.accepts(int(value)):
        scale = ", ".join(str(v) for v in sorted(questionnaire.option_values))
        if questionnaire.not_applicable:
            problems.append(_("%(file)s: line %(line)s: %(column)s: \"%(value)s\" is not an option of the scale "
                              "(%(scale)s, or %(na)s for not applicable)", column=key, value=cell, scale=scale,
                              na=questionnaire.na_value, **where))
        else:
            problems.append(_("%(file)s: line %(line)s: %(column)s: \"%(value)s\" is not an option of the scale "
                              "(%(scale)s)", column=key, value=cell, scale=scale, **where))
        return None
    return int(value)


def _group_of(row: dict, code: str, units: dict | None, group_by: str | None) -> str | None:
    if not group_by:
        return None
    if row.get(group_by):
        return row[group_by]
    if units is not None and code in units:
        unit = units[code]
        return getattr(unit, group_by, None) if group_by in ROSTER_COLUMNS else unit.attributes.get(group_by)
    return None


def _count(groups: list[str | None]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for group in groups:
        if group is not None:
            counts[group] = counts.get(group, 0) + 1
    return counts
