from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_service.extensions import db
from survey_service.timestamps import UTCDateTime, utcnow


class Roster(db.Model):
    """A named list of respondent units, imported from CSV or XLSX."""

    __tablename__ = "rosters"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: the file it was imported from, for the audit trail
    source_filename: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    units: Mapped[list[RosterUnit]] = relationship(
        back_populates="roster", order_by="RosterUnit.id", cascade="all, delete-orphan")


class RosterUnit(db.Model):
    """A respondent unit (受访单位): one street/town party-building centre; it answers at most once per survey."""

    __tablename__ = "roster_units"
    __table_args__ = (UniqueConstraint("roster_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("rosters.id", ondelete="CASCADE"))
    #: the unit's id in the roster, e.g. the NBS division code 310101002
    code: Mapped[str] = mapped_column(String(64))
    #: 街镇 name, e.g. 南京东路街道
    name: Mapped[str] = mapped_column(String(200))
    #: 区, e.g. 黄浦区 — the default grouping of every figure
    district: Mapped[str] = mapped_column(String(100), index=True)
    district_code: Mapped[str | None] = mapped_column(String(32))
    district_en: Mapped[str | None] = mapped_column(String(100))
    #: 街道 / 镇 / 乡 / 功能区
    kind: Mapped[str | None] = mapped_column(String(50))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    #: any other roster column, kept for grouping
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)

    roster: Mapped[Roster] = relationship(back_populates="units")

    def attribute(self, column: str) -> str | None:
        """The value of a roster column by its header name (built-in or extra)."""
        if column in ("code", "name", "district", "district_code", "district_en", "kind", "contact_email"):
            return getattr(self, column)
        return (self.attributes or {}).get(column)
