"""Console sessions: rate-limited login, a new session on login, logout that kills copied cookies, sliding idle
timeout, cookie flags."""
import itsdangerous
import pytest

from tests.conftest import create_account, log_in, make_app, post_form


def session_cookie(client):
    return client.get_cookie("session")


def test_login_is_rate_limited(app, client):
    email, _ = create_account(app, "evaluator")
    statuses = [log_in(client, email, "wrong password").status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429


def test_login_starts_a_new_session(app, client):
    email, password = create_account(app, "evaluator")
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone before login"
    log_in(client, email, password)
    with client.session_transaction() as session:
        assert "planted" not in session and session.permanent


def test_logout_ends_the_session_on_the_server(app, client):
    email, password = create_account(app, "evaluator")
    log_in(client, email, password)
    copied = session_cookie(client).value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/").status_code == 200
    post_form(client, "/logout", {}, page="/")
    assert thief.get("/").status_code == 302 and "/login" in thief.get("/").location


def test_idle_timeout_slides_with_activity(app, client, monkeypatch):
    clock = {"now": 1_700_000_000}
    monkeypatch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda self: clock["now"])
    email, password = create_account(app, "evaluator")
    log_in(client, email, password)
    for idle_minutes in (20, 25, 29):  # 74 minutes after login, but never 30 idle: each request renews the session
        clock["now"] += idle_minutes * 60
        assert client.get("/").status_code == 200
    clock["now"] += 31 * 60
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("base_url, secure", [("https://survey.example.test", True), ("http://127.0.0.1:5000", False)])
def test_cookie_flags(database_url, base_url, secure):
    app = make_app(database_url, BASE_URL=base_url)
    from survey_service.extensions import db

    with app.app_context():
        db.create_all()
    email, password = create_account(app, "viewer")
    cookie = log_in(app.test_client(), email, password).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("Secure" in cookie) is secure
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def test_a_deactivated_account_cannot_log_in(app, client):
    from survey_service.auth.operations import find_user
    from survey_service.extensions import db

    email, password = create_account(app, "evaluator")
    with app.app_context():
        find_user(email).active = False
        db.session.commit()
    assert "邮箱或密码不正确" in log_in(client, email, password).get_data(as_text=True)
