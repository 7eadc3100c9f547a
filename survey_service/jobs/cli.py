"""``survey-service worker``: the process that runs the jobs."""
from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from survey_service.jobs.queue import job_queue


@click.command("worker", help="Run background jobs (mail batches, reports) and the scheduled reminders.")
@click.option("--threads", default=2, show_default=True, type=int, help="Jobs run at the same time.")
@with_appcontext
def worker_command(threads: int):
    run_worker(threads)


def run_worker(threads: int = 2) -> None:
    """Consume the queue and run the clock loop until SIGTERM or SIGINT; a job under way is finished first.

    With REDIS_URL the jobs come from Redis; without it this process polls the database through the clock loop,
    next to the web service's own in-process worker (both claim jobs atomically, so neither repeats the other).
    """
    queue = job_queue()
    app = current_app._get_current_object()
    stopping = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stopping.set())
    source = "Redis" if not queue.embedded else "the database"
    click.echo(f"survey-service worker: {threads} threads, jobs from {source} (Ctrl-C stops it)", err=True)
    queue.start_worker(threads)
    stopping.wait()
    click.echo("survey-service worker: stopping after the jobs under way", err=True)
    with app.app_context():
        queue.stop_worker(timeout_ms=30_000)
