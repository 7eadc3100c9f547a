"""The production set-up as shipped: gunicorn's configuration, its access log, the container's entrypoint."""
from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest

from survey_service import PROJECT_ROOT
from survey_service.access_log import mask_tokens
from tests.conftest import fresh_postgres_database

VENV_BIN = Path(sys.executable).parent
TOKEN = "Zq3" + "x" * 40


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "SECRET_KEY", "REDIS_URL")}
    env.update(PATH=f"{VENV_BIN}:{env['PATH']}", PYTHONPATH=str(PROJECT_ROOT),
               DATABASE_URL=f"sqlite:///{tmp_path / 'served.db'}")
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_tokens_are_masked_wherever_a_path_is_logged():
    assert mask_tokens(f"POST /s/{TOKEN}/draft HTTP/1.1") == "POST /s/<token>/draft HTTP/1.1"
    assert mask_tokens(f"https://survey.example.gov.cn/s/{TOKEN}?lang=en") == \
        "https://survey.example.gov.cn/s/<token>?lang=en"
    assert mask_tokens("GET /results/surveys HTTP/1.1") == "GET /results/surveys HTTP/1.1"


def test_the_gunicorn_configuration_loads():
    checked = subprocess.run([VENV_BIN / "gunicorn", "--check-config", "--config", "gunicorn.conf.py",
                              "survey_service:create_app()"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                             env=environment(Path("/tmp")), timeout=60)
    assert checked.returncode == 0, checked.stderr


def test_the_workers_garbage_collection_skips_the_loaded_app():
    """gunicorn.conf.py freezes what is loaded before a worker forks and what the worker loaded itself: a full
    collection then walks only what requests made."""
    import gc
    import runpy

    settings = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))
    loaded = [[] for _ in range(1000)]  # the app's objects (containers: the ones the collector walks)
    gc.unfreeze()
    try:
        settings["pre_fork"](None, None)
        frozen = gc.get_freeze_count()
        assert frozen >= len(loaded)
        made_by_the_worker = [[] for _ in range(1000)]
        settings["post_worker_init"](None)
        assert gc.get_freeze_count() >= frozen + len(made_by_the_worker)
    finally:
        gc.unfreeze()


def test_the_entrypoint_applies_the_migrations_then_runs_the_command(tmp_path):
    ran = subprocess.run([PROJECT_ROOT / "docker-entrypoint.sh", "sh", "-c", "echo served"], cwd=PROJECT_ROOT,
                         capture_output=True, text=True, env=environment(tmp_path), timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "served"
    with sqlite3.connect(tmp_path / "served.db") as database:
        assert database.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
        assert database.execute("SELECT count(*) FROM responses").fetchone() == (0,)


def test_gunicorn_serves_without_naming_itself_or_logging_tokens(tmp_path):
    subprocess.run([PROJECT_ROOT / "docker-entrypoint.sh", "true"], cwd=PROJECT_ROOT, check=True,
                   env=environment(tmp_path), timeout=120, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [VENV_BIN / "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "survey_service:create_app()"],
        cwd=PROJECT_ROOT, env=environment(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        health = _get(f"http://127.0.0.1:{port}/healthz", deadline=time.monotonic() + 60)
        assert health.status == 200 and health.headers["Server"] == "survey-service"
        try:
            _get(f"http://127.0.0.1:{port}/s/{TOKEN}?lang=en", deadline=time.monotonic() + 10)
        except urllib.error.HTTPError as refused:
            assert refused.code == 404 and refused.headers["Server"] == "survey-service"
    finally:
        server.terminate()
        log, _ = server.communicate(timeout=60)
    assert server.returncode == 0, log
    assert '"GET /s/<token>?lang=en HTTP/1.1" 404' in log and TOKEN not in log
    assert "Shutting down: Master" in log


def _get(url: str, deadline: float):
    while True:
        try:
            return urllib.request.urlopen(url, timeout=10)
        except urllib.error.URLError as exc:
            if isinstance(exc, urllib.error.HTTPError) or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def empty_postgres_database():
    """A database of its own: the session's shared one must not be left migrated."""
    yield from fresh_postgres_database()


@pytest.mark.postgres
def test_instances_starting_together_migrate_one_after_the_other(empty_postgres_database, tmp_path):
    postgres_database = empty_postgres_database
    env = environment(tmp_path, DATABASE_URL=postgres_database, SECRET_KEY="shared by every instance")
    upgrades = [subprocess.Popen([PROJECT_ROOT / "docker-entrypoint.sh", "true"], cwd=PROJECT_ROOT, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(3)]
    outputs = [upgrade.communicate(timeout=120)[0] for upgrade in upgrades]
    assert [upgrade.returncode for upgrade in upgrades] == [0, 0, 0], outputs
    with psycopg.connect(postgres_database.replace("postgresql+psycopg://", "postgresql://")) as connection:
        assert len(connection.execute("SELECT version_num FROM alembic_version").fetchall()) == 1
