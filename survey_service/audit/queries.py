"""What the audit log page reads: plain rows, newest first."""
from __future__ import annotations

from sqlalchemy import Select, select

from survey_service.audit.models import AuditEvent
from survey_service.extensions import db


def audit_query(action: str | None = None) -> Select:
    """The audit log, newest first, optionally one action only."""
    query = select(AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.object_type,
                   AuditEvent.object_id, AuditEvent.details).order_by(AuditEvent.id.desc())
    return query.where(AuditEvent.action == action) if action else query


def audit_actions() -> list[str]:
    return db.session.scalars(select(AuditEvent.action).group_by(AuditEvent.action).order_by(AuditEvent.action)).all()
