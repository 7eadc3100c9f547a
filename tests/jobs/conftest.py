"""Fixtures for the job tests: a worker in a process of its own (to SIGKILL), a Redis server of our own (to stop)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest

from survey_service import PROJECT_ROOT
from survey_service.extensions import db
from tests.conftest import BASE_URL, make_app
from tests.console.smtp_server import free_port, serve_smtp

#: the worker process: the app with the given settings, then ``survey-service worker``'s loop
WORKER_SCRIPT = """
import json, sys
from survey_service import create_app
from survey_service.jobs.cli import run_worker
app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    run_worker(2)
"""
#: seconds after which a killed worker's job is taken over (short, so the tests stay short)
STALE_SECONDS = 2


class RedisServer:
    """A redis-server of our own on a spare loopback port, which a test may stop and start again."""

    def __init__(self, directory):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (scripts/test installs it)")
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


class WorkerProcess:
    """``survey-service worker`` in a process of its own, with the test app's settings."""

    def __init__(self, settings: dict):
        self.settings = settings
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT, json.dumps(self.settings)],
                                        cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
                                        stderr=subprocess.DEVNULL)

    def kill(self) -> None:
        """SIGKILL: no clean-up, no acknowledgement, the job left running."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(params=["embedded", "redis"])
def mode(request):
    """Where the jobs travel: the in-process queue of the embedded default, or Redis."""
    return request.param


@pytest.fixture
def app(database_url, mode, request):
    """The app (no worker of its own) on an empty schema, its SMTP server, and a way to start workers."""
    settings = {"JOBS_QUEUE": f"test-{uuid.uuid4().hex[:8]}", "JOB_STALE_SECONDS": STALE_SECONDS,
                "JOBS_CLOCK_SECONDS": 0.3, "MAIL_RETRY_SECONDS": 0.5}
    if mode == "redis":
        settings["REDIS_URL"] = request.getfixturevalue("redis_server").url
    app = make_app(database_url, **settings)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.drop_all()
        db.create_all()
    controller, mailbox = serve_smtp(app)
    workers: list[WorkerProcess] = []

    def worker(**overrides) -> WorkerProcess:
        config = {name: app.config[name] for name in (
            "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "SMTP_HOST", "SMTP_PORT", "SMTP_TLS", "MAIL_FROM",
            "JOBS_QUEUE", "JOB_STALE_SECONDS", "JOBS_CLOCK_SECONDS", "MAIL_RETRY_SECONDS")}
        if app.config.get("REDIS_URL"):
            config["REDIS_URL"] = app.config["REDIS_URL"]
        config.update(BASE_URL=BASE_URL, RATELIMIT_STORAGE_URI="tidy-memory://", **overrides)
        process = WorkerProcess(config)
        workers.append(process)
        return process

    app.extensions["test_mailbox"] = mailbox
    app.extensions["test_worker"] = worker
    yield app
    for process in workers:
        process.stop()
    controller.stop()
    app.extensions["job_queue"].stop_worker()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
