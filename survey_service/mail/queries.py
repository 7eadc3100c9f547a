"""Mail log read-outs for the console: batch progress and failed deliveries, as plain rows."""
from __future__ import annotations

from sqlalchemy import case, func, select

from survey_service.extensions import db
from survey_service.mail.models import MailBatch, MailDelivery
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation


def _status_count(status: str):
    return func.coalesce(func.sum(case((MailDelivery.status == status, 1), else_=0)), 0)


def batch_rows(survey_id: int) -> list:
    """Every batch of a survey, newest first, with its sent / failed / pending counts."""
    return db.session.execute(
        select(MailBatch.id, MailBatch.kind, MailBatch.created_at, MailBatch.finished_at, MailBatch.total,
               _status_count("sent").label("sent"), _status_count("failed").label("failed"),
               _status_count("pending").label("pending"))
        .outerjoin(MailDelivery, MailDelivery.batch_id == MailBatch.id)
        .where(MailBatch.survey_id == survey_id)
        .group_by(MailBatch.id).order_by(MailBatch.id.desc())).all()


def batch_progress(batch: MailBatch) -> dict:
    """What the progress page polls: counts by outcome and whether the batch has finished."""
    counts = dict(db.session.execute(select(MailDelivery.status, func.count(MailDelivery.id))
                                     .where(MailDelivery.batch_id == batch.id).group_by(MailDelivery.status)).all())
    return {"id": batch.id, "kind": batch.kind, "total": batch.total, "sent": counts.get("sent", 0),
            "failed": counts.get("failed", 0), "pending": counts.get("pending", 0),
            "finished": batch.finished_at is not None}


def failed_deliveries(batch_id: int) -> list:
    """The deliveries of a batch that the SMTP server refused or could not take, with the centre they were for."""
    return db.session.execute(
        select(RosterUnit.code, RosterUnit.name, RosterUnit.district, MailDelivery.recipient, MailDelivery.error,
               MailDelivery.attempted_at)
        .join(Invitation, MailDelivery.invitation_id == Invitation.id)
        .join(RosterUnit, Invitation.unit_id == RosterUnit.id)
        .where(MailDelivery.batch_id == batch_id, MailDelivery.status == "failed")
        .order_by(RosterUnit.id)).all()


def units_without_email(survey_id: int) -> int:
    """Centres that no e-mail can reach: their roster row has no contact address."""
    return db.session.scalar(
        select(func.count(Invitation.id)).join(RosterUnit, Invitation.unit_id == RosterUnit.id)
        .where(Invitation.survey_id == survey_id, Invitation.revoked_at.is_(None),
               func.coalesce(RosterUnit.contact_email, "") == ""))
