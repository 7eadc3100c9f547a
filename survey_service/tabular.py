"""Reading and writing the project's tables (CSV with or without BOM, XLSX), with formula neutralisation."""
from __future__ import annotations

import csv
import io
import itertools
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple

from survey_service.problems import ProblemList, problem_text as _

#: a cell starting with one of these is read as a formula by spreadsheet programs; the full-width forms too, which
#: spreadsheets set up for East Asian input may take for their ASCII twins
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


#: the most data rows a table may hold (a roster is one row per unit; a city has a few hundred, China ~40,000
#: towns and streets); more is refused before anything is stored
MAX_TABLE_ROWS = 50_000
#: the longest cell read (an open answer is at most a few thousand characters)
MAX_CELL_CHARACTERS = 10_000
#: the most an XLSX file may unpack to, all members together (a roster of 50,000 rows is about 15 MB)
MAX_XLSX_UNPACKED_BYTES = 64 * 1024 * 1024


def N_(message: str) -> str:
    """Mark a message for the catalogue; ``problem_text`` translates it when it is used."""
    return message


TOO_MANY_ROWS = N_("%(filename)s: more than %(limit)s rows; at most %(limit)s are accepted, split the file")
CELL_TOO_LONG = N_("%(filename)s: line %(line)s: a cell of more than %(limit)s characters; "
                   "at most %(limit)s are accepted")
NUL_IN_CELL = N_("%(filename)s: line %(line)s: a cell holds a NUL character; remove it and save the file again")
UNPACKS_TOO_LARGE = N_("%(filename)s: the workbook unpacks to more than %(limit)s MB; "
                       "at most %(limit)s MB are accepted (save it again without unused sheets or formatting)")


def read_table(data: bytes, filename: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and the rows (with their line numbers in the file) of a CSV or XLSX file.

    Read row by row and refused as soon as a limit is passed (:data:`MAX_TABLE_ROWS`,
    :data:`MAX_CELL_CHARACTERS`, and for XLSX :data:`MAX_XLSX_UNPACKED_BYTES` before unpacking anything), so a
    hostile file costs little time and memory and nothing of it is stored.
    """
    if filename.lower().endswith(".xlsx"):
        return _read_xlsx(data, filename)
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        header = [name.strip() for name in _limited(next(reader), filename, 1)]
        _check_separator(header, filename)
        rows = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_TABLE_ROWS:
                raise ProblemList([_(TOO_MANY_ROWS, filename=filename, limit=f"{MAX_TABLE_ROWS:,}")])
            rows.append((reader.line_num, _row(header, _limited(cells, filename, reader.line_num))))
    except StopIteration:
        raise ProblemList([_("%(file)s: the file is empty", file=filename)]) from None
    except UnicodeDecodeError:
        raise ProblemList([_("%(file)s: not UTF-8 text (byte %(byte)s); save the file as CSV UTF-8",
                              file=filename, byte=_first_bad_byte(data))]) from None
    except csv.Error as exc:
        raise ProblemList([_("%(file)s: line %(line)s: %(problem)s", file=filename, line=max(reader.line_num, 1),
                              problem=exc)]) from None
    return header, rows


#: separators that spreadsheet programs write in some locales, and how a problem names them
OTHER_SEPARATORS = {";": N_("semicolons (;)"), "\t": N_("tabs")}


def _check_separator(header: list[str], filename: str) -> None:
    """A header that is one column holding other separators: the file is not comma-separated, and that is the
    cause of every missing column, so it is the one problem named."""
    if len(header) != 1:
        return
    for separator, name in OTHER_SEPARATORS.items():
        if separator in header[0]:
            raise ProblemList([_("%(file)s: line 1: the columns are separated by %(separator)s, not commas: save "
                                 "the file as CSV UTF-8 (comma-separated) or as XLSX", file=filename,
                                 separator=_(name))])


def _first_bad_byte(data: bytes) -> int:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return exc.start
    return 0


def _limited(cells: Sequence[str], filename: str, line: int) -> Sequence[str]:
    if any(len(cell) > MAX_CELL_CHARACTERS for cell in cells):
        raise ProblemList([_(CELL_TOO_LONG, filename=filename, line=line, limit=f"{MAX_CELL_CHARACTERS:,}")])
    if any("\x00" in cell for cell in cells):  # no database text column holds one (PostgreSQL refuses it)
        raise ProblemList([_(NUL_IN_CELL, filename=filename, line=line)])
    return cells


def _read_xlsx(data: bytes, filename: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    from openpyxl import load_workbook

    # A few kilobytes of zip can unpack to gigabytes (openpyxl holds the shared strings in memory): the sizes the
    # zip declares are checked first; zipfile never unpacks a member beyond its declared size.
    try:
        unpacked = sum(member.file_size for member in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError):
        raise ProblemList([_("%(file)s: not a readable XLSX workbook (%(error)s)", file=filename,
                             error="BadZipFile")]) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ProblemList([_(UNPACKS_TOO_LARGE, filename=filename, limit=MAX_XLSX_UNPACKED_BYTES // 2**20)])
    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ProblemList([_("%(file)s: not a readable XLSX workbook (%(error)s)", file=filename,
                             error=exc.__class__.__name__)]) from None
    lines = sheet.iter_rows(values_only=True)
    try:
        header = [_cell_text(cell).strip() for cell in _limited_cells(next(lines), filename, 1)]
    except StopIteration:
        raise ProblemList([_("%(file)s: the workbook's first sheet is empty", file=filename)]) from None
    rows = []
    for number, cells in enumerate(lines, start=2):
        texts = [_cell_text(cell) for cell in _limited_cells(cells, filename, number)]
        if any(text.strip() for text in texts):
            if len(rows) == MAX_TABLE_ROWS:
                raise ProblemList([_(TOO_MANY_ROWS, filename=filename, limit=f"{MAX_TABLE_ROWS:,}")])
            rows.append((number, _row(header, texts)))
    return header, rows


def _limited_cells(cells: Sequence, filename: str, line: int) -> Sequence:
    _limited([cell for cell in cells if isinstance(cell, str)], filename, line)
    return cells


def _cell_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _row(header: Sequence[str], cells: Sequence[str]) -> dict[str, str]:
    row = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header) if name}
    if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
        row[None] = "extra"  # type: ignore[index]
    return row


def neutralise(value) -> object:
    """A cell value that a spreadsheet shows as text, never runs: formula-like text gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """A whole CSV file, UTF-8 with BOM so Excel reads the Chinese text."""
    return b"".join(csv_chunks(header, rows))


#: characters gathered before a chunk of a streamed CSV is sent: one write per row would cost more than the rows
CSV_CHUNK = 64 * 1024


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    """A CSV file, UTF-8 with BOM, as chunks for a streamed response; cells are formula-neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([neutralise(name) for name in header])
    for row in rows:
        writer.writerow(["" if cell is None else neutralise(cell) for cell in row])
        if buffer.tell() >= CSV_CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


class Styled(NamedTuple):
    """A cell with its own number format, where a column holds figures of several kinds (a summary sheet)."""

    value: object
    number_format: str


#: a sheet: (header, rows) or (header, rows, {column index: number format})
Sheet = tuple[Sequence[str], Iterable[Sequence]] | tuple[Sequence[str], Iterable[Sequence], Mapping[int, str]]
#: rows looked at to size the columns, and the widest a column gets (in Excel's character units)
WIDTH_SAMPLE, MAX_WIDTH = 200, 60


def xlsx_bytes(sheets: Mapping[str, Sheet]) -> bytes:
    """An XLSX workbook with one sheet per entry; cells are formula-neutralised.

    Fit for Excel users: the header row is frozen, columns are as wide as their content (CJK counts double) and
    figures carry number formats (``0.00%`` for rates, ``0.00`` for indexes) instead of raw floats' 15 digits.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    def clean(value):
        # control characters XLSX cannot hold (openpyxl refuses them, a review reason may carry one) show as �
        value = neutralise(value)
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, (header, rows, *rest) in sheets.items():
        formats = rest[0] if rest else {}
        sheet = workbook.create_sheet(title=name[:31])
        sheet.freeze_panes = "A2"
        rows = iter(rows)
        sample = [list(row) for _, row in zip(range(WIDTH_SAMPLE), rows)]
        widths = [_display_width(h) for h in header]
        for row in sample:
            for column, value in enumerate(row):
                shown = value.value if isinstance(value, Styled) else value
                width = _display_width(f"{shown:.2f}" if isinstance(shown, float) else shown)
                if column < len(widths):
                    widths[column] = max(widths[column], width)
                else:
                    widths.append(width)
        for column, width in enumerate(widths, 1):
            sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, MAX_WIDTH)

        def cells(row):
            out = []
            for column, value in enumerate(row):
                number_format = formats.get(column)
                if isinstance(value, Styled):
                    value, number_format = value
                cell = WriteOnlyCell(sheet, clean(value))
                if number_format and value is not None and not isinstance(value, str):
                    cell.number_format = number_format
                out.append(cell)
            return out

        heading = [WriteOnlyCell(sheet, clean(h)) for h in header]
        for cell in heading:
            cell.font = bold
        sheet.append(heading)
        for row in itertools.chain(sample, rows):
            sheet.append(cells(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _display_width(value) -> int:
    """How many character widths Excel needs to show a value: CJK and full-width characters count two."""
    if value is None:
        return 0
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
