from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
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
    #: pending | sent | failed
    status: Mapped[str] = mapped_column(String(10), default="pending")
    #: the SMTP server's refusal or the connection error, shown in the console
    error: Mapped[str | None] = mapped_column(Text)
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    batch: Mapped[MailBatch | None] = relationship(back_populates="deliveries")
