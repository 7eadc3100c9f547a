"""SQLite: first openings are noted in the process and written in batches by a thread of its own
(``survey_service.respond.openings``): every one is written, the first time of each kept, a burst takes a few
write transactions rather than one per centre, a failed write is tried again, a normal exit writes what is left."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from datetime import timedelta

from sqlalchemy import select

from survey_service.extensions import db
from survey_service.respond import openings
from survey_service.respond.openings import pending_openings
from survey_service.surveys.models import Invitation
from survey_service.timestamps import utcnow
from tests.production.test_database import sqlite_app
from tests.respond.conftest import issue_survey

PERSON = {"Accept": "text/html", "Sec-Fetch-Mode": "navigate"}


def stored_openings(app) -> dict[str, object]:
    with app.app_context():
        return dict(db.session.execute(select(Invitation.token, Invitation.opened_at)).all())


def wait_until(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_a_burst_of_first_openings_is_written_in_a_few_transactions(tmp_path, monkeypatch):
    app = sqlite_app(tmp_path / "burst.db")
    tokens = issue_survey(app)[:24]
    writes = []
    write_at_once = openings.write_at_once

    def counted(statement, parameters):
        writes.append(len(parameters))
        write_at_once(statement, parameters)

    monkeypatch.setattr(openings, "write_at_once", counted)

    def open_links(share):
        client = app.test_client()
        for token in share:
            assert client.get(f"/s/{token}", headers=PERSON).status_code == 200

    threads = [threading.Thread(target=open_links, args=(tokens[n::4],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # written by the process's own thread, without a flush from here
    assert wait_until(lambda: all(stored_openings(app)[token] is not None for token in tokens))
    assert sum(writes) == len(tokens) and len(writes) < len(tokens) / 2


def test_the_first_opening_is_kept(tmp_path):
    app = sqlite_app(tmp_path / "first.db")
    token = issue_survey(app)[0]
    with app.app_context():
        invitation_id = db.session.scalar(select(Invitation.id).filter_by(token=token))
    earlier, later = utcnow() - timedelta(minutes=5), utcnow()
    buffer = pending_openings(app)
    buffer.note(invitation_id, earlier)
    buffer.note(invitation_id, later)  # noted again in the same process: the earlier one stays
    buffer.flush()
    assert stored_openings(app)[token] == earlier
    buffer.note(invitation_id, later)  # another process had written one: the stored opening stays
    buffer.flush()
    assert stored_openings(app)[token] == earlier


def test_openings_whose_write_failed_are_written_by_the_next_try(tmp_path, monkeypatch, caplog):
    app = sqlite_app(tmp_path / "retry.db")
    token = issue_survey(app)[0]
    with app.app_context():
        invitation_id = db.session.scalar(select(Invitation.id).filter_by(token=token))
    write_at_once = openings.write_at_once
    failures = []

    def locked_once(statement, parameters):
        if not failures:
            failures.append(parameters)
            raise RuntimeError("database is locked")
        write_at_once(statement, parameters)

    monkeypatch.setattr(openings, "write_at_once", locked_once)
    buffer = pending_openings(app)
    buffer.note(invitation_id, utcnow())
    assert wait_until(lambda: stored_openings(app)[token] is not None)
    assert failures and "could not write 1 first openings" in caplog.text


def test_a_process_that_exits_normally_writes_what_it_noted(tmp_path):
    database = tmp_path / "exit.db"
    app = sqlite_app(database)
    token = issue_survey(app)[0]
    script = textwrap.dedent(f"""
        from survey_service.respond import openings
        openings.PendingOpenings._write_noted = lambda self: None  # no writing thread: only the exit writes
        from tests.conftest import make_app
        app = make_app("sqlite:///{database}")
        from sqlalchemy import select
        from survey_service.extensions import db
        from survey_service.surveys.models import Invitation
        with app.app_context():
            ids = db.session.scalars(select(Invitation.id).order_by(Invitation.id)).all()
        buffer = openings.pending_openings(app)
        from survey_service.timestamps import utcnow
        buffer.note(ids[0], utcnow())
        buffer.note(ids[1], utcnow())
        """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    stored = stored_openings(app)
    with app.app_context():
        first_two = db.session.scalars(select(Invitation.token).order_by(Invitation.id).limit(2)).all()
    assert token == first_two[0] and all(stored[t] is not None for t in first_two)
