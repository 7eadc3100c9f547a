"""Writes of the questionnaire page other than answers (those are ``responses.operations.save_answers``)."""
from __future__ import annotations

from datetime import datetime

from survey_service.surveys.models import Invitation
from survey_service.timestamps import utcnow


def record_opening(invitation: Invitation, now: datetime | None = None) -> None:
    """Note the first time the centre opened its link (the console's "opened" column)."""
    if invitation.opened_at is None:
        invitation.opened_at = now or utcnow()
