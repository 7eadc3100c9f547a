"""Users change their own password; administrators set one for an account. Both end the account's other sessions
and are audited."""
from __future__ import annotations

from sqlalchemy import select

from survey_service.audit.models import AuditEvent
from survey_service.auth.operations import find_user
from survey_service.extensions import db
from tests.conftest import create_account, log_in, post_form

OLD, NEW = "correct horse battery", "staple battery horse 2018"


def test_a_user_changes_their_own_password(app):
    email, _ = create_account(app, "viewer", "viewer@example.org", OLD)
    here, elsewhere = app.test_client(), app.test_client()
    assert log_in(here, email, OLD).status_code == 302 and log_in(elsewhere, email, OLD).status_code == 302
    assert "修改密码" in here.get("/account/password").get_data(as_text=True)

    wrong = post_form(here, "/account/password", {"current": "not it at all", "password": NEW, "confirm": NEW})
    assert wrong.status_code == 422 and "当前密码不正确。" in wrong.get_data(as_text=True)
    differ = post_form(here, "/account/password", {"current": OLD, "password": NEW, "confirm": NEW + "x"})
    assert differ.status_code == 422 and "两次输入的密码不一致。" in differ.get_data(as_text=True)
    short = post_form(here, "/account/password", {"current": OLD, "password": "short", "confirm": "short"})
    assert short.status_code == 422

    changed = post_form(here, "/account/password", {"current": OLD, "password": NEW, "confirm": NEW})
    assert changed.status_code == 302
    assert "密码已修改" in here.get("/").get_data(as_text=True)  # this session goes on
    assert elsewhere.get("/").status_code == 302  # the other one has ended
    assert log_in(app.test_client(), email, OLD).status_code == 200
    assert log_in(app.test_client(), email, NEW).status_code == 302
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).filter_by(action="user.password_change")).all()
        assert event.actor == email and OLD not in str(event.details) and NEW not in str(event.details)


def test_changing_a_password_needs_the_csrf_token(app):
    email, _ = create_account(app, "viewer", "viewer@example.org", OLD)
    client = app.test_client()
    log_in(client, email, OLD)
    refused = client.post("/account/password", data={"current": OLD, "password": NEW, "confirm": NEW})
    assert refused.status_code in (400, 422)
    assert log_in(app.test_client(), email, OLD).status_code == 302


def test_an_administrator_sets_a_password_and_the_account_s_sessions_end(app):
    admin_email, _ = create_account(app, "admin", "admin@example.org", OLD)
    user_email, _ = create_account(app, "evaluator", "evaluator@example.org", OLD)
    admin, user = app.test_client(), app.test_client()
    log_in(admin, admin_email, OLD)
    log_in(user, user_email, OLD)
    with app.app_context():
        user_id = find_user(user_email).id
    page = f"/admin/users/{user_id}"
    assert "设置密码" in admin.get(page).get_data(as_text=True)
    mismatch = post_form(admin, f"{page}/password", {"password": NEW, "confirm": "other"}, page=page)
    assert mismatch.status_code == 302 and "两次输入的密码不一致。" in admin.get(page).get_data(as_text=True)
    assert user.get("/").status_code == 200

    done = post_form(admin, f"{page}/password", {"password": NEW, "confirm": NEW}, page=page)
    assert done.status_code == 302 and "请当面交付" in admin.get(page).get_data(as_text=True)
    assert user.get("/").status_code == 302
    assert log_in(app.test_client(), user_email, NEW).status_code == 302
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).filter_by(action="user.password_reset")).all()
        assert event.actor == admin_email and event.details == {"email": user_email, "by": admin_email}
