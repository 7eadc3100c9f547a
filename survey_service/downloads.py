"""File downloads from the console: CSV (UTF-8 with BOM) or XLSX, formula-neutralised, each export audited."""
from __future__ import annotations

from collections.abc import Sequence

from flask import Response

from survey_service.audit.operations import record_download
from survey_service.tabular import csv_bytes, xlsx_bytes

MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def table_download(fmt: str, name: str, header: Sequence[str], rows: list, *, audited_as: str, obj) -> Response:
    """The rows as ``NAME.csv`` or ``NAME.xlsx``, with an audit entry naming what was exported."""
    writers = {"csv": lambda: csv_bytes(header, rows), "xlsx": lambda: xlsx_bytes({name: (header, rows)})}
    record_download(audited_as, obj, format=fmt, rows=len(rows))
    response = Response(writers[fmt](), mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response
