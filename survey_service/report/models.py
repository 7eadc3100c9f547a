"""Built report documents, kept per survey data state so that an unchanged survey is never built twice."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey_service.extensions import db
from survey_service.timestamps import UTCDateTime, utcnow


class ReportFile(db.Model):
    """One built document (PDF, DOCX …) of a survey, for one data state and language."""

    __tablename__ = "report_files"
    __table_args__ = (UniqueConstraint("survey_id", "format", "language", "data_state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    #: a key of survey_service.report.builds.BUILDERS
    format: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(5))
    #: survey_service.report.builds.state_key of the data it was built from
    data_state: Mapped[str] = mapped_column(String(32))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
