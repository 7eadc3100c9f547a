from __future__ import annotations

from sqlalchemy import func, select

from survey_service.extensions import db
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation, Survey

INVITATION_COLUMNS = ("code", "name", "district", "contact_email", "link")


def survey_by_key(key: str) -> Survey:
    return db.first_or_404(select(Survey).filter_by(key=key))


def survey_districts(survey_id: int) -> list[str]:
    """The districts of a survey's centres, in roster order."""
    return db.session.scalars(
        select(RosterUnit.district).join(Invitation, Invitation.unit_id == RosterUnit.id)
        .where(Invitation.survey_id == survey_id).group_by(RosterUnit.district)
        .order_by(func.min(RosterUnit.id))).all()


def invitation_rows(survey: Survey, base_url: str) -> list[tuple]:
    """The invitation list: one row per unit with its personal link, in roster order."""
    rows = db.session.execute(
        select(RosterUnit.code, RosterUnit.name, RosterUnit.district, RosterUnit.contact_email, Invitation.token)
        .join(Invitation, Invitation.unit_id == RosterUnit.id)
        .where(Invitation.survey_id == survey.id, Invitation.revoked_at.is_(None))
        .order_by(RosterUnit.id))
    return [(code, name, district, email or "", f"{base_url}/s/{token}")
            for code, name, district, email, token in rows]
