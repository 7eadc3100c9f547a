"""Submitting and running jobs. The invariant: a job runs in at most one worker at a time, and runs until done.

A message on the queue only says "look at job N"; :func:`run_job` claims the job with a conditional UPDATE
(queued and due, or running with a heartbeat older than ``JOB_STALE_SECONDS``), so duplicates are no-ops and
the job of a killed worker is taken over once its heartbeat is old. Handlers report progress through
:func:`report_progress`, which is also the heartbeat, and commit their own records as they go so that a run that
is cut short resumes where it stopped.
"""
from __future__ import annotations

import importlib
import logging
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import and_, event, func, or_, select, update

from survey_service.database import begin_writing, is_unavailable
from survey_service.extensions import db
from survey_service.jobs.models import Job, JobState
from survey_service.jobs.queue import job_queue
from survey_service.timestamps import utcnow

log = logging.getLogger(__name__)

#: what runs each kind of job: "module:function", the function taking the Job
HANDLERS = {
    "mail_batch": "survey_service.mail.operations:send_batch",
    "report": "survey_service.report.builds:build_report",
    "response_import": "survey_service.responses.importing:run_import",
}
#: runs of a job that end in an unexpected error before it counts as failed
MAX_ATTEMPTS = 3


class RunLater(Exception):
    """Raised by a handler: not finished, run again at ``at`` (e.g. after an SMTP server's 4xx)."""

    def __init__(self, at: datetime, summary: str):
        super().__init__(summary)
        self.at, self.summary = at, summary


class JobFailed(Exception):
    """Raised by a handler that has finished but did not succeed; ``summary`` is shown on the jobs page."""

    def __init__(self, summary: str):
        super().__init__(summary)
        self.summary = summary


def submit(kind: str, *, survey_id: int | None = None, user=None, params: dict | None = None,
           total: int = 0) -> Job:
    """Record a job and put it on the queue once the caller's transaction has committed."""
    if kind not in HANDLERS:
        raise ValueError(f"unknown kind of job {kind!r}")
    job = Job(kind=kind, survey_id=survey_id, params=params or {}, total=total, enqueued_at=utcnow(),
              created_by_id=getattr(user, "id", None))
    db.session.add(job)
    db.session.flush()
    _send_after_commit(job.id)
    return job


def resubmit(job: Job) -> None:
    """Queue a finished job again (a retry of a mail batch's failures)."""
    job.state, job.error, job.finished_at, job.not_before, job.attempts = JobState.queued, None, None, None, 0
    job.enqueued_at = utcnow()
    db.session.flush()
    _send_after_commit(job.id)


def _send_after_commit(job_id: int) -> None:
    """Ring the doorbell only once the job is committed, so the worker finds it (and never after a rollback)."""
    queue = job_queue()
    event.listen(db.session(), "after_commit", lambda _session: queue.send(job_id), once=True)


def report_progress(job: Job, done: int) -> None:
    """Progress for the jobs page (``done`` of the job's ``total``), and the heartbeat that tells the clock loop
    this worker is alive."""
    job.done = done
    job.heartbeat_at = utcnow()


def run_job(app: Flask, job_id: int) -> None:
    """Claim job ``job_id`` and run its handler; what the queue's actor does with each message."""
    with app.app_context():
        try:
            job = _claim(job_id)
            if job is not None:
                _run_claimed(job)
        except Exception as exc:
            db.session.rollback()
            if is_unavailable(exc):
                raise  # the database is away: the queue retries the message with backoff
            log.exception("job %s could not be run", job_id)
        finally:
            db.session.remove()


def _run_claimed(job: Job) -> None:
    """Run the handler; it commits its own records as it goes, the job's outcome is committed here after them."""
    job_id = job.id
    try:
        _handler(job.kind)(job)
        db.session.commit()
    except RunLater as later:
        db.session.rollback()
        _requeue(job_id, later.at, later.summary)
    except JobFailed as failed:
        db.session.rollback()
        _finish(job_id, JobState.failed, failed.summary)
    except Exception as exc:
        db.session.rollback()
        if is_unavailable(exc):
            raise
        log.exception("job %s (%s) stopped", job_id, job.kind)
        attempts = db.session.scalar(select(Job.attempts).where(Job.id == job_id))
        db.session.rollback()
        summary = f"{type(exc).__name__}: {exc}"[:500]
        if attempts < MAX_ATTEMPTS:
            _requeue(job_id, utcnow() + timedelta(seconds=30 * 2 ** attempts), summary)
        else:
            _finish(job_id, JobState.failed, summary)
    else:
        _finish(job_id, JobState.done, None)


def _handler(kind: str):
    module, _, name = HANDLERS[kind].partition(":")
    return getattr(importlib.import_module(module), name)


def _claim(job_id: int) -> Job | None:
    """Take the job for this worker: queued and due, or running in a worker whose heartbeat stopped."""
    begin_writing()
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, or_(
            and_(Job.state == JobState.queued, or_(Job.not_before.is_(None), Job.not_before <= now)),
            and_(Job.state == JobState.running, Job.heartbeat_at < stale)))
        .values(state=JobState.running, heartbeat_at=now, started_at=func.coalesce(Job.started_at, now),
                attempts=Job.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return db.session.get(Job, job_id) if claimed else None


def _requeue(job_id: int, at: datetime, summary: str) -> None:
    begin_writing()
    job = db.session.get(Job, job_id)
    job.state, job.not_before, job.error, job.enqueued_at = JobState.queued, at, summary, utcnow()
    db.session.commit()
    job_queue().send(job_id, delay_ms=max(0, int((at - utcnow()).total_seconds() * 1000)))


def _finish(job_id: int, state: JobState, error: str | None) -> None:
    begin_writing()
    job = db.session.get(Job, job_id)
    job.state, job.error, job.finished_at, job.not_before = state, error, utcnow(), None
    db.session.commit()


def recover_jobs() -> int:
    """Send again the jobs whose message may be lost: queued and due but not sent lately (Redis was down, the
    process holding the in-process queue restarted), or running in a worker whose heartbeat stopped."""
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])
    ids = db.session.scalars(select(Job.id).where(
        or_(Job.enqueued_at.is_(None), Job.enqueued_at < stale),
        or_(and_(Job.state == JobState.queued, or_(Job.not_before.is_(None), Job.not_before <= now)),
            and_(Job.state == JobState.running, Job.heartbeat_at < stale)))
        .order_by(Job.id)).all()
    db.session.rollback()
    sent = [job_id for job_id in ids if job_queue().send(job_id)]
    if sent:
        begin_writing()
        db.session.execute(update(Job).where(Job.id.in_(sent)).values(enqueued_at=now)
                           .execution_options(synchronize_session=False))
        db.session.commit()
    return len(sent)
