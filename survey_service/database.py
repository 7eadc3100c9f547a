"""How the service talks to its database: SQLite's connection settings and write transactions, the start-up
check of what SQLite actually granted, and which database errors mean "the database is unavailable".

PostgreSQL needs nothing here: its defaults (READ COMMITTED, fsync, row locks taken by ``SELECT … FOR UPDATE``)
are what the operations rely on.
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Callable

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

#: milliseconds a write waits for another writer before SQLite gives up (gunicorn's timeout is 60 s)
BUSY_TIMEOUT_MS = 30_000
#: what every SQLite connection must have; read back at start-up
SQLITE_SETTINGS = {"journal_mode": "wal", "busy_timeout": BUSY_TIMEOUT_MS, "foreign_keys": 1,
                   # FULL: a submission acknowledged to the centre survives a power cut, not only a crash
                   "synchronous": 2}

#: seconds a pooled PostgreSQL connection may sit idle before it is tested at its next use (_test_idle_connection)
PING_AFTER_IDLE_SECONDS = 1.0

#: seconds between two tries of another process's hold on the writers' lock: short, since a write takes milliseconds
WRITER_POLL_SECONDS = 0.0005

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
        if not immediate:
            connection.exec_driver_sql("BEGIN")
            return
        queue = _writer_queue(connection.engine.url.database)
        queue.enter()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            queue.leave()
            raise
        connection.connection.info["writer_queue"] = queue


class WriterQueue:
    """The writers of one SQLite file, one at a time, woken the moment the writer before them finishes.

    SQLite's own wait for its write lock (the busy timeout) polls with sleeps growing to 100 ms, so under a burst a
    waiter sleeps through several commits and the slowest requests take seconds. Writers of this process wait
    here instead on a lock, in turn; writers of other processes (gunicorn's other workers, the command line) by
    an exclusive ``flock`` on ``<database>-writers``, tried every half millisecond. By the time BEGIN IMMEDIATE
    runs, no writer that queues here holds SQLite's lock, so SQLite's busy handler is left for writers that do not
    (an external ``sqlite3`` shell). The wait is bounded by the same 30 s; past it, the database is unavailable
    (503). A killed process's hold ends with it: the kernel drops its ``flock``.
    """

    def __init__(self, database: str | None):
        self._thread_lock = threading.Lock()
        in_memory = not database or database == ":memory:" or database.startswith("file::memory:")
        self._path = None if in_memory else f"{database}-writers"
        self._file = None

    def enter(self) -> None:
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        if not self._thread_lock.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
            raise _locked()
        try:
            if self._path is not None:
                if self._file is None:
                    self._file = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                while True:
                    try:
                        fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise _locked() from None
                        time.sleep(WRITER_POLL_SECONDS)
        except BaseException:
            self._thread_lock.release()
            raise

    def leave(self) -> None:
        if self._path is not None and self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._thread_lock.release()


_writer_queues: dict[tuple[int, str], WriterQueue] = {}
_writer_queues_lock = threading.Lock()


def _writer_queue(database: str | None) -> WriterQueue:
    """The one queue of this process for the SQLite file ``database``. A process forked from one that had a queue
    (gunicorn's workers from a preloading master) makes its own: a ``flock`` shared through an inherited file
    would not keep the two processes apart."""
    key = (os.getpid(), os.path.abspath(database) if database and database != ":memory:" else f"memory:{database}")
    with _writer_queues_lock:
        queue = _writer_queues.get(key)
        if queue is None:
            queue = _writer_queues[key] = WriterQueue(database)
        return queue


def _locked() -> OperationalError:
    return OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))


@event.listens_for(Pool, "checkin")
def _leave_writer_queue(dbapi_connection, connection_record):
    """The transaction has ended (committed or rolled back) when its connection goes back to the pool."""
    if connection_record is None:
        return
    connection_record.info["idle_since"] = time.monotonic()
    queue = connection_record.info.pop("writer_queue", None)
    if queue is not None:
        queue.leave()


@event.listens_for(Pool, "checkout")
def _test_idle_connection(dbapi_connection, connection_record, connection_proxy):
    """A PostgreSQL connection that sat in the pool longer than :data:`PING_AFTER_IDLE_SECONDS` is tested before
    use; a dead one (the server restarted) is replaced by a fresh one, so the request does not fail.

    Testing every checkout (``pool_pre_ping``) would cost each request a round trip, and under a burst — when
    connections never sit idle — for nothing. A connection that dies while in use still fails its request with the
    503 page, and that failure makes the pool replace every connection older than it.
    """
    idle_since = connection_record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS or \
            _is_sqlite(dbapi_connection):
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        # the test query began a transaction unless the connection commits by itself
        if _in_transaction(dbapi_connection):
            dbapi_connection.rollback()
    except Exception as error:
        raise DisconnectionError(f"a pooled connection failed its test after sitting idle: {error}") from error


@event.listens_for(Pool, "reset")
def _end_open_transaction(dbapi_connection, connection_record, reset_state):
    """The pool's reset of a connection going back (``pool_reset_on_return=None``, see :func:`engine_options`):
    roll back a transaction still open, then let the next writer in.

    The pool's own reset would roll back every time, and psycopg's rollback, even with no transaction open, is a
    round trip that also forgets the connection's prepared statements — so each request would plan its queries
    again. A request's transaction ends with its commit (``end_request_transaction``); what is left open (an
    error, a command) is rolled back here, before another writer may begin."""
    try:
        if _in_transaction(dbapi_connection):
            dbapi_connection.rollback()
    finally:
        _leave_writer_queue(dbapi_connection, connection_record)


def _in_transaction(dbapi_connection) -> bool:
    if _is_sqlite(dbapi_connection):
        return dbapi_connection.in_transaction
    info = getattr(dbapi_connection, "info", None)
    # psycopg's TransactionStatus: IDLE is 0; a driver that cannot tell is rolled back
    return getattr(info, "transaction_status", None) != 0


def begin_writing() -> None:
    """Begin the session's transaction as one that writes; call it before the session's first query."""
    from survey_service.extensions import db

    if db.engine.dialect.name == "sqlite":
        db.session.connection(execution_options={WRITE_INTENT: True})


def write_at_once(statement, parameters: list[dict] | None = None) -> None:
    """One statement (run once per row of ``parameters`` when given) written and committed at once on a connection
    of its own, apart from any request's transaction: for small facts noted on the way (the first openings of
    personal links, written in batches: ``respond.openings``).

    On SQLite the request's read transaction could not safely become a writer (under WAL the upgrade fails at once
    when another writer committed since the read began); a separate connection takes the write lock from the
    start, as every writer here does, and the reader's snapshot is not disturbed. Its commit does not wait for the
    disk (``synchronous=NORMAL`` for this transaction alone): it survives a crash of the service and is on disk
    with the next full commit, but a power cut before that may lose it — for facts that no one was told were
    saved, where the wait would be paid on every first opening while holding the write lock.

    On PostgreSQL the statement commits by itself (autocommit): one round trip, where a transaction around it would
    take three.
    """
    from survey_service.extensions import db

    if db.engine.dialect.name != "sqlite":
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(statement, parameters)
        return
    with db.engine.connect() as connection:
        connection.execution_options(**{WRITE_INTENT: True})
        # on the driver's connection: through SQLAlchemy's, the pragma would begin a transaction, inside which
        # SQLite refuses to change it
        driver = connection.connection.driver_connection
        driver.execute("PRAGMA synchronous=NORMAL")
        try:
            with connection.begin():
                connection.execute(statement, parameters)
        finally:
            driver.execute(f"PRAGMA synchronous={SQLITE_SETTINGS['synchronous']}")


def reads_first(view):
    """Mark a POST view that reads and checks its input before it writes (the centres' 提交): its transaction
    begins as a reader, and :func:`write_from_here` takes the write lock only when there is something to write, so
    on SQLite the writers' queue waits for writes alone, not for the parsing and checking of forms.

    On PostgreSQL its reads run without a transaction (autocommit, as in :func:`reads_only`) until
    :func:`write_from_here`; a write that is a single statement may go before that and commit by itself
    (:func:`writes_at_once`)."""
    view.reads_first = True
    return view


def writes_at_once() -> bool:
    """Whether a statement executed now through the request's session commits by itself: on PostgreSQL, in a
    :func:`reads_only` request or a :func:`reads_first` one that has not begun its writes
    (:func:`write_from_here`). An operation whose write is a single statement then sends it alone — one round
    trip, where BEGIN, the statement and COMMIT take three."""
    return has_request_context() and g.get("autocommitting", False)


def write_from_here() -> None:
    """Make the session's transaction a writer from here on; nothing to do on PostgreSQL (row locks), or when it
    writes already.

    On SQLite the transaction's reads end (the COMMIT of a transaction that only read changes nothing) and, on the
    same connection, BEGIN IMMEDIATE takes the write lock in its turn (:class:`WriterQueue`). On PostgreSQL a
    :func:`reads_first` request's reads ran without a transaction; its writes begin one, on a connection in the
    default isolation. The ORM keeps what it read before: what a write depends on is read again
    (``populate_existing``) or guarded by the write itself (a conditional UPDATE), as
    ``responses.operations.save_answers`` does.
    """
    from survey_service.extensions import db

    if db.engine.dialect.name != "sqlite":
        if g.pop("autocommitting", False):  # a reads_first request (a reads_only one never writes)
            _end_reads_without_transaction()
        return
    if not db.session().in_transaction():
        begin_writing()
        return
    pooled = db.session.connection().connection
    if "writer_queue" in pooled.info:
        return
    driver = pooled.driver_connection
    queue = _writer_queue(db.engine.url.database)
    driver.execute("COMMIT")
    queue.enter()
    try:
        driver.execute("BEGIN IMMEDIATE")
    except BaseException:
        queue.leave()
        raise
    pooled.info["writer_queue"] = queue


def reads_only(view):
    """Mark a GET view that only reads through the request's session. On PostgreSQL its statements run without a
    transaction around them (autocommit), which saves each request the BEGIN and COMMIT round trips; under READ
    COMMITTED each statement sees the database as of its own start either way. SQLite keeps its deferred read
    transaction (local calls, one snapshot per page). A flush in such a request is refused
    (:func:`_refuse_writes_in_reads_only_requests`)."""
    view.reads_only = True
    return view


def begin_request_transaction() -> None:
    """Before anything else in the request touches the database: a POST begins as a writer, unless its view
    reads first (:func:`reads_first`); a view that only reads (:func:`reads_only`) runs its statements without a
    transaction on PostgreSQL."""
    view = current_app.view_functions.get(request.endpoint)
    if request.method in SAFE_METHODS:
        if getattr(view, "reads_only", False):
            g.reads_only = True
            g.autocommitting = _read_without_transaction()
    elif getattr(view, "reads_first", False):
        g.autocommitting = _read_without_transaction()
    else:
        begin_writing()


def _read_without_transaction() -> bool:
    """On PostgreSQL, the session's statements from here run without a transaction (autocommit); whether they
    do."""
    from survey_service.extensions import db

    if db.engine.dialect.name != "postgresql":
        return False
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    return True


def _end_reads_without_transaction() -> None:
    """The session gives back its autocommitting connection; its next statement begins a transaction on one in
    the default isolation. What it read stays loaded (no expiry: nothing was written through it)."""
    from survey_service.extensions import db

    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


@event.listens_for(Session, "before_flush")
def _refuse_writes_in_reads_only_requests(session, flush_context, instances):
    """A :func:`reads_only` view must not write through the session, nor a :func:`reads_first` view before
    :func:`write_from_here`: in autocommit its statements would not be one transaction, nor be held back by a
    refusal."""
    if has_request_context() and (session.new or session.dirty or session.deleted):
        if g.get("reads_only"):
            raise RuntimeError(f"{request.endpoint} is marked reads_only but wrote through the request's session")
        if g.get("autocommitting"):
            raise RuntimeError(f"{request.endpoint} wrote through the request's session before write_from_here")


def refuse_request_writes() -> None:
    """Mark the current request's writes for rollback (an operation refused; see ``survey_service.problems``)."""
    if has_app_context():
        g.writes_refused = True


def end_request_transaction(response):
    """After the view, before the answer leaves: commit what the view flushed, unless something refused or failed.

    The status code does not decide: a view may redirect after a refusal, or answer 422 after a form error that
    wrote nothing. A commit that fails here (the database went away) becomes the 503 page.
    """
    from survey_service.extensions import db

    if g.pop("writes_refused", False):
        g.pop("after_commit", None)
        db.session.rollback()
        return response
    # a reads-only request has nothing to commit (its flushes are refused)
    if not g.get("reads_only") and not _wrote_only_at_once():
        db.session.commit()
    for callback in g.pop("after_commit", ()):
        callback()
    write_noted_reads()
    return response


def _wrote_only_at_once() -> bool:
    """Whether the request's statements all committed by themselves (:func:`writes_at_once`) and nothing waits for
    a commit: then there is none to make."""
    from survey_service.extensions import db

    if not g.get("autocommitting"):
        return False
    session = db.session()
    return not (session.new or session.dirty or session.deleted or session.info)


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the request's writes are committed (:func:`end_request_transaction`), never if they
    are refused or the commit fails: for what tells the visitor they were saved (a receipt kept for the next
    page)."""
    g.setdefault("after_commit", []).append(callback)


def write_after_response(write: Callable[[], None]) -> None:
    """Note a write about a read (the audit row of a download, a token's last use), done once the response is made.

    A read that wrote at once would hold the write lock from its first query to the request's commit — through a
    PDF's rendering on SQLite, where one lock serves the whole database, and every centre would wait. Deferred, the
    read stays a reader and the note takes a short transaction of its own (``write_noted_reads``).
    """
    g.setdefault("writes_after_response", []).append(write)


def write_noted_reads() -> None:
    """The writes noted during a request that succeeded, in one short writing transaction of their own."""
    from survey_service.extensions import db

    writes = g.pop("writes_after_response", None)
    if not writes:
        return
    begin_writing()
    for write in writes:
        write()
    db.session.commit()


def engine_options(app: Flask) -> None:
    """The pool's connection handling, cheaper than SQLAlchemy's defaults for requests of a few milliseconds.

    No test query before every checkout (``pool_pre_ping``): on SQLite a file on this machine cannot have dropped
    the connection; on PostgreSQL only a connection that sat idle is tested (:func:`_test_idle_connection`). A
    connection going back to the pool is rolled back only if its transaction is still open
    (:func:`_end_open_transaction`)."""
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False,
                                               "pool_reset_on_return": None}


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
