"""How times read in pages and generated text: 2018年6月18日, China Standard Time (figures: analysis/rounding.py)."""
from __future__ import annotations

import html
from datetime import datetime

from flask_babel import format_date, format_datetime, get_locale


def local_datetime(value: datetime | None) -> str:
    """A UTC time in China Standard Time, e.g. 2018年6月18日 10:00."""
    if value is None:
        return "—"
    if str(get_locale()) == "zh":
        return format_datetime(value, "y年M月d日 HH:mm")
    return format_datetime(value, "d MMM y, HH:mm")


def local_date(value: datetime | None) -> str:
    if value is None:
        return "—"
    return format_date(value, "y年M月d日") if str(get_locale()) == "zh" else format_date(value, "d MMM y")


def chart_text(text: str) -> str:
    """Text for plotly, which reads a few HTML tags in labels: survey texts must show as written, never as markup."""
    return html.escape(text, quote=False)
