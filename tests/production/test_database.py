"""Durability on the database: SQLite's settings checked at start-up, writers that take the lock first, exactly one
submission under concurrency, a clear 503 when the database is unavailable."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import event, select, text

from survey_service.config import ConfigurationError, from_environment
from survey_service.database import BUSY_TIMEOUT_MS, DatabaseSettingsError
from survey_service.extensions import db
from survey_service.respond.openings import pending_openings
from survey_service.responses.models import Answer, Response, ResponseState
from survey_service.responses.operations import AlreadySubmitted, save_answers
from survey_service.surveys.models import Invitation
from tests.conftest import csrf_token, make_app, post_form
from tests.respond.conftest import COMPLETE_ANSWERS, issue_survey


def sqlite_app(path: Path):
    application = make_app(f"sqlite:///{path}")
    with application.app_context():
        db.create_all()
    return application


def test_sqlite_connections_have_the_durable_settings(tmp_path):
    application = sqlite_app(tmp_path / "settings.db")
    with application.app_context():
        effective = {name: db.session.execute(text(f"PRAGMA {name}")).scalar()
                     for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")}
    assert effective == {"journal_mode": "wal", "busy_timeout": BUSY_TIMEOUT_MS, "foreign_keys": 1, "synchronous": 2}


def test_the_app_refuses_to_start_where_sqlite_cannot_use_wal(tmp_path):
    # the unix-none VFS has no locking or shared memory, like a network filesystem: SQLite stays in rollback mode
    with pytest.raises(DatabaseSettingsError, match="journal_mode='delete'.*WAL needs a local filesystem"):
        make_app(f"sqlite:///file:{tmp_path / 'nfs-like.db'}?vfs=unix-none&uri=true")


def test_an_in_memory_database_starts_without_wal():
    assert make_app("sqlite://").config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_writing_requests_take_the_write_lock_first_and_reads_do_not(tmp_path):
    application = sqlite_app(tmp_path / "begin.db")
    tokens = issue_survey(application)
    link = f"/s/{tokens[0]}"
    client = application.test_client()
    token = csrf_token(client, link)
    begins = []
    with application.app_context():
        engine = db.engine
        engine.dispose()

    # traced in the driver: the centre's post moves from reading to writing below SQLAlchemy
    @event.listens_for(engine, "connect")
    def trace(dbapi_connection, record):
        dbapi_connection.set_trace_callback(
            lambda statement: begins.append(statement) if statement.startswith("BEGIN") else None)

    client.get("/healthz")
    assert begins == ["BEGIN"]
    begins.clear()
    # the centre's post reads and checks the form first, then takes the write lock for its writes
    client.post(link, data={"csrf_token": token, "item-q01": "4", "action": "save"})
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    begins.clear()
    client.post(link, data={"csrf_token": token, "item-q01": "9", "action": "save"})  # refused: never writes
    assert begins == ["BEGIN"]
    begins.clear()
    client.post(f"{link}/draft", data={"csrf_token": token, "item-q01": "3"})  # other posts write from the start
    assert begins == ["BEGIN IMMEDIATE"]
    begins.clear()
    client.get(link)  # opened before: only reads
    assert begins == ["BEGIN"]
    begins.clear()
    # the first opening (a person's page load) is noted beside the read, and written apart in a short write of
    # its own (respond/openings.py: by the process's thread, or here by the flush)
    client.get(f"/s/{tokens[1]}", headers={"Accept": "text/html"})
    pending_openings(application).flush()
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    event.remove(engine, "connect", trace)


def test_a_draft_save_that_lost_the_race_to_a_submission_changes_nothing(app):
    """The save was checked against a draft, but the submission committed first: even where corrections are
    allowed, the save must not replace the submitted answers with an incomplete draft."""
    issue_survey(app, "correctable", allow_corrections=True)
    complete = {f"q{n:02d}": 4 for n in range(1, 13)}
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).order_by(Invitation.id))
        save_answers(invitation, complete, {}, submit=True)
        db.session.commit()
        with pytest.raises(AlreadySubmitted):
            save_answers(invitation, {"q01": 1}, {}, submit=False)
        with pytest.raises(AlreadySubmitted):
            save_answers(invitation, {"q01": 1}, {}, submit=True)
        db.session.rollback()
        corrected = save_answers(invitation, {**complete, "q01": 5}, {}, submit=True, correcting=True)
        db.session.commit()
        assert corrected.state is ResponseState.submitted and len(corrected.answers) == 12


def test_concurrent_saves_and_submissions_for_one_centre_end_with_one_complete_submission(app):
    """Twelve devices of one centre at once — saves and submissions with different answers: no 5xx, exactly one
    submission, all of its answers and only its answers, and every submission but one told it came too late."""
    link = f"/s/{issue_survey(app)[0]}"
    devices = [app.test_client() for _ in range(12)]
    tokens = [csrf_token(device, link) for device in devices]
    start = threading.Barrier(len(devices))
    outcomes: dict[int, tuple[str, int, str]] = {}

    def send(number: int):
        value = str(1 + number % 5)
        action = "submit" if number % 2 else "save"
        answers = {**{f"item-q{n:02d}": value for n in range(1, 13)}, "open-suggestions": f"设备 {number}"}
        start.wait()
        response = devices[number].post(link, data={"csrf_token": tokens[number], **answers, "action": action})
        page = devices[number].get(link).get_data(as_text=True)
        outcomes[number] = (action, response.status_code, page)

    threads = [threading.Thread(target=send, args=(number,)) for number in range(len(devices))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(status for _, status, _ in outcomes.values()) == [302] * len(devices)
    with app.app_context():
        [response] = db.session.scalars(select(Response)).all()
        assert response.state is ResponseState.submitted
        texts = set(db.session.scalars(select(Answer.text).where(Answer.text.is_not(None))))
        [winner] = [int(text_.split()[1]) for text_ in texts]
        assert winner % 2 == 1  # a submission, never a draft saved over it
        values = set(db.session.scalars(select(Answer.value).where(Answer.value.is_not(None))))
        assert values == {1 + winner % 5} and len(response.answers) == 13
    late = [number for number, (action, _, page) in outcomes.items()
            if action == "submit" and "本问卷已提交，无需重复提交" in page]
    assert sorted(late) == sorted(n for n in range(1, len(devices), 2) if n != winner)


def test_an_unreachable_database_answers_503_and_says_nothing_was_saved():
    application = make_app("postgresql+psycopg://postgres@127.0.0.1:9/unreachable",
                           SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}})
    client = application.test_client()
    page = client.get("/s/" + "x" * 43)
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    assert "所做更改未获确认" in page.get_data(as_text=True)
    assert client.post("/s/" + "x" * 43, data={"action": "submit"}).status_code in (400, 503)
    assert client.get("/healthz").status_code == 503
    api = client.get("/api/v1/surveys", headers={"Authorization": "Bearer x"})
    assert api.status_code == 503 and api.get_json() == {"error": "Service Unavailable", "status": 503}


def test_a_server_database_needs_a_configured_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://survey@db.internal/survey")
    with pytest.raises(ConfigurationError, match="SECRET_KEY must be set"):
        from_environment(str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "shared by every instance")
    assert from_environment(str(tmp_path))["SECRET_KEY"] == "shared by every instance"
    monkeypatch.delenv("SECRET_KEY")
    monkeypatch.delenv("DATABASE_URL")
    generated = from_environment(str(tmp_path))["SECRET_KEY"]
    assert len(generated) > 40 and (tmp_path / "secret_key").read_text() == generated


def test_a_commit_that_fails_answers_503_not_the_receipt_and_logs_no_token(app, monkeypatch, caplog):
    """The connection drops at the moment the submission would commit: the centre gets no acknowledgement.

    On SQLite that is the request's commit, after the view. On PostgreSQL a centre's first save commits in its
    one statement (``responses.operations._first_save_at_once``): the connection drops as it is sent."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: errors of after-request hooks are handled
    tokens = issue_survey(app)
    token, link = tokens[0], f"/s/{tokens[0]}"
    # another centre's receipt first: the process keeps the receipt's shell, which a receipt noted in the session
    # would be shown from
    other = app.test_client()
    assert post_form(other, f"/s/{tokens[1]}", {**COMPLETE_ANSWERS, "action": "submit"}).status_code == 302
    assert "问卷已提交" in other.get(f"/s/{tokens[1]}").get_data(as_text=True)
    client = app.test_client()
    csrf = csrf_token(client, link)
    lost = Exception("server closed the connection unexpectedly")
    with app.app_context():
        engine, dialect = db.engine, db.engine.dialect.name

    def lost_connection(session):
        raise OperationalError("COMMIT", {}, lost)

    def lost_while_sending(connection, cursor, statement, parameters, context, executemany):
        if statement.startswith("WITH new_response"):
            raise engine.dialect.loaded_dbapi.OperationalError(str(lost))

    if dialect == "postgresql":
        event.listen(engine, "before_cursor_execute", lost_while_sending)
    else:
        monkeypatch.setattr(Session, "commit", lost_connection)
    try:
        submitted = client.post(link, data={"csrf_token": csrf, **COMPLETE_ANSWERS, "action": "submit"})
    finally:
        monkeypatch.undo()
        if dialect == "postgresql":
            event.remove(engine, "before_cursor_execute", lost_while_sending)
    assert submitted.status_code == 503 and "Location" not in submitted.headers
    assert submitted.headers["Cache-Control"] == "no-store" and submitted.headers["X-Frame-Options"] == "DENY"
    with app.app_context():
        assert db.session.scalar(select(Response).join(Response.invitation).filter_by(token=token)) is None
    # no receipt waits in the session for the next visit: the form is shown again
    again = client.get(link).get_data(as_text=True)
    assert "问卷已提交" not in again and 'name="csrf_token"' in again
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "database unavailable on POST /s/<token>" in logged and token not in logged
