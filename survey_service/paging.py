"""One page of a long row query (the console's lists: non-respondents, responses, the audit log)."""
from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from survey_service.extensions import db

PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    rows: list
    number: int
    pages: int
    total: int


def paginate(query: Select, page: int, per_page: int = PAGE_SIZE) -> Page:
    """One page of a row query, with the number of pages."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, math.ceil(total / per_page))
    number = min(max(page, 1), pages)
    rows = db.session.execute(query.limit(per_page).offset((number - 1) * per_page)).all()
    return Page(rows, number, pages, total)
