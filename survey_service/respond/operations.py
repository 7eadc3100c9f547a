"""Writes of the questionnaire page other than answers (those are ``responses.operations.save_answers``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from survey_service.database import write_at_once
from survey_service.surveys.models import Invitation
from survey_service.timestamps import utcnow


def record_opening(invitation: Invitation, now: datetime | None = None) -> None:
    """Note the first time the centre opened its link (the console's "opened" column).

    Only the first opening writes, in one statement committed at once (``write_at_once``): the page itself, and
    every later GET of the link (the receipt after submitting, a return to a draft), stay reads, which on SQLite
    never wait for the write lock. The time is a fact about the link, moving no figure, and no one was told it was
    saved, so on SQLite its commit does not wait for the disk; the first of two racing openings keeps it.
    """
    if invitation.opened_at is not None:
        return
    now = now or utcnow()
    write_at_once(update(Invitation.__table__).where(Invitation.id == invitation.id, Invitation.opened_at.is_(None))
                  .values(opened_at=now))
    set_committed_value(invitation, "opened_at", now)
