"""Administration: accounts, roles, deactivation, API tokens (shown once, stored as sha256), the audit log."""
import hashlib
import re

from sqlalchemy import select

from survey_service.audit.operations import record
from survey_service.auth.models import ApiToken, Role, User
from survey_service.auth.operations import find_user
from survey_service.extensions import db
from tests.conftest import create_account, log_in, post_form


def user_id(app, email: str) -> int:
    with app.app_context():
        return find_user(email).id


def test_create_a_user(app, client, login):
    login("admin")
    created = post_form(client, "/admin/users/new", {"email": "Pingjia@Example.org", "role": "viewer",
                                                     "password": "a long enough secret"})
    assert created.status_code == 302
    assert "已创建账户 pingjia@example.org" in client.get(created.location).get_data(as_text=True)
    duplicate = post_form(client, "/admin/users/new", {"email": "pingjia@example.org", "role": "viewer",
                                                       "password": "a long enough secret"})
    assert duplicate.status_code == 422 and "该邮箱的账户已存在" in duplicate.get_data(as_text=True)
    short = post_form(client, "/admin/users/new", {"email": "x@example.org", "role": "viewer", "password": "short"})
    assert short.status_code == 422
    assert "pingjia@example.org" in client.get("/admin/users").get_data(as_text=True)


def test_change_role_and_deactivate_end_the_users_sessions(app, client, login):
    login("admin")
    email, password = create_account(app, "evaluator", "colleague@example.org")
    colleague = app.test_client()
    log_in(colleague, email, password)
    page = f"/admin/users/{user_id(app, email)}"
    post_form(client, page + "/role", {"role": "viewer"}, page=page)
    with app.app_context():
        assert find_user(email).role is Role.viewer
    assert colleague.get("/surveys/new").status_code == 403  # the new role applies at once
    done = post_form(client, page + "/deactivate", {}, page=page, follow_redirects=True).get_data(as_text=True)
    assert "已停用" in done
    assert colleague.get("/").status_code == 302
    post_form(client, page + "/activate", {}, page=page)
    assert log_in(app.test_client(), email, password).status_code == 302


def test_an_admin_cannot_lock_themselves_out(app, client, login):
    email = login("admin")
    page = f"/admin/users/{user_id(app, email)}"
    refused = post_form(client, page + "/role", {"role": "viewer"}, page=page, follow_redirects=True)
    assert "不能修改本人账户的角色" in refused.get_data(as_text=True)
    post_form(client, page + "/deactivate", {}, page=page)
    with app.app_context():
        me = find_user(email)
        assert me.role is Role.admin and me.active


def test_api_token_is_shown_once_and_stored_as_sha256(app, client, login):
    login("admin")
    email, _ = create_account(app, "viewer", "report@example.org")
    page = f"/admin/users/{user_id(app, email)}"
    created = post_form(client, page + "/tokens", {"name": "评分报告"}, page=page)
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    secret = re.search(r'<code id="api-token">([^<]+)</code>', created.get_data(as_text=True)).group(1)
    assert secret.startswith("ssk_") and len(secret) >= 4 + 43  # 32 random bytes
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest() and secret.startswith(token.prefix)
        assert token.user.email == email
    listing = client.get(page).get_data(as_text=True)
    assert token.prefix in listing and secret not in listing
    post_form(client, f"{page}/tokens/{token.id}/revoke", {}, page=page)
    with app.app_context():
        assert db.session.get(ApiToken, token.id).revoked_at is not None


def test_a_token_is_revoked_only_through_its_own_user(app, client, login):
    admin_email = login("admin")
    email, _ = create_account(app, "viewer", "report@example.org")
    page = f"/admin/users/{user_id(app, email)}"
    post_form(client, page + "/tokens", {"name": "x"}, page=page)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    other = f"/admin/users/{user_id(app, admin_email)}"
    assert post_form(client, f"{other}/tokens/{token_id}/revoke", {}, page=other).status_code == 404


def test_audit_log_filters_by_action_and_pages(app, client, login):
    with app.app_context():
        for n in range(60):
            record("invitations.export", actor="cli", rows=n)
        db.session.commit()
    login("admin")
    first = client.get("/admin/audit?action=invitations.export").get_data(as_text=True)
    assert "共 60 条记录" in first and "第 1 页，共 2 页" in first and "auth.login" not in first.split("<tbody>")[1]
    second = client.get("/admin/audit?action=invitations.export&page=2").get_data(as_text=True)
    assert "第 2 页，共 2 页" in second and second.count("<code>invitations.export</code>") == 10
    everything = client.get("/admin/audit").get_data(as_text=True)
    assert "auth.login" in everything


def test_logins_imports_and_state_changes_reach_the_audit_log(app, client, login, small_survey):
    login("admin")
    page = client.get("/admin/audit").get_data(as_text=True)
    for action in ("auth.login", "roster.import", "questionnaire.import", "survey.create", "survey.open",
                   "user.create"):
        assert f"<code>{action}</code>" in page
    with app.app_context():
        assert db.session.scalar(select(User.role).filter_by(email="admin@example.org")) is Role.admin
