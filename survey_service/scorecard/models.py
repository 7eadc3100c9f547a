from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from survey_service.extensions import db
from survey_service.timestamps import UTCDateTime, utcnow


class StoredScorecard(db.Model):
    """An indicator tree (指标体系) kept in the console; its satisfaction leaves are scored live from surveys."""

    __tablename__ = "scorecards"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(300))
    #: the YAML as uploaded (docs/scorecard.md), kept as the record of what was given
    source: Mapped[str] = mapped_column(Text)
    #: the file's data as read once at upload (analysis/documents.py); every view scores this, never the YAML again
    definition: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
