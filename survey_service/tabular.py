"""Reading and writing the project's tables (CSV with or without BOM, XLSX), with formula neutralisation."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from survey_service.problems import ProblemList, problem_text as _

#: a cell starting with one of these is read as a formula by spreadsheet programs
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def read_table(data: bytes, filename: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and the rows (with their line numbers in the file) of a CSV or XLSX file."""
    if filename.lower().endswith(".xlsx"):
        return _read_xlsx(data, filename)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProblemList([_("%(file)s: not UTF-8 text (byte %(byte)s); save the file as CSV UTF-8",
                              file=filename, byte=exc.start)]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise ProblemList([_("%(file)s: the file is empty", file=filename)]) from None
    except csv.Error as exc:
        raise ProblemList([_("%(file)s: line %(line)s: %(problem)s", file=filename, line=1, problem=exc)]) from None
    rows = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            rows.append((reader.line_num, _row(header, cells)))
    except csv.Error as exc:
        raise ProblemList([_("%(file)s: line %(line)s: %(problem)s", file=filename, line=reader.line_num,
                              problem=exc)]) from None
    return header, rows


def _read_xlsx(data: bytes, filename: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ProblemList([_("%(file)s: not a readable XLSX workbook (%(error)s)", file=filename,
                             error=exc.__class__.__name__)]) from None
    lines = sheet.iter_rows(values_only=True)
    try:
        header = [_cell_text(cell).strip() for cell in next(lines)]
    except StopIteration:
        raise ProblemList([_("%(file)s: the workbook's first sheet is empty", file=filename)]) from None
    rows = []
    for number, cells in enumerate(lines, start=2):
        texts = [_cell_text(cell) for cell in cells]
        if any(text.strip() for text in texts):
            rows.append((number, _row(header, texts)))
    return header, rows


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


def xlsx_bytes(sheets: dict[str, tuple[Sequence[str], Iterable[Sequence]]]) -> bytes:
    """An XLSX workbook with one sheet per entry (name -> header, rows); cells are formula-neutralised."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def cell(value):
        # control characters XLSX cannot hold (openpyxl refuses them, a review reason may carry one) show as �
        value = neutralise(value)
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value

    workbook = Workbook(write_only=True)
    for name, (header, rows) in sheets.items():
        sheet = workbook.create_sheet(title=name[:31])
        sheet.append([cell(h) for h in header])
        for row in rows:
            sheet.append([cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
