"""How the service talks to its database: SQLite's connection settings and write transactions, the start-up
check of what SQLite actually granted, and which database errors mean "the database is unavailable".

PostgreSQL needs nothing here: its defaults (READ COMMITTED, fsync, row locks taken by ``SELECT … FOR UPDATE``)
are what the operations rely on.
"""
from __future__ import annotations

from flask import Flask, current_app, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

#: milliseconds a write waits for another writer before SQLite gives up (gunicorn's timeout is 60 s)
BUSY_TIMEOUT_MS = 30_000
#: what every SQLite connection must have; read back at start-up
SQLITE_SETTINGS = {"journal_mode": "wal", "busy_timeout": BUSY_TIMEOUT_MS, "foreign_keys": 1,
                   # FULL: a submission acknowledged to the centre survives a power cut, not only a crash
                   "synchronous": 2}

#: the execution option that makes an SQLite transaction begin IMMEDIATE
WRITE_INTENT = "survey_service_writes"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class DatabaseSettingsError(RuntimeError):
    """SQLite did not take a setting the service's durability depends on."""


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.split(".")[0] == "sqlite3"


@event.listens_for(Engine, "connect")
def _sqlite_connection_settings(dbapi_connection, connection_record):
    """WAL, a busy timeout, foreign keys and full sync on every SQLite connection; other databases are left alone."""
    if not _is_sqlite(dbapi_connection):
        return
    # pysqlite would begin transactions itself, at the first write; _begin emits BEGIN instead (see there).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin(connection):
    """On SQLite, a transaction that will write takes the write lock when it begins (``BEGIN IMMEDIATE``).

    A transaction that read first and writes later would have to upgrade its lock, and in WAL mode that fails at
    once with "database is locked" when another writer committed in between — the busy timeout cannot help.
    Taking the lock first, the transaction waits its turn (up to the busy timeout) and then cannot fail for
    locking. Read-only transactions begin deferred: in WAL they never wait for writers.
    """
    if connection.dialect.name == "sqlite":
        immediate = connection.get_execution_options().get(WRITE_INTENT, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_writing() -> None:
    """Begin the session's transaction as one that writes; call it before the session's first query."""
    from survey_service.extensions import db

    if db.engine.dialect.name == "sqlite":
        db.session.connection(execution_options={WRITE_INTENT: True})


def writes_database(view):
    """Mark a GET view that writes (most GETs only read), so its request's transaction begins as a writer."""
    view.writes_database = True
    return view


def begin_request_transaction() -> None:
    """Before anything else in the request touches the database: a POST (or a marked GET) begins as a writer."""
    view = current_app.view_functions.get(request.endpoint)
    if request.method not in SAFE_METHODS or getattr(view, "writes_database", False):
        begin_writing()


def check_database_settings(app: Flask) -> None:
    """Refuse to start on an SQLite database that did not take the settings above (e.g. WAL on a filesystem
    without shared memory); an in-memory database keeps its own journal and is only checked for the rest."""
    from survey_service.extensions import db

    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite":
            return
        try:
            with engine.connect() as connection:
                effective = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                             for name in SQLITE_SETTINGS}
                in_memory = connection.exec_driver_sql("PRAGMA database_list").fetchone()[2] == ""
        finally:
            # gunicorn preloads the app and forks: no worker may inherit the master's connection
            engine.dispose()
    wanted = dict(SQLITE_SETTINGS)
    if in_memory:
        wanted.pop("journal_mode")
    wrong = [f"{name}={effective[name]!r} (needs {value!r})" for name, value in wanted.items()
             if str(effective[name]).lower() != str(value)]
    if wrong:
        raise DatabaseSettingsError(
            f"SQLite database {engine.url.database} refused the settings survey-service needs: {', '.join(wrong)}. "
            "WAL needs a local filesystem with shared memory; use PostgreSQL (DATABASE_URL) otherwise.")


def bind_migrations(app: Flask) -> None:
    """Flask-Migrate on the app, for the ``db`` commands and the migration tests: bound there alone, because
    importing Alembic would cost every other command and every worker a tenth of a second."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        from survey_service import PROJECT_ROOT
        from survey_service.extensions import db

        Migrate(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)


def is_unavailable(error: Exception) -> bool:
    """Whether a database error means the database cannot be reached or is busy (503), not a bug (500)."""
    return isinstance(error, OperationalError) or (isinstance(error, DBAPIError) and error.connection_invalidated)
