import pytest

from survey_service.auth.operations import create_api_token, create_user
from survey_service.extensions import db


def issue_token(app, email: str = "scoring@example.org") -> str:
    """A viewer's API token, issued as the console issues it (only its hash is stored)."""
    with app.app_context():
        _, secret = create_api_token(create_user(email, "viewer", "correct horse battery"), "scoring report")
        db.session.commit()
    return secret


@pytest.fixture(scope="module")
def demo_bearer(demo_app):
    return {"Authorization": f"Bearer {issue_token(demo_app)}"}


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


@pytest.fixture
def api_token(app):
    return issue_token(app)


@pytest.fixture
def bearer(api_token):
    return {"Authorization": f"Bearer {api_token}"}
