"""The worker's clock loop: what Dramatiq has no scheduler for.

Every ``JOBS_CLOCK_SECONDS`` it sends again the jobs whose message may have been lost and starts the reminders
that have come due. It runs in every worker process (and in the web process on the embedded default); two loops
doing the same tick is harmless, because both actions are guarded by the database (a job is claimed once, a
reminder is recorded once).

The time it goes by is :func:`now`, which tests replace to move the calendar forward.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime

from flask import Flask, current_app

from survey_service.extensions import db
from survey_service.timestamps import utcnow

log = logging.getLogger(__name__)


def now() -> datetime:
    """The scheduler's time: the wall clock, or the function a test put in ``app.extensions["clock"]``."""
    clock = current_app.extensions.get("clock")
    return clock() if clock is not None else utcnow()


def tick() -> None:
    """One round of the clock loop (inside an app context)."""
    from survey_service.jobs.operations import recover_jobs
    from survey_service.mail.schedule import start_due_reminders

    for step in (recover_jobs, start_due_reminders):
        try:
            step()
        except Exception:  # a database or queue outage: try again next tick
            db.session.rollback()
            log.exception("clock loop: %s failed", step.__name__)


class ClockLoop(threading.Thread):
    def __init__(self, app: Flask):
        super().__init__(name="survey-service-clock", daemon=True)
        self.app = app
        self.interval = float(app.config["JOBS_CLOCK_SECONDS"])
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.is_set():
            with self.app.app_context():
                try:
                    tick()
                finally:
                    db.session.remove()
            self._stopped.wait(self.interval)

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=10)
