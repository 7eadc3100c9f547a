"""Shared fixtures: the app on SQLite and on PostgreSQL, a client whose form posts carry real CSRF tokens."""
from __future__ import annotations

import os
import re
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select, text

from survey_service import create_app
from survey_service.extensions import db

DATA = Path(__file__).resolve().parent / "data"
DEMO_DATA = Path(__file__).resolve().parents[1] / "survey_service" / "demo_data"
QUESTIONNAIRE = DEMO_DATA / "questionnaire-2017.yaml"
ROSTER = DEMO_DATA / "roster-shanghai.csv"
BASE_URL = "https://survey.example.test"
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def postgres_database():
    """A fresh PostgreSQL database for this test process (and xdist worker), dropped at the end."""
    yield from fresh_postgres_database()


def fresh_postgres_database():
    """Create a database on the TEST_DATABASE_URL server, yield its URL, drop it.

    Without TEST_DATABASE_URL the PostgreSQL tests are skipped locally but fail in CI, where the server must be up.
    """
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        if os.environ.get("CI"):
            pytest.fail("TEST_DATABASE_URL is not set: CI must run the PostgreSQL tests")
        pytest.skip("TEST_DATABASE_URL is not set (scripts/test sets it)")
    name = f"survey_test_{uuid.uuid4().hex[:12]}"
    plain = server.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(plain, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {server} is unreachable: {exc}")
    url = server.rsplit("/", 1)[0] + "/" + name
    yield url.replace("postgresql://", "postgresql+psycopg://", 1)
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres_database")


def make_app(database_url: str, **overrides):
    settings = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-" + uuid.uuid4().hex,
                "BASE_URL": BASE_URL, "RATELIMIT_STORAGE_URI": "tidy-memory://", "SERVER_NAME": None,
                # jobs run in the app's own thread only where a fixture stops it afterwards (app, live_server)
                "JOBS_EMBEDDED_WORKER": False, "JOBS_CLOCK_SECONDS": 0.2}
    settings.update(overrides)
    return create_app(settings)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo_app(request, tmp_path_factory):
    """The demo data set loaded once per test module, on its own database; tests using it must not change it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
        databases = iter([url])
    else:
        databases = fresh_postgres_database()
        url = next(databases)
    application = make_app(url)
    with application.app_context():
        from survey_service.demo import load_demo

        db.create_all()
        load_demo()
        db.session.commit()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    next(databases, None)


@pytest.fixture
def app(database_url):
    """The app on an empty schema (tables from the models; migrations have their own tests)."""
    application = make_app(database_url, JOBS_EMBEDDED_WORKER=True)
    with application.app_context():
        _reset_schema()
    yield application
    application.extensions["job_queue"].stop_worker()
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _reset_schema() -> None:
    if db.engine.dialect.name == "postgresql":
        db.drop_all()
    db.create_all()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form on the page at ``url``, as a browser would send it."""
    page = client.get(url).get_data(as_text=True)
    match = CSRF_FIELD.search(page)
    assert match, f"no CSRF field on {url}"
    return match.group(1) or match.group(2)


def post_form(client, url: str, data: dict, *, page: str | None = None, **kwargs):
    """POST a form with the CSRF token taken from its page (``page`` when the form lives elsewhere)."""
    return client.post(url, data={"csrf_token": csrf_token(client, page or url), **data}, **kwargs)


def create_account(app, role: str, email: str | None = None,
                   password: str = "correct horse battery") -> tuple[str, str]:
    from survey_service.auth.operations import create_user

    email = email or f"{role}@example.org"
    with app.app_context():
        create_user(email, role, password)
        db.session.commit()
    return email, password


def log_in(client, email: str, password: str):
    return post_form(client, "/login", {"email": email, "password": password})


@pytest.fixture
def login(app, client):
    """Log the test client in with a new account of the given role."""

    def as_role(role: str):
        email, password = create_account(app, role)
        response = log_in(client, email, password)
        assert response.status_code == 302, response.get_data(as_text=True)
        return email

    return as_role


@pytest.fixture
def issued_survey(app):
    """The shared questionnaire and roster imported, and an open survey with 221 invitations; returns its key."""
    from survey_service.questionnaires.operations import import_questionnaire
    from survey_service.roster.operations import import_roster
    from survey_service.surveys.models import SurveyState
    from survey_service.surveys.operations import change_state, create_survey

    with app.app_context():
        version, _ = import_questionnaire(QUESTIONNAIRE.read_bytes(), QUESTIONNAIRE.name)
        roster = import_roster(ROSTER.read_bytes(), ROSTER.name, "shanghai")
        survey = create_survey("remote-edu-ops-2017", version, roster)
        change_state(survey, SurveyState.open)
        db.session.commit()
    return "remote-edu-ops-2017"


def count_rows(table: str) -> int:
    return db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def built_download(app, client, url: str, timeout: float = 120.0, **kwargs):
    """GET a document built by a job: the first request starts its build (run here, as a worker would, unless the
    app's own worker has taken it already), the next gets the file."""
    from survey_service.jobs.models import Job, JobState
    from survey_service.jobs.operations import run_job

    response = client.get(url, **kwargs)
    if response.status_code == 202:
        with app.app_context():
            job_id = db.session.scalar(select(Job.id).where(Job.kind == "report").order_by(Job.id.desc()))
        run_job(app, job_id)
        deadline = time.monotonic() + timeout
        while True:
            with app.app_context():
                if db.session.get(Job, job_id).state in (JobState.done, JobState.failed):
                    break
            assert time.monotonic() < deadline, f"the build of {url} did not finish"
            time.sleep(0.2)
        response = client.get(url, **kwargs)
    return response


def statements_sent(app, action) -> list[tuple[str, bool | None]]:
    """(SQL, whether the driver's connection commits by itself — None on SQLite) of each statement ``action`` sends
    through the app's engine."""
    sent = []
    with app.app_context():
        engine = db.engine

    def note(connection, cursor, statement, parameters, context, executemany):
        sent.append((statement, getattr(connection.connection.driver_connection, "autocommit", None)))

    listening_during(engine, "before_cursor_execute", note, action)
    return sent


def listening_during(target, identifier: str, listener, action) -> None:
    """Run ``action`` with ``listener`` on SQLAlchemy's event ``identifier`` of ``target``, and only then."""
    from sqlalchemy import event

    event.listen(target, identifier, listener)
    try:
        action()
    finally:
        event.remove(target, identifier, listener)
