from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_service.extensions import db
from survey_service.timestamps import UTCDateTime, utcnow


class MailBatch(db.Model):
    """One send of invitations or reminders to many units; its progress outlives a page reload."""

    __tablename__ = "mail_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    #: invitation | reminder
    kind: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total: Mapped[int] = mapped_column(default=0)
    #: the job that sends it (its state and heartbeat are the batch's)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"), index=True)

    deliveries: Mapped[list[MailDelivery]] = relationship(back_populates="batch")


class MailDelivery(db.Model):
    """One e-mail to one invitation's contact, with its outcome."""

    __tablename__ = "mail_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("mail_batches.id", ondelete="SET NULL"), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), index=True)
    #: invitation | reminder
    kind: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(254))
    #: pending | sent | failed | skipped (a reminder to a centre that submitted before its turn came)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    #: the SMTP server's answer or the connection error, word for word (the details under the explanation)
    error: Mapped[str | None] = mapped_column(Text)
    #: why it failed, a key of survey_service.mail.sending.REASONS (explained in the reader's language)
    error_reason: Mapped[str | None] = mapped_column(String(30))
    #: the latest hand-over began (committed before it, so a resumed batch knows the e-mail may have gone)
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: tries so far: hand-overs begun, or held back in a pass where the server could not be reached
    attempts: Mapped[int] = mapped_column(default=0)
    #: a deferred delivery (4xx, server unreachable) waits until then
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    batch: Mapped[MailBatch | None] = relationship(back_populates="deliveries")


class MailTemplate(db.Model):
    """A survey's own wording of one kind of e-mail (without one, the official default is sent)."""

    __tablename__ = "mail_templates"
    __table_args__ = (UniqueConstraint("survey_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    #: invitation | reminder
    kind: Mapped[str] = mapped_column(String(20))
    #: one line, with placeholders (survey_service.mail.wording.PLACEHOLDERS)
    subject: Mapped[str] = mapped_column(String(300))
    #: plain text with placeholders; must contain {link}
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ReminderRule(db.Model):
    """A scheduled reminder of a survey: so many days before it closes, at a time of day (Beijing time).

    The moment is worked out from the survey's closing time whenever the clock loop looks, so moving the closing
    time (or reopening with a new one) moves the reminders with it.
    """

    __tablename__ = "reminder_rules"
    __table_args__ = (UniqueConstraint("survey_id", "days_before", "at_time"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    #: 0 is the closing day itself (e.g. its morning)
    days_before: Mapped[int] = mapped_column()
    #: "09:00", in China Standard Time
    at_time: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReminderRun(db.Model):
    """A scheduled reminder that came due, recorded once (the unique key stops a second clock loop)."""

    __tablename__ = "reminder_runs"
    __table_args__ = (UniqueConstraint("rule_id", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("reminder_rules.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: sent (a batch started) | no_recipients (everyone had submitted) | missed (a later reminder was due too)
    #: | smtp_not_configured
    outcome: Mapped[str] = mapped_column(String(30))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("mail_batches.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailServer(db.Model):
    """The mail server an administrator set in the console (one row); used while the environment names none
    (``SMTP_HOST`` unset), see mail/settings.py."""

    __tablename__ = "mail_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(default=25)
    #: none | starttls | ssl (as SMTP_TLS)
    security: Mapped[str] = mapped_column(String(10), default="none")
    #: the SMTP user name; none: the server takes mail without signing in
    username: Mapped[str | None] = mapped_column(String(255))
    #: the password, Fernet-encrypted with a key derived from SECRET_KEY; never shown back
    password_encrypted: Mapped[str | None] = mapped_column(Text)
    #: the sender address (发件人地址) of every e-mail
    sender_address: Mapped[str] = mapped_column(String(254))
    #: the sender's display name (发件人名称), e.g. the evaluation office
    sender_name: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
