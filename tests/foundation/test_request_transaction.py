"""The request commits once when its view returned normally, and rolls back when anything refused or failed —
whatever status the answer carries (a redirect after a refusal commits nothing)."""
import pytest
from flask import abort, redirect
from sqlalchemy import select

from survey_service.audit.models import AuditEvent
from survey_service.audit.operations import record
from survey_service.extensions import csrf, db
from survey_service.problems import ProblemList
from tests.conftest import make_app


def _views(application):
    """Test-only routes: each writes an audit row, then ends one way."""

    def write():
        record("test.write")
        db.session.flush()

    def refused_then_redirected():
        write()
        try:
            raise ProblemList(["refused"])
        except ProblemList:
            return redirect("/")

    def succeeded_with_422():
        write()
        return "shown again", 422

    def aborted():
        write()
        abort(404)

    def crashed():
        write()
        raise RuntimeError("bug")

    def succeeded():
        write()
        return redirect("/")

    for view in (refused_then_redirected, succeeded_with_422, aborted, crashed, succeeded):
        application.add_url_rule(f"/test/{view.__name__}", view.__name__, csrf.exempt(view), methods=["POST"])


@pytest.fixture
def transaction_app(database_url):
    application = make_app(database_url, PROPAGATE_EXCEPTIONS=False)
    _views(application)
    with application.app_context():
        db.create_all()
    yield application
    with application.app_context():
        if db.engine.dialect.name == "postgresql":
            db.drop_all()
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(("view", "status", "committed"), [
    ("succeeded", 302, True),
    ("succeeded_with_422", 422, True),
    ("refused_then_redirected", 302, False),
    ("aborted", 404, False),
    ("crashed", 500, False),
])
def test_commit_follows_how_the_view_ended_not_the_status(transaction_app, view, status, committed):
    response = transaction_app.test_client().post(f"/test/{view}")
    assert response.status_code == status
    with transaction_app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "test.write")).all()
    assert len(rows) == (1 if committed else 0)
