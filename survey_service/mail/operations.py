"""Mail batches: who gets an invitation or a reminder, and the send, run as a job on the queue.

Exactly one e-mail per centre per batch, also when a worker is killed mid-batch: before each hand-over the
delivery's attempt is committed, after it the outcome. A resumed batch sends what is still pending, so the one
e-mail whose hand-over was under way when the worker died may go out twice (if the server had taken it) — at most
one repeat per kill — and none is skipped. Deferred e-mails (4xx, server unreachable) wait with a doubling delay;
refused ones (5xx) fail at once. A batch with failures ends failed, never "finished".
"""
from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale, gettext
from sqlalchemy import exists, func, select, update

from survey_service.audit.operations import record
from survey_service.auth.models import User
from survey_service.database import begin_writing
from survey_service.extensions import db
from survey_service.jobs.models import Job
from survey_service.jobs.operations import JobFailed, RunLater, report_progress, resubmit, submit
from survey_service.mail.wording import compose
from survey_service.mail.models import MailBatch, MailDelivery, MailServer, MailTemplate
from survey_service.mail.sending import SmtpSession, classify, new_message, smtp_configured
from survey_service.mail.settings import ROW_ID, encrypt_password, mail_config, saved_server
from survey_service.problems import ReasonedRefusal
from survey_service.responses.models import INVITATION_SUBMITTED
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation, Survey, SurveyState
from survey_service.timestamps import utcnow

KINDS = ("invitation", "reminder")


class SendRefused(ReasonedRefusal):
    """A batch that may not start; ``reason`` is a code the console words for the user."""


def recipients(survey: Survey, kind: str, only: Invitation | None = None):
    """Invitations that the ``kind`` of e-mail goes to: not yet e-mailed (invitation) or not submitted (reminder);
    ``only`` one centre's, when it is still due one (the centre's page).

    Units without an e-mail address, revoked links and units with the same e-mail still pending are left out.
    """
    still_to_do = Invitation.sent_at.is_(None) if kind == "invitation" else ~INVITATION_SUBMITTED
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


def start_batch(survey: Survey, kind: str, user: User | None, only: Invitation | None = None, *,
                actor: str | None = None) -> MailBatch:
    """Log one pending delivery per recipient (``only`` one centre, if given) and queue the batch's job (sent once
    the caller commits)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of e-mail {kind!r}")
    if not smtp_configured(mail_config()):
        raise SendRefused("smtp_not_configured")
    if survey.state is not SurveyState.open:
        raise SendRefused("survey_not_open")
    rows = db.session.execute(recipients(survey, kind, only)).all()
    if not rows:
        raise SendRefused("no_recipients")
    batch = MailBatch(survey_id=survey.id, kind=kind, created_by_id=getattr(user, "id", None), total=len(rows))
    batch.deliveries = [MailDelivery(invitation_id=invitation_id, kind=kind, recipient=email)
                        for invitation_id, email in rows]
    db.session.add(batch)
    db.session.flush()
    batch.job_id = submit("mail_batch", survey_id=survey.id, user=user, params={"batch_id": batch.id},
                          total=len(rows)).id
    record("mail.start", batch, actor=actor, survey=survey.key, kind=kind, recipients=len(rows))
    return batch


def retry_batch(batch: MailBatch) -> int:
    """Send a finished batch's failed deliveries again; returns how many are to go."""
    if not smtp_configured(mail_config()):
        raise SendRefused("smtp_not_configured")
    if batch.finished_at is None:
        raise SendRefused("still_sending")
    retried = db.session.execute(
        update(MailDelivery).where(MailDelivery.batch_id == batch.id, MailDelivery.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=None)
        .execution_options(synchronize_session=False)).rowcount
    if not retried:
        raise SendRefused("nothing_to_retry")
    batch.finished_at = None
    job = db.session.get(Job, batch.job_id) if batch.job_id else None
    if job is None:  # a batch sent before jobs were recorded
        batch.job_id = submit("mail_batch", survey_id=batch.survey_id, params={"batch_id": batch.id},
                              total=batch.total).id
    else:
        resubmit(job)
    record("mail.retry", batch, survey=batch.survey_id, failed=retried)
    return retried


def send_batch(job: Job) -> None:
    """The job: hand the batch's due deliveries to the SMTP server, committing before and after each one."""
    config = mail_config()
    batch = db.session.get(MailBatch, job.params["batch_id"])
    due = db.session.scalars(select(MailDelivery.id).where(
        MailDelivery.batch_id == batch.id, MailDelivery.status == "pending",
        (MailDelivery.next_attempt_at.is_(None)) | (MailDelivery.next_attempt_at <= utcnow()))
        .order_by(MailDelivery.id)).all()
    db.session.rollback()
    with SmtpSession(config) as smtp:
        for position, delivery_id in enumerate(due):
            begin_writing()
            delivery = db.session.get(MailDelivery, delivery_id)
            if delivery.kind == "reminder" and db.session.get(Invitation, delivery.invitation_id).submitted:
                delivery.status = "skipped"  # the centre submitted after the batch started
                db.session.commit()
                continue
            delivery.attempted_at, delivery.attempts = utcnow(), delivery.attempts + 1
            report_progress(job, _settled(batch.id))
            db.session.commit()  # the attempt is on record before the hand-over (see the module docstring)
            failure = _hand_over(delivery, smtp, config)
            if failure is None:
                continue
            begin_writing()
            if failure.whole_server:
                _defer(delivery, failure, config)
                _defer_untried(due[position + 1:], failure, config)
                db.session.commit()
                break
            if failure.transient:
                _defer(delivery, failure, config)
            else:
                _fail(delivery, failure)
            db.session.commit()
    _conclude(job, batch, config)


def _hand_over(delivery: MailDelivery, smtp: SmtpSession, config):
    invitation = db.session.get(Invitation, delivery.invitation_id)
    message = compose(invitation, delivery.kind, delivery.recipient, config)
    db.session.rollback()  # no transaction stays open while the SMTP server takes its time
    try:
        smtp.send(message)
    except Exception as exc:
        return classify(exc)
    begin_writing()
    delivery = db.session.get(MailDelivery, delivery.id)
    invitation = db.session.get(Invitation, delivery.invitation_id)
    delivery.status, delivery.error, delivery.error_reason, delivery.next_attempt_at = "sent", None, None, None
    if delivery.kind == "invitation":
        invitation.sent_at = invitation.sent_at or utcnow()
    else:
        invitation.reminded_at = utcnow()
    db.session.commit()
    return None


def _defer(delivery: MailDelivery, failure, config) -> None:
    """Try again after a doubling delay; after the last try, the delivery has failed."""
    delivery = db.session.get(MailDelivery, delivery.id)
    if delivery.attempts >= config["MAIL_MAX_ATTEMPTS"]:
        _fail(delivery, failure)
        return
    delivery.error, delivery.error_reason = failure.raw, failure.reason
    delivery.next_attempt_at = utcnow() + timedelta(
        seconds=config["MAIL_RETRY_SECONDS"] * 2 ** (delivery.attempts - 1))


def _defer_untried(delivery_ids, failure, config) -> None:
    """The server is unreachable: the deliveries not tried in this pass count the try as theirs too and wait as
    long, so a server that stays down fails the whole batch after ``MAIL_MAX_ATTEMPTS`` passes, not one by one."""
    for delivery_id in delivery_ids:
        delivery = db.session.get(MailDelivery, delivery_id)
        delivery.attempts += 1
        _defer(delivery, failure, config)


def _fail(delivery: MailDelivery, failure) -> None:
    delivery = db.session.get(MailDelivery, delivery.id)
    delivery.status, delivery.error, delivery.error_reason = "failed", failure.raw, failure.reason
    delivery.next_attempt_at = None


def _settled(batch_id: int) -> int:
    return db.session.scalar(select(func.count(MailDelivery.id)).where(
        MailDelivery.batch_id == batch_id, MailDelivery.status != "pending"))


def _conclude(job: Job, batch: MailBatch, config) -> None:
    """Wait for the deferred deliveries, or finish the batch: done when all were accepted, failed otherwise."""
    begin_writing()
    job, batch = db.session.get(Job, job.id), db.session.get(MailBatch, batch.id)
    counts = dict(db.session.execute(select(MailDelivery.status, func.count(MailDelivery.id))
                                     .where(MailDelivery.batch_id == batch.id).group_by(MailDelivery.status)).all())
    report_progress(job, counts.get("sent", 0) + counts.get("failed", 0) + counts.get("skipped", 0))
    if counts.get("pending"):
        next_try = db.session.scalar(select(func.min(MailDelivery.next_attempt_at)).where(
            MailDelivery.batch_id == batch.id, MailDelivery.status == "pending")) or utcnow()
        db.session.commit()
        raise RunLater(next_try, f"{counts['pending']} e-mails wait to be tried again")
    batch.finished_at = utcnow()
    creator = db.session.get(User, batch.created_by_id) if batch.created_by_id else None
    record("mail.send", batch, actor=creator.email if creator else "schedule", survey=batch.survey_id,
           kind=batch.kind, sent=counts.get("sent", 0), failed=counts.get("failed", 0),
           skipped=counts.get("skipped", 0))
    db.session.commit()
    if counts.get("failed"):
        raise JobFailed(f"{counts['failed']} of {batch.total} e-mails were not accepted")


def send_test_message(recipient: str) -> tuple[list[str], object | None]:
    """Send one test message now; returns the server's answers step by step and the failure, if any."""
    config = mail_config()
    if not smtp_configured(config):
        raise SendRefused("smtp_not_configured")
    with force_locale("zh"):
        message = new_message(gettext("Test message from the satisfaction survey service"),
                              gettext("This message shows that the survey service can hand e-mail to its mail "
                                      "server. No reply is needed."), None, recipient, config)
    answers: list[str] = []
    try:
        SmtpSession(config).transcript(message, answers)
    except Exception as exc:
        failure = classify(exc)
        if failure.raw not in answers:
            answers.append(failure.raw)
    else:
        failure = None
    record("mail.test", None, recipient=recipient, accepted=failure is None,
           answer=answers[-1] if answers else None)
    return answers, failure


def save_template(survey: Survey, kind: str, subject: str, body: str, user: User) -> MailTemplate:
    """Keep a survey's own wording of ``kind``; the caller has checked it with ``wording.problems``."""
    template = db.session.scalar(select(MailTemplate).filter_by(survey_id=survey.id, kind=kind))
    if template is None:
        template = MailTemplate(survey_id=survey.id, kind=kind)
        db.session.add(template)
    template.subject, template.body = subject.strip(), body.replace("\r\n", "\n")
    template.updated_at, template.updated_by_id = utcnow(), user.id
    db.session.flush()
    record("mail.template", survey, kind=kind)
    return template


def reset_template(survey: Survey, kind: str) -> None:
    """Go back to the official wording of ``kind``."""
    template = db.session.scalar(select(MailTemplate).filter_by(survey_id=survey.id, kind=kind))
    if template is not None:
        db.session.delete(template)
        db.session.flush()
        record("mail.template_reset", survey, kind=kind)


def save_mail_server(*, host: str, port: int, security: str, username: str | None, password: str | None,
                     sender_address: str, sender_name: str | None, user: User) -> MailServer:
    """Keep the mail server an administrator entered. A blank ``password`` keeps the saved one; no user name
    means no signing in, so the password goes too. Audited without the password."""
    server = saved_server()
    if server is None:
        server = MailServer(id=ROW_ID)
        db.session.add(server)
    server.host, server.port, server.security = host.strip(), port, security
    server.username = (username or "").strip() or None
    if server.username is None:
        server.password_encrypted = None
    elif password:
        server.password_encrypted = encrypt_password(password)
    server.sender_address, server.sender_name = sender_address.strip(), (sender_name or "").strip() or None
    server.updated_at, server.updated_by_id = utcnow(), user.id
    db.session.flush()
    record("mail.settings", None, host=server.host, port=port, security=security, user=server.username,
           sender=server.sender_address, sender_name=server.sender_name,
           password="changed" if password and server.username else "unchanged" if server.password_encrypted
           else "none")
    return server
