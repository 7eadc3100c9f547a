"""Writes of the questionnaire page other than answers (those are ``responses.operations.save_answers``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from survey_service.database import write_at_once
from survey_service.extensions import db
from survey_service.respond.openings import pending_openings
from survey_service.surveys.models import Invitation
from survey_service.timestamps import utcnow


def record_opening(invitation: Invitation, now: datetime | None = None) -> None:
    """Note the first time the centre opened its link (the console's "opened" column).

    Only the first opening writes: the page itself, and every later GET of the link (the receipt after submitting,
    a return to a draft), stay reads. On SQLite the opening is noted in the process and written with others in a
    batch (``respond.openings``), so the page never waits for the write lock; on PostgreSQL the link's look-up
    noted it already (``respond.queries.find_invitation``), or else one statement commits it at once
    (``write_at_once``). The time is a fact about the link, moving no figure; the first of two racing openings
    keeps it.
    """
    if invitation.opened_at is not None:
        return
    now = now or utcnow()
    if db.engine.dialect.name == "sqlite":
        pending_openings().note(invitation.id, now)
    else:
        write_at_once(update(Invitation.__table__)
                      .where(Invitation.id == invitation.id, Invitation.opened_at.is_(None)).values(opened_at=now))
    set_committed_value(invitation, "opened_at", now)
