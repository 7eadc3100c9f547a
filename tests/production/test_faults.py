"""Faults under load, as CI runs them: a real gunicorn serving centres that save and submit while its workers are
killed (SIGKILL) or its PostgreSQL server restarts. No acknowledged submission may be lost, none duplicated, none
stored in part. The load and the checks are bench/load_submissions.py's (one home), made smaller and bounded here.
"""
from __future__ import annotations

import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bench.load_submissions import (PG_BIN, Tally, create_database, drop_database, killer, pg_ctl, prepare,
                                    private_cluster, restarter, run_device, service_environment, start_gunicorn,
                                    verify)
from tests.conftest import fresh_postgres_database
from tests.production.test_serving import free_port

#: centres taking part (two devices each, racing), the most draft saves a device makes, devices in flight
CENTRES, SAVES, CONCURRENCY = 20, 200, 10
#: seconds after which devices stop saving and go straight to submitting: the load lasts this long however fast
#: the service answers, so the faults have time to strike
LOAD_SECONDS = 12


def run_load(env: dict, database_url: str, workdir: Path, *, workers: int, fault) -> tuple[dict, Tally]:
    """The centres' load on a fresh gunicorn while ``fault(master_pid, stop)`` runs beside it; the verification."""
    tokens = prepare(env)[:CENTRES]
    server, port = start_gunicorn(env, workers, workdir / "access.log")
    tally = Tally()
    stop = threading.Event()
    try:
        helper = threading.Thread(target=fault, args=(server.pid, stop))
        random.Random(1).shuffle(tokens)
        deadline = time.monotonic() + LOAD_SECONDS
        helper.start()
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            futures = [pool.submit(run_device, port, token, number, SAVES, tally, deadline)
                       for token in tokens for number in range(2)]
            for future in futures:
                future.result(timeout=120)
        stop.set()
        helper.join(60)
    finally:
        stop.set()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
    return verify(database_url, tally), tally


def assert_nothing_lost(result: dict, tally: Tally) -> None:
    assert result["lost"] == 0 and result["duplicated"] == 0 and result["partial"] == 0, result
    acknowledged = sum(len(entries) for entries in tally.acknowledged.values())
    # the load did happen: most centres were told their submission arrived, and the database holds each of those
    assert acknowledged >= CENTRES // 2 and result["submitted_in_database"] >= acknowledged, (result, acknowledged)


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_workers_killed_under_load_lose_and_duplicate_nothing(database, tmp_path):
    if database == "sqlite":
        database_url, databases = f"sqlite:///{tmp_path / 'faults.db'}", None
    else:
        databases = fresh_postgres_database()
        database_url = next(databases).replace("postgresql+psycopg://", "postgresql://")
    kills: list[int] = []
    try:
        result, tally = run_load(service_environment(database_url, None), database_url, tmp_path, workers=3,
                                 fault=lambda master, stop: killer([master], 1.0, stop, kills))
    finally:
        if databases is not None:
            next(databases, None)
    assert len(kills) >= 3, f"only {len(kills)} workers were killed"
    assert_nothing_lost(result, tally)


@pytest.mark.postgres
def test_a_postgresql_restart_under_load_loses_and_duplicates_nothing():
    """A throw-away cluster of the test's own (initdb on a spare port) is restarted: never the shared server."""
    if not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None:
        pytest.fail(f"PostgreSQL's initdb ({PG_BIN}) and runuser are needed (scripts/test installs PostgreSQL)")
    workdir = Path(tempfile.mkdtemp(prefix="survey-faults-"))
    port = free_port()
    data = workdir / "pgdata"
    restarts: list[float] = []
    try:
        server_url = private_cluster(workdir, port)
        database_url, name = create_database(server_url)
        result, tally = run_load(service_environment(database_url, None), database_url, workdir, workers=2,
                                 fault=lambda master, stop: restarter(data, 3, stop, restarts, port))
        drop_database(server_url, name)
    finally:
        if (data / "postmaster.pid").exists():
            pg_ctl(data, "stop", port)
        shutil.rmtree(workdir, ignore_errors=True)
    assert len(restarts) == 1, "the database was not restarted during the load"
    assert_nothing_lost(result, tally)
