"""Plain-text tables for the terminal, with Chinese (wide) characters counted as two columns."""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence

COLUMN_GAP = "  "


def display_width(text: str) -> int:
    """Columns the text takes in a terminal: Chinese (full-width and wide) characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]], right_aligned: Sequence[bool]) -> str:
    """Rows under the header, columns padded by display width so Chinese text lines up."""
    lines = [tuple(header), *(tuple(row) for row in rows)]
    widths = [max(display_width(line[column]) for line in lines) for column in range(len(header))]
    return "\n".join(
        COLUMN_GAP.join(_pad(cell, width, right) for cell, width, right in zip(line, widths, right_aligned)).rstrip()
        for line in lines)


def _pad(cell: str, width: int, right: bool) -> str:
    padding = " " * (width - display_width(cell))
    return padding + cell if right else cell + padding
