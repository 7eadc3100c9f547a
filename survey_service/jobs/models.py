"""The jobs table: the one record of every piece of background work, whatever queue carries it."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from survey_service.extensions import db
from survey_service.timestamps import UTCDateTime, utcnow


class JobState(enum.Enum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class Job(db.Model):
    """Work slower than a page (a mail batch, a report build), run by a worker.

    The row, not the queue's message, is the truth: a message only says "look at job N". A worker claims the job
    by a conditional UPDATE, beats its heart while it works and writes the outcome here, so a job whose worker was
    killed is found again (its heartbeat is old) and a message delivered twice runs the job once.
    """

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what to run: a name in survey_service.jobs.operations.HANDLERS (mail_batch, report, ...)
    kind: Mapped[str] = mapped_column(String(30))
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    state: Mapped[JobState] = mapped_column(
        Enum(JobState, name="job_state", native_enum=False, length=10), default=JobState.queued, index=True)
    #: the handler's arguments (ids and names only, never secrets)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: progress as the handler reports it: ``done`` of ``total`` units of work
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    #: why the job failed or is waiting to try again, in a few words (details stay with the job's own records)
    error: Mapped[str | None] = mapped_column(Text)
    #: runs so far (a run cut short by a killed worker counts too)
    attempts: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when a message for the job last reached the queue (None: never, e.g. Redis was down)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: a queued job waits until then (a retry's backoff)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: last sign of life of the worker running it; an old heartbeat means that worker is gone
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
