"""The roster file (docs/files-and-cli.md): CSV or XLSX, every bad row reported with its line number."""
from __future__ import annotations

from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from survey_service.problems import ProblemList, problem_text as _
from survey_service.roster.models import RosterUnit
from survey_service.tabular import read_table

REQUIRED_COLUMNS = ("code", "name", "district")
KNOWN_COLUMNS = REQUIRED_COLUMNS + ("district_code", "district_en", "kind", "contact_email")
#: the roster columns that can group the figures, online (pages, API) and offline (``analyze``) alike, as can any
#: extra column of the roster; contact addresses never become group labels
GROUPING_COLUMNS = ("district", "district_code", "district_en", "kind", "name", "code")
#: the grouping of the result pages, the API and ``analyze --survey`` when none is asked for
DEFAULT_GROUPING = "district"


def grouping_problem(group_by: str | None, extra_columns, where: str) -> str | None:
    """Why ``group_by`` cannot group the units of a roster with these extra columns; None when it can."""
    if group_by is None or group_by in GROUPING_COLUMNS or (group_by in extra_columns
                                                            and group_by not in KNOWN_COLUMNS):
        return None
    return (f"group_by: {where} has no column \"{group_by}\" to group by (roster columns: "
            f"{', '.join(GROUPING_COLUMNS)}, or any extra column of the roster)")
#: the most characters each known column takes: the database's (the model is the one home of the lengths)
COLUMN_LENGTHS = {name: RosterUnit.__table__.c[name].type.length for name in KNOWN_COLUMNS}


@dataclass(frozen=True)
class UnitRow:
    line: int
    code: str
    name: str
    district: str
    district_code: str | None = None
    district_en: str | None = None
    kind: str | None = None
    contact_email: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


def parse_roster(data: bytes, filename: str) -> list[UnitRow]:
    """The units of a roster file; raises :class:`ProblemList` naming every bad row, so nothing half-imports."""
    header, rows = read_table(data, filename)
    problems = [_("%(file)s: missing required column \"%(column)s\"", file=filename, column=name)
                for name in REQUIRED_COLUMNS if name not in header]
    duplicates = {name for name in header if name and header.count(name) > 1}
    problems += [_("%(file)s: column \"%(column)s\" appears twice", file=filename, column=name)
                 for name in sorted(duplicates)]
    if problems:
        raise ProblemList(problems)
    units: list[UnitRow] = []
    first_line_of: dict[str, int] = {}
    for line, row in rows:
        where = {"file": filename, "line": line}
        if None in row:
            problems.append(_("%(file)s: line %(line)s: more cells than header columns", **where))
        problems += [_("%(file)s: line %(line)s: %(column)s: longer than %(limit)s characters", column=column,
                       limit=COLUMN_LENGTHS[column], **where)
                     for column in KNOWN_COLUMNS if len(row.get(column) or "") > COLUMN_LENGTHS[column]]
        code, name, district = row["code"], row["name"], row["district"]
        if not code:
            problems.append(_("%(file)s: line %(line)s: empty code", **where))
        elif code in first_line_of:
            problems.append(_("%(file)s: line %(line)s: duplicate code \"%(code)s\" (first on line %(first)s)",
                              code=code, first=first_line_of[code], **where))
        else:
            first_line_of[code] = line
        if not name:
            problems.append(_("%(file)s: line %(line)s: empty name", **where))
        if not district:
            problems.append(_("%(file)s: line %(line)s: empty district", **where))
        email = row.get("contact_email") or None
        if email:
            try:
                email = validate_email(email, check_deliverability=False).normalized
            except EmailNotValidError:
                problems.append(_("%(file)s: line %(line)s: malformed e-mail \"%(value)s\"",
                                  value=row["contact_email"], **where))
        units.append(UnitRow(
            line=line, code=code, name=name, district=district,
            district_code=row.get("district_code") or None, district_en=row.get("district_en") or None,
            kind=row.get("kind") or None, contact_email=email,
            attributes={k: v for k, v in row.items() if k is not None and k not in KNOWN_COLUMNS},
        ))
    if not units and not problems:
        problems.append(_("%(file)s: no units (only a header)", file=filename))
    if problems:
        raise ProblemList(problems)
    return units
