"""The job queue: Dramatiq on Redis when ``REDIS_URL`` is set, the same actor on an in-process broker otherwise.

Why Dramatiq (over RQ and Celery):

- **Acknowledged only when done.** Its Redis broker moves a message into the worker's own "in progress" set and
  removes it only after the actor returns; the messages of a worker that stops beating its heart (SIGKILL, a lost
  machine) go back on the queue. RQ records a killed job as failed and needs someone to requeue it; Celery needs
  ``acks_late`` plus ``reject_on_worker_lost`` and then redelivers only after the Redis visibility timeout.
- **Retries with backoff** (exponential, with jitter) are built in, as is a delay on any message.
- **An in-process mode**: the same actor runs on Dramatiq's in-memory broker and its ``Worker`` runs as threads
  inside the web process, so the embedded default (SQLite, no Redis) needs no second program and no second code
  path. RQ's synchronous mode runs jobs inside the request, Celery's eager mode likewise.
- It is small (no result backend, no beat process to configure) and well kept.

Dramatiq has no clock of its own; the worker's clock loop (:mod:`survey_service.jobs.clock`) plays that part.

The queue is only a doorbell: a message carries a job's id, the ``jobs`` table holds its state, and running a job
starts with a conditional UPDATE that only one worker wins (:func:`survey_service.jobs.operations.run_job`). So a
message delivered twice, or sent again by the clock loop after Redis came back, runs the job once.
"""
from __future__ import annotations

import logging
import threading

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import TimeLimit
from flask import Flask, current_app

log = logging.getLogger(__name__)

#: a mail batch or a report build may take a while; the job records its own progress and retries
TIME_LIMIT_MS = 60 * 60 * 1000
#: Redis: a worker silent this long is taken for dead and its message goes back on the queue
HEARTBEAT_TIMEOUT_MS = 30_000
#: Redis: out of a million broker commands, how many also requeue dead workers' messages (about one fetch in 20)
MAINTENANCE_CHANCE = 50_000


class JobQueue:
    """The broker and the one actor ("run job N") of an app."""

    def __init__(self, app: Flask):
        self.app = app
        self.redis_url = app.config.get("REDIS_URL")
        self.queue_name = app.config["JOBS_QUEUE"]
        if self.redis_url:
            from dramatiq.brokers.redis import RedisBroker

            self.broker = RedisBroker(url=self.redis_url, namespace=app.config["JOBS_QUEUE"],
                                      heartbeat_timeout=HEARTBEAT_TIMEOUT_MS, maintenance_chance=MAINTENANCE_CHANCE,
                                      socket_timeout=5, socket_connect_timeout=2)
        else:
            self.broker = StubBroker()
            self.broker.emit_after("process_boot")
        self.actor = dramatiq.actor(self._run, broker=self.broker, actor_name="run_job", queue_name=self.queue_name,
                                    time_limit=TIME_LIMIT_MS, max_retries=5, min_backoff=5_000, max_backoff=300_000)
        self._worker: dramatiq.Worker | None = None
        self._clock = None
        self._lock = threading.Lock()

    @property
    def embedded(self) -> bool:
        """No Redis: the web process runs the jobs itself."""
        return not self.redis_url

    @property
    def consuming(self) -> bool:
        """Whether this process runs jobs (its worker threads are started)."""
        return self._worker is not None

    def _run(self, job_id: int) -> None:
        from survey_service.jobs.operations import run_job

        run_job(self.app, job_id)

    def send(self, job_id: int, delay_ms: int | None = None) -> bool:
        """Ring the doorbell for a job; False when the queue is unreachable (the clock loop sends it later)."""
        try:
            self.actor.send_with_options(args=(job_id,), delay=delay_ms)
        except Exception as exc:  # Redis down: the job stays queued in the database and is not lost
            log.warning("job %s stays queued: the queue is unreachable (%s)", job_id, exc)
            return False
        return True

    def start_worker(self, threads: int = 2, *, clock: bool = True) -> None:
        """Start consuming (and the clock loop) in this process; idempotent."""
        from survey_service.jobs.clock import ClockLoop

        with self._lock:
            if self._worker is not None:
                return
            self._worker = dramatiq.Worker(self.broker, worker_threads=threads, worker_timeout=200)
            self._worker.start()
            if clock:
                self._clock = ClockLoop(self.app)
                self._clock.start()

    def stop_worker(self, timeout_ms: int = 10_000) -> None:
        with self._lock:
            if self._clock is not None:
                self._clock.stop()
                self._clock = None
            if self._worker is not None:
                self._worker.stop(timeout=timeout_ms)
                self._worker = None


def init_app(app: Flask) -> None:
    """Create the app's queue; on the embedded default, start its worker with the first request of each process.

    Not at start-up: gunicorn builds the app in its master and forks, and threads do not survive a fork; nor in
    commands such as ``db upgrade``, which must not run jobs.
    """
    app.extensions["job_queue"] = queue = JobQueue(app)
    if queue.embedded and app.config["JOBS_EMBEDDED_WORKER"]:
        @app.before_request
        def start_embedded_worker():
            if not queue.consuming:  # read without the lock: this runs before every request
                queue.start_worker()


def job_queue() -> JobQueue:
    return current_app.extensions["job_queue"]
