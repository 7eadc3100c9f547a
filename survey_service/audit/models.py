from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column

from survey_service.extensions import db
from survey_service.timestamps import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """One entry of the audit log (审计日志). Rows are only ever inserted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: the console user; null for the CLI, a centre or the system
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: who acted, readable even without a user: an e-mail, ``cli``, ``centre:310101002``
    actor: Mapped[str] = mapped_column(String(300))
    #: dotted verb, e.g. ``survey.open``, ``response.validity``, ``roster.import``
    action: Mapped[str] = mapped_column(String(100), index=True)
    object_type: Mapped[str | None] = mapped_column(String(50))
    object_id: Mapped[str | None] = mapped_column(String(100))
    #: what changed (before/after) or what was done
    details: Mapped[dict] = mapped_column(JSON, default=dict)


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_changes(mapper, connection, target):
    raise PermissionError("the audit log is append-only")
