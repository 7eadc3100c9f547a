from __future__ import annotations

from flask import has_request_context
from flask_login import current_user

from survey_service.audit.models import AuditEvent
from survey_service.database import write_after_response
from survey_service.extensions import db


def record(action: str, obj=None, *, actor: str | None = None, **details) -> AuditEvent:
    """Append an audit entry; the actor is the logged-in user unless given (``cli``, ``centre:CODE``)."""
    event = _event(action, obj, actor, details)
    db.session.add(event)
    return event


def record_download(action: str, obj=None, **details) -> None:
    """Audit a download, which changes nothing: the entry is written once the file is made and only if it was,
    in a short transaction of its own (``write_after_response``), so rendering never holds the write lock."""
    event = _event(action, obj, None, details)
    write_after_response(lambda: db.session.add(event))


def _event(action: str, obj, actor: str | None, details: dict) -> AuditEvent:
    user = current_user if has_request_context() and current_user.is_authenticated else None
    return AuditEvent(
        actor_id=user.id if user is not None else None,
        actor=actor or (user.email if user is not None else "system"),
        action=action,
        object_type=obj.__tablename__ if obj is not None else None,
        object_id=str(getattr(obj, "key", None) or getattr(obj, "id", None)) if obj is not None else None,
        details=details,
    )
