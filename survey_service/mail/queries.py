"""Mail log read-outs for the console: batch progress and failed deliveries, as plain rows."""
from __future__ import annotations

from sqlalchemy import and_, case, func, select

from survey_service.extensions import db
from survey_service.jobs.models import Job
from survey_service.mail.models import MailBatch, MailDelivery
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation


def _status_count(status: str):
    return func.coalesce(func.sum(case((MailDelivery.status == status, 1), else_=0)), 0)


def batch_rows(survey_id: int) -> list:
    """Every batch of a survey, newest first, with its sent / failed / pending counts and its job's state."""
    return db.session.execute(
        select(MailBatch.id, MailBatch.kind, MailBatch.created_at, MailBatch.finished_at, MailBatch.total,
               Job.state.label("state"),
               _status_count("sent").label("sent"), _status_count("failed").label("failed"),
               _status_count("pending").label("pending"))
        .outerjoin(MailDelivery, MailDelivery.batch_id == MailBatch.id)
        .outerjoin(Job, Job.id == MailBatch.job_id)
        .where(MailBatch.survey_id == survey_id)
        .group_by(MailBatch.id, Job.state).order_by(MailBatch.id.desc())).all()


def batch_progress(batch: MailBatch) -> dict:
    """What the progress page polls: counts by outcome, the job's state and when deferred e-mails are retried.

    ``state`` is the batch's: queued, running, waiting (deferred e-mails), done (all accepted) or failed.
    """
    counts = dict(db.session.execute(select(MailDelivery.status, func.count(MailDelivery.id))
                                     .where(MailDelivery.batch_id == batch.id).group_by(MailDelivery.status)).all())
    job = db.session.get(Job, batch.job_id) if batch.job_id else None
    state = job.state.value if job is not None else ("done" if batch.finished_at else "queued")
    next_try = None
    if state == "queued" and job.not_before is not None and batch.finished_at is None:
        state, next_try = "waiting", job.not_before.isoformat()
    return {"id": batch.id, "kind": batch.kind, "total": batch.total, "sent": counts.get("sent", 0),
            "failed": counts.get("failed", 0), "pending": counts.get("pending", 0),
            "skipped": counts.get("skipped", 0), "state": state,
            "next_try": next_try, "finished": state in ("done", "failed")}


def failed_deliveries(batch_id: int) -> list:
    """The deliveries of a batch that the SMTP server refused or could not take, with the centre they were for."""
    return db.session.execute(
        select(RosterUnit.code, RosterUnit.name, RosterUnit.district, MailDelivery.recipient, MailDelivery.error,
               MailDelivery.error_reason, MailDelivery.attempts, MailDelivery.attempted_at)
        .join(Invitation, MailDelivery.invitation_id == Invitation.id)
        .join(RosterUnit, Invitation.unit_id == RosterUnit.id)
        .where(MailDelivery.batch_id == batch_id, MailDelivery.status == "failed")
        .order_by(RosterUnit.id)).all()


def failing_addresses(survey_id: int) -> list:
    """Centres whose current roster address the server refused and that no e-mail of this survey has reached
    since: the addresses to correct in the roster."""
    delivered = (select(MailDelivery.invitation_id)
                 .where(MailDelivery.status == "sent").scalar_subquery())
    return db.session.execute(
        select(RosterUnit.code, RosterUnit.name, RosterUnit.district, RosterUnit.contact_email,
               func.count(MailDelivery.id).label("failures"), func.max(MailDelivery.error).label("error"),
               func.max(MailDelivery.error_reason).label("error_reason"))
        .join(Invitation, MailDelivery.invitation_id == Invitation.id)
        .join(RosterUnit, and_(Invitation.unit_id == RosterUnit.id,
                               RosterUnit.contact_email == MailDelivery.recipient))
        .where(Invitation.survey_id == survey_id, MailDelivery.status == "failed",
               MailDelivery.invitation_id.not_in(delivered))
        .group_by(RosterUnit.id, RosterUnit.code, RosterUnit.name, RosterUnit.district, RosterUnit.contact_email)
        .order_by(RosterUnit.id)).all()


def units_without_email(survey_id: int) -> int:
    """Centres that no e-mail can reach: their roster row has no contact address."""
    return db.session.scalar(
        select(func.count(Invitation.id)).join(RosterUnit, Invitation.unit_id == RosterUnit.id)
        .where(Invitation.survey_id == survey_id, Invitation.revoked_at.is_(None),
               func.coalesce(RosterUnit.contact_email, "") == ""))
