"""The pool's handling of connections (database.engine_options): a connection goes back rolled back only when its
transaction is still open, so PostgreSQL keeps its prepared statements; an idle PostgreSQL connection is tested
before use and replaced if the server dropped it; a view marked ``reads_only`` runs without a transaction on
PostgreSQL and may not write through the session."""
from __future__ import annotations

import psycopg
import pytest
from flask import g
from sqlalchemy import func, select, text

from survey_service import database
from survey_service.extensions import db
from survey_service.roster.models import Roster
from survey_service.surveys.models import Invitation
from tests.conftest import _reset_schema, make_app, statements_sent
from tests.respond.conftest import issue_survey


@pytest.fixture
def postgres_app(postgres_database):
    application = make_app(postgres_database)
    with application.app_context():
        _reset_schema()
    return application


def server_pid(application) -> int:
    with application.app_context():
        return db.session.scalar(text("SELECT pg_backend_pid()"))


def test_a_connection_returned_with_its_transaction_open_is_rolled_back(app):
    with app.app_context():
        connection = db.engine.connect()
        connection.execute(Roster.__table__.insert().values(name="never committed"))
        connection.close()  # back to the pool without a commit
        assert db.session.scalar(select(func.count()).select_from(Roster)) == 0


@pytest.mark.postgres
def test_requests_keep_the_connections_prepared_statements(postgres_app):
    """psycopg prepares a statement run five times on a connection; a rollback on every return to the pool would
    throw them away (and cost a round trip) on every request."""
    tokens = issue_survey(postgres_app)
    client = postgres_app.test_client()
    pid = server_pid(postgres_app)
    for token in tokens[:8]:
        assert client.get(f"/s/{token}").status_code == 200
    with postgres_app.app_context():
        # in one transaction, before its end rolls back (and so clears) what the connection prepared
        prepared = db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
        assert db.session.scalar(text("SELECT pg_backend_pid()")) == pid  # one connection served them all
    assert any("FROM invitations" in statement for statement in prepared)


@pytest.mark.postgres
def test_an_idle_connection_the_server_dropped_is_replaced_before_use(postgres_app, postgres_database, monkeypatch):
    tokens = issue_survey(postgres_app)
    client = postgres_app.test_client()
    assert client.get(f"/s/{tokens[0]}").status_code == 200
    dropped = server_pid(postgres_app)
    with psycopg.connect(postgres_database.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (dropped,)).fetchone()[0]
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert client.get(f"/s/{tokens[1]}").status_code == 200
    assert server_pid(postgres_app) != dropped


@pytest.mark.postgres
def test_a_connection_dropped_while_recently_used_fails_one_request_with_503_then_the_pool_recovers(
        postgres_app, postgres_database):
    tokens = issue_survey(postgres_app)
    postgres_app.config["PROPAGATE_EXCEPTIONS"] = False
    client = postgres_app.test_client()
    assert client.get(f"/s/{tokens[0]}").status_code == 200
    with psycopg.connect(postgres_database.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (server_pid(postgres_app),))
    assert client.get(f"/s/{tokens[1]}").status_code == 503  # not tested: it had sat idle for under a second
    assert client.get(f"/s/{tokens[1]}").status_code == 200


def test_a_reads_only_request_may_not_write_through_the_session(app):
    issue_survey(app)
    with app.test_request_context("/s/x"):
        g.reads_only = True
        db.session.add(Roster(name="written by a read"))
        with pytest.raises(RuntimeError, match="reads_only"):
            db.session.flush()
        db.session.rollback()


@pytest.mark.postgres
def test_the_centres_page_reads_without_a_transaction_on_postgresql(postgres_app):
    """The GET of a personal link: its statements commit by themselves (no BEGIN, no COMMIT round trips), and the
    first opening is noted by the look-up itself; a later opening, or a request not made by a person, writes
    nothing."""
    tokens = issue_survey(postgres_app)
    client = postgres_app.test_client()
    assert client.get(f"/s/{tokens[1]}").status_code == 200  # the process reads the questionnaire once
    not_a_person = _statements_of(postgres_app, lambda: client.get(
        f"/s/{tokens[0]}", headers={"Sec-Fetch-Mode": "no-cors"}))  # a prefetch, a scanner
    assert not_a_person == [("SELECT", True)]
    a_person = _statements_of(postgres_app, lambda: client.get(f"/s/{tokens[0]}",
                                                               headers={"Sec-Fetch-Mode": "navigate"}))
    assert a_person == [("WITH", True)]
    with postgres_app.app_context():
        first = db.session.scalar(select(Invitation.opened_at).filter_by(token=tokens[0]))
    assert first is not None
    assert client.get(f"/s/{tokens[0]}", headers={"Sec-Fetch-Mode": "navigate"}).status_code == 200
    with postgres_app.app_context():
        assert db.session.scalar(select(Invitation.opened_at).filter_by(token=tokens[0])) == first


def test_a_reads_first_request_may_not_write_through_the_session_before_write_from_here(app):
    issue_survey(app)
    with app.test_request_context("/s/x", method="POST"):
        g.autocommitting = True  # a reads_first request on PostgreSQL, before write_from_here
        db.session.add(Roster(name="written before the writes began"))
        with pytest.raises(RuntimeError, match="write_from_here"):
            db.session.flush()
        db.session.rollback()


def _statements_of(application, action) -> list[tuple[str, bool]]:
    """(first word, autocommit) of each statement ``action`` sends."""
    return [(statement.split()[0], autocommit) for statement, autocommit in statements_sent(application, action)]


@pytest.mark.postgres
def test_a_first_submission_is_one_statement_that_commits_by_itself_on_postgresql(postgres_app):
    """The centre's 提交 with no saved draft: the look-up and one write, both without a transaction; the write
    stores the response, every answer, the invitation's start and the survey's new data version."""
    from survey_service.responses.models import Answer, Response, ResponseState
    from survey_service.surveys.models import Survey
    from tests.conftest import csrf_token
    from tests.respond.conftest import COMPLETE_ANSWERS

    tokens = issue_survey(postgres_app)
    client = postgres_app.test_client()
    # the process reads the questions' ids once, at its first submission
    assert client.post(f"/s/{tokens[1]}", data={"csrf_token": csrf_token(client, f"/s/{tokens[1]}"),
                                                **COMPLETE_ANSWERS, "action": "submit"}).status_code == 302
    csrf = csrf_token(client, f"/s/{tokens[0]}")
    with postgres_app.app_context():
        version_before = db.session.scalar(select(Survey.data_version))
    posted = []
    sent = _statements_of(postgres_app, lambda: posted.append(client.post(
        f"/s/{tokens[0]}", data={"csrf_token": csrf, **COMPLETE_ANSWERS, "action": "submit"})))
    assert posted[0].status_code == 302
    assert sent == [("SELECT", True), ("WITH", True)]
    with postgres_app.app_context():
        invitation = db.session.scalar(select(Invitation).filter_by(token=tokens[0]))
        response = db.session.scalar(select(Response).filter_by(invitation_id=invitation.id))
        assert response.state is ResponseState.submitted and response.reference
        stored = {answer.question.key: answer.value if answer.value is not None else answer.text
                  for answer in db.session.scalars(select(Answer).filter_by(response_id=response.id))}
        assert stored == {key.removeprefix("item-").removeprefix("open-"): int(value) if key.startswith("item-")
                          else value for key, value in COMPLETE_ANSWERS.items()}
        assert invitation.started_at == response.created_at
        assert db.session.scalar(select(Survey.data_version)) == version_before + 1


@pytest.mark.postgres
def test_a_first_save_that_meets_a_response_saved_meanwhile_goes_the_way_of_an_existing_one(postgres_app,
                                                                                             monkeypatch):
    """Between the look-up (no response) and the one-statement write, the same centre's other tab saved a draft:
    the write inserts nothing, and the submission updates that draft in a transaction of its own."""
    from sqlalchemy.orm import Session

    from survey_service.responses.models import Answer, Response, ResponseState
    from survey_service.responses.operations import save_answers
    from tests.conftest import csrf_token
    from tests.respond.conftest import COMPLETE_ANSWERS

    tokens = issue_survey(postgres_app)
    client = postgres_app.test_client()
    csrf = csrf_token(client, f"/s/{tokens[0]}")
    scalar = Session.scalar
    met = []

    def other_tab_first(session, statement, *args, **kwargs):
        if "new_response" in str(statement):
            met.append(statement)
            with postgres_app.app_context():
                invitation = db.session.scalar(select(Invitation).filter_by(token=tokens[0]))
                save_answers(invitation, {"q01": 1}, {}, submit=False)
                db.session.commit()
        return scalar(session, statement, *args, **kwargs)

    monkeypatch.setattr(Session, "scalar", other_tab_first)
    posted = client.post(f"/s/{tokens[0]}", data={"csrf_token": csrf, **COMPLETE_ANSWERS, "action": "submit"})
    monkeypatch.undo()
    assert posted.status_code == 302 and len(met) == 1
    with postgres_app.app_context():
        responses = db.session.scalars(select(Response)).all()
        assert len(responses) == 1 and responses[0].state is ResponseState.submitted
        assert db.session.scalar(select(func.count()).select_from(Answer)) == len(COMPLETE_ANSWERS)
        assert db.session.scalar(select(Answer.value).join(Answer.question).filter_by(key="q01")) == int(
            COMPLETE_ANSWERS["item-q01"])
