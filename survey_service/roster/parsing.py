"""The roster file (docs/files-and-cli.md): CSV or XLSX, every bad row reported with its line number."""
from __future__ import annotations

from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from survey_service.problems import ProblemList
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
    problems = [f"{filename}: missing required column \"{name}\"" for name in REQUIRED_COLUMNS if name not in header]
    duplicates = {name for name in header if name and header.count(name) > 1}
    problems += [f"{filename}: column \"{name}\" appears twice" for name in sorted(duplicates)]
    if problems:
        raise ProblemList(problems)
    units: list[UnitRow] = []
    first_line_of: dict[str, int] = {}
    for line, row in rows:
        where = f"{filename}: line {line}"
        if None in row:
            problems.append(f"{where}: more cells than header columns")
        problems += [f"{where}: {column} longer than {COLUMN_LENGTHS[column]} characters"
                     for column in KNOWN_COLUMNS if len(row.get(column) or "") > COLUMN_LENGTHS[column]]
        code, name, district = row["code"], row["name"], row["district"]
        if not code:
            problems.append(f"{where}: empty code")
        elif code in first_line_of:
            problems.append(f"{where}: duplicate code \"{code}\" (first on line {first_line_of[code]})")
        else:
            first_line_of[code] = line
        if not name:
            problems.append(f"{where}: empty name")
        if not district:
            problems.append(f"{where}: empty district")
        email = row.get("contact_email") or None
        if email:
            try:
                email = validate_email(email, check_deliverability=False).normalized
            except EmailNotValidError:
                problems.append(f"{where}: malformed e-mail \"{row['contact_email']}\"")
        units.append(UnitRow(
            line=line, code=code, name=name, district=district,
            district_code=row.get("district_code") or None, district_en=row.get("district_en") or None,
            kind=row.get("kind") or None, contact_email=email,
            attributes={k: v for k, v in row.items() if k is not None and k not in KNOWN_COLUMNS},
        ))
    if not units and not problems:
        problems.append(f"{filename}: no units (only a header)")
    if problems:
        raise ProblemList(problems)
    return units
