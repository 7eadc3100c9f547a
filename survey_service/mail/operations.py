"""Mail batches: who gets an invitation or a reminder, the send in a background thread, retries.

The batch and its deliveries are rows, so progress outlives a page reload. The worker thread has its own app
context and session and commits after every delivery; if the process dies mid-batch, "retry" resumes it.
"""
from __future__ import annotations

import logging
import smtplib
import threading
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import event, exists, func, or_, select, update

from survey_service.audit.operations import record
from survey_service.auth.models import User
from survey_service.extensions import db
from survey_service.mail.models import MailBatch, MailDelivery
from survey_service.mail.sending import SmtpSession, compose
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation, Survey, SurveyState
from survey_service.timestamps import utcnow

log = logging.getLogger(__name__)

KINDS = ("invitation", "reminder")
#: a delivery claimed longer ago than this belongs to a worker that died; another worker may take it over
STALE_CLAIM = timedelta(minutes=5)


class SendRefused(Exception):
    """A batch that may not start; ``reason`` is a code the console words for the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def recipients(survey: Survey, kind: str, only: Invitation | None = None):
    """Invitations that the ``kind`` of e-mail goes to: not yet e-mailed (invitation) or not submitted (reminder);
    ``only`` one centre's, when it is still due one (the centre's page).

    Units without an e-mail address, revoked links and units with the same e-mail still pending are left out.
    """
    still_to_do = Invitation.sent_at.is_(None) if kind == "invitation" else Invitation.submitted_at.is_(None)
    already_pending = exists().where(MailDelivery.invitation_id == Invitation.id, MailDelivery.kind == kind,
                                     MailDelivery.status == "pending")
    query = (select(Invitation.id, RosterUnit.contact_email)
             .join(RosterUnit, Invitation.unit_id == RosterUnit.id)
             .where(Invitation.survey_id == survey.id, Invitation.revoked_at.is_(None), still_to_do,
                    func.coalesce(RosterUnit.contact_email, "") != "", ~already_pending)
             .order_by(RosterUnit.id))
    return query.where(Invitation.id == only.id) if only is not None else query


def recipient_count(survey: Survey, kind: str) -> int:
    return db.session.scalar(select(func.count()).select_from(recipients(survey, kind).subquery()))


def start_batch(survey: Survey, kind: str, user: User, only: Invitation | None = None) -> MailBatch:
    """Log one pending delivery per recipient (``only`` one centre, if given) and send them in the background once
    the request has committed."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of e-mail {kind!r}")
    if survey.state is not SurveyState.open:
        raise SendRefused("survey_not_open")
    rows = db.session.execute(recipients(survey, kind, only)).all()
    if not rows:
        raise SendRefused("no_recipients")
    batch = MailBatch(survey_id=survey.id, kind=kind, created_by_id=user.id, total=len(rows))
    batch.deliveries = [MailDelivery(invitation_id=invitation_id, kind=kind, recipient=email)
                        for invitation_id, email in rows]
    db.session.add(batch)
    db.session.flush()
    record("mail.start", batch, survey=survey.key, kind=kind, recipients=len(rows))
    _send_after_commit(batch.id)
    return batch


def retry_batch(batch: MailBatch) -> int:
    """Resend a batch's failed deliveries and resume its pending ones; returns how many are to go."""
    retried = db.session.execute(
        update(MailDelivery).where(MailDelivery.batch_id == batch.id, MailDelivery.status == "failed")
        .values(status="pending", attempted_at=None).execution_options(synchronize_session=False)).rowcount
    pending = db.session.scalar(select(func.count(MailDelivery.id))
                                .where(MailDelivery.batch_id == batch.id, MailDelivery.status == "pending"))
    if not pending:
        raise SendRefused("nothing_to_retry")
    batch.finished_at = None
    db.session.flush()
    record("mail.retry", batch, survey=batch.survey_id, failed=retried, resumed=pending - retried)
    _send_after_commit(batch.id)
    return pending


def _send_after_commit(batch_id: int) -> None:
    """Start the worker only once the batch is committed, so it sees the rows (and never runs after a rollback)."""
    app = current_app._get_current_object()

    def start(_session):
        threading.Thread(target=run_batch, args=(app, batch_id), name=f"mail-batch-{batch_id}", daemon=True).start()

    event.listen(db.session(), "after_commit", start, once=True)


def run_batch(app: Flask, batch_id: int) -> None:
    """Send a batch's pending deliveries, in a worker thread with its own app context and database session."""
    with app.app_context():
        try:
            _send_pending(db.session.get(MailBatch, batch_id), app.config)
        except Exception:
            log.exception("mail batch %s stopped; its pending deliveries can be resumed by retrying", batch_id)
            db.session.rollback()
        finally:
            db.session.remove()


def _send_pending(batch: MailBatch, config) -> None:
    pending = db.session.scalars(select(MailDelivery.id).where(
        MailDelivery.batch_id == batch.id, MailDelivery.status == "pending").order_by(MailDelivery.id)).all()
    with SmtpSession(config) as smtp:
        for delivery_id in pending:
            delivery = _claim(delivery_id)
            if delivery is not None:
                _deliver(delivery, smtp, config)
                db.session.commit()  # every outcome is progress that a reload shows
    _finish(batch)
    db.session.commit()


def _claim(delivery_id: int) -> MailDelivery | None:
    """Take a pending delivery for this worker; None when another worker has it (a retry clicked while sending)."""
    now = utcnow()
    claimed = db.session.execute(
        update(MailDelivery).where(
            MailDelivery.id == delivery_id, MailDelivery.status == "pending",
            or_(MailDelivery.attempted_at.is_(None), MailDelivery.attempted_at < now - STALE_CLAIM))
        .values(attempted_at=now).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return db.session.get(MailDelivery, delivery_id) if claimed else None


def _deliver(delivery: MailDelivery, smtp: SmtpSession, config) -> None:
    invitation = db.session.get(Invitation, delivery.invitation_id)
    try:
        smtp.send(compose(invitation, delivery.kind, delivery.recipient, config))
    except (smtplib.SMTPException, OSError) as exc:
        delivery.status, delivery.error = "failed", describe_failure(exc)
    else:
        delivery.status, delivery.error = "sent", None
        if delivery.kind == "invitation":
            invitation.sent_at = invitation.sent_at or utcnow()
        else:
            invitation.reminded_at = utcnow()
    delivery.attempted_at = utcnow()


def _finish(batch: MailBatch) -> None:
    """Mark the batch finished and log its outcome, unless another worker still holds some of it."""
    counts = dict(db.session.execute(select(MailDelivery.status, func.count(MailDelivery.id))
                                     .where(MailDelivery.batch_id == batch.id).group_by(MailDelivery.status)).all())
    if counts.get("pending"):
        return
    batch.finished_at = utcnow()
    creator = db.session.get(User, batch.created_by_id) if batch.created_by_id else None
    record("mail.send", batch, actor=creator.email if creator else "system", survey=batch.survey_id,
           kind=batch.kind, sent=counts.get("sent", 0), failed=counts.get("failed", 0))


def describe_failure(exc: Exception) -> str:
    """The SMTP server's refusal (code and text) or the connection error, as the console shows it."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code, text = next(iter(exc.recipients.values()))
        return f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"{exc.smtp_code} {text}"
    return f"{type(exc).__name__}: {exc}"
