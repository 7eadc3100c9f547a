"""SQLite's writers queue in the service, not in SQLite's sleeping busy handler: one writer at a time per file,
the next woken when the one before it commits or rolls back, in this process and across processes."""
from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import text

from survey_service import database
from survey_service.database import begin_writing, is_unavailable
from survey_service.extensions import db
from tests.conftest import make_app


@pytest.fixture
def sqlite_app(tmp_path):
    application = make_app(f"sqlite:///{tmp_path / 'queue.db'}")
    with application.app_context():
        db.session.execute(text("CREATE TABLE tally (n INTEGER)"))
        db.session.commit()
    return application


def _write(application, hold: float, events: list, name: str) -> None:
    with application.app_context():
        begin_writing()
        events.append(("in", name, time.monotonic()))
        db.session.execute(text("INSERT INTO tally VALUES (1)"))
        time.sleep(hold)
        events.append(("out", name, time.monotonic()))
        db.session.commit()


def test_writers_take_turns_and_the_next_starts_as_soon_as_the_last_commits(sqlite_app):
    events = []
    threads = [threading.Thread(target=_write, args=(sqlite_app, 0.03, events, n)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    order = [(kind, name) for kind, name, _ in sorted(events, key=lambda event: event[2])]
    assert [kind for kind, _ in order] == ["in", "out"] * 8  # never two writers at once
    times = sorted(at for _, _, at in events)
    handovers = [times[n + 1] - times[n] for n in range(1, len(times) - 1, 2)]
    # SQLite's busy handler would sleep up to 100 ms between tries; a queued writer follows within milliseconds
    assert max(handovers) < 0.05, handovers
    with sqlite_app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM tally")) == 8


def test_a_rolled_back_writer_lets_the_next_one_in(sqlite_app):
    with sqlite_app.app_context():
        begin_writing()
        db.session.execute(text("INSERT INTO tally VALUES (1)"))
        db.session.rollback()
    events = []
    _write(sqlite_app, 0, events, "after")
    assert [kind for kind, *_ in events] == ["in", "out"]


HOLD_IN_ANOTHER_PROCESS = """
import fcntl, os, sys, time
descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(descriptor, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def test_a_writer_of_another_process_is_waited_for_and_past_the_timeout_the_database_is_unavailable(
        sqlite_app, tmp_path, monkeypatch):
    other = subprocess.Popen([sys.executable, "-c", HOLD_IN_ANOTHER_PROCESS, f"{tmp_path / 'queue.db'}-writers",
                              "0.6"], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "held"
        started = time.monotonic()
        events = []
        _write(sqlite_app, 0, events, "waiting")
        assert 0.3 < time.monotonic() - started < 5  # waited for the other process, then went in
    finally:
        other.wait(10)
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    other = subprocess.Popen([sys.executable, "-c", HOLD_IN_ANOTHER_PROCESS, f"{tmp_path / 'queue.db'}-writers",
                              "3"], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "held"
        with sqlite_app.app_context():
            begin_writing_error = None
            try:
                begin_writing()
                db.session.execute(text("INSERT INTO tally VALUES (1)"))
            except Exception as error:  # noqa: BLE001 - the error is what is checked
                begin_writing_error = error
            db.session.rollback()
        assert begin_writing_error is not None and is_unavailable(begin_writing_error)
    finally:
        other.kill()
        other.wait(10)
    events = []
    _write(sqlite_app, 0, events, "after the other process died")  # its lock went with it
    assert [kind for kind, *_ in events] == ["in", "out"]


def test_the_first_opening_is_noted_without_leaving_its_connection_less_durable(tmp_path):
    from survey_service.respond.openings import pending_openings
    from tests.production.test_database import sqlite_app as make_sqlite_app
    from tests.respond.conftest import issue_survey

    application = make_sqlite_app(tmp_path / "opening.db")
    token = issue_survey(application)[0]
    assert application.test_client().get(f"/s/{token}", headers={"Accept": "text/html"}).status_code == 200
    pending_openings(application).flush()
    with application.app_context():
        assert db.session.scalar(text("SELECT opened_at FROM invitations WHERE token = :token"),
                                 {"token": token}) is not None
        db.session.commit()
        # every pooled connection is back at synchronous=FULL for the submissions
        connections = [db.engine.connect() for _ in range(3)]
        assert [c.exec_driver_sql("PRAGMA synchronous").scalar() for c in connections] == [2, 2, 2]
        for connection in connections:
            connection.close()
