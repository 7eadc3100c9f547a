"""The mail server set in the console: saved in the database with the password encrypted and never shown, the
environment winning when it names a server, the test message and the batches (run by the worker) using what is in
effect; a real SMTP server on loopback."""
from __future__ import annotations

from email.utils import parseaddr

from cryptography.fernet import Fernet
from sqlalchemy import select

from survey_service.audit.models import AuditEvent
from survey_service.extensions import db
from survey_service.mail.models import MailServer
from survey_service.mail.settings import decrypt_password
from tests.conftest import post_form
from tests.console.smtp_server import free_port, wait_for_batches

PAGE = "/admin/mail"
PASSWORD = "s3cret-Passw0rd"


def save(client, **fields):
    values = {"host": "127.0.0.1", "port": "25", "security": "none", "username": "", "password": "",
              "sender_address": "pingjia@example.org", "sender_name": "上海市财政局绩效评价办公室", **fields}
    return post_form(client, f"{PAGE}/server", {f"server-{name}": value for name, value in values.items()},
                     page=PAGE)


def only_saved(app) -> None:
    """The loopback server is running, but the app's configuration (the environment) names none."""
    app.config.update(SMTP_HOST=None, SMTP_PORT=25, MAIL_FROM="survey-service@localhost")


def test_an_admin_sets_the_server_in_the_console_and_the_test_message_arrives(app, client, login, smtp):
    port = app.config["SMTP_PORT"]
    only_saved(app)
    login("admin")
    before = client.get(PAGE).get_data(as_text=True)
    assert "尚未配置邮件服务器" in before and "发送测试邮件" not in before and "请在下方填写邮件服务器" in before
    saved = save(client, port=str(port))
    assert saved.status_code == 302 and saved.location.endswith(PAGE)
    page = client.get(PAGE).get_data(as_text=True)
    assert "邮件服务器设置已保存" in page and "在本页保存。" in page and "尚未配置邮件服务器" not in page
    assert 'value="127.0.0.1"' in page and f'value="{port}"' in page
    answer = post_form(client, PAGE, {"recipient": "ops@example.org"}).get_data(as_text=True)
    assert "邮件服务器已接收测试邮件" in answer and "250 Message accepted for delivery" in answer
    [message] = smtp.messages
    assert message["To"] == "ops@example.org" and message["Subject"] == "满意度调查系统测试邮件"
    assert parseaddr(message["From"]) == ("上海市财政局绩效评价办公室", "pingjia@example.org")
    assert message["Message-ID"].endswith("@example.org>")
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).filter_by(action="mail.settings")).all()
        assert event.actor == "admin@example.org"
        assert event.details == {"host": "127.0.0.1", "port": port, "security": "none", "user": None,
                                 "sender": "pingjia@example.org", "sender_name": "上海市财政局绩效评价办公室",
                                 "password": "none"}


def test_a_batch_run_by_the_worker_uses_the_saved_server(app, client, login, small_survey, smtp):
    port = app.config["SMTP_PORT"]
    only_saved(app)
    login("admin")
    assert "尚未配置邮件服务器" in client.get(f"/surveys/{small_survey}/mail").get_data(as_text=True)
    save(client, port=str(port))
    page = client.get(f"/surveys/{small_survey}/mail").get_data(as_text=True)
    assert "尚未配置邮件服务器" not in page
    post_form(client, f"/surveys/{small_survey}/mail/invitation", {}, page=f"/surveys/{small_survey}/mail")
    wait_for_batches(app)
    assert len(smtp.messages) == 3
    assert {parseaddr(m["From"])[1] for m in smtp.messages} == {"pingjia@example.org"}


def test_the_password_is_encrypted_never_shown_and_kept_when_left_blank(app, client, login):
    only_saved(app)
    login("admin")
    assert save(client, username="ops", password=PASSWORD, security="starttls", port="587").status_code == 302
    with app.app_context():
        server = db.session.get(MailServer, 1)
        assert PASSWORD not in server.password_encrypted and decrypt_password(server.password_encrypted) == PASSWORD
    page = client.get(PAGE).get_data(as_text=True)
    assert PASSWORD not in page and "（已设密码）" in page and "留空则保留已保存的密码" in page
    assert save(client, username="ops", security="starttls", port="587").status_code == 302  # blank: kept
    with app.app_context():
        assert decrypt_password(db.session.get(MailServer, 1).password_encrypted) == PASSWORD
        events = db.session.scalars(select(AuditEvent).filter_by(action="mail.settings")
                                    .order_by(AuditEvent.id)).all()
        assert [e.details["password"] for e in events] == ["changed", "unchanged"]
        assert all(PASSWORD not in str(e.details) for e in events)
    with app.app_context():  # saved under another SECRET_KEY: it cannot be read back, and the page asks for it
        db.session.get(MailServer, 1).password_encrypted = Fernet(Fernet.generate_key()).encrypt(b"x").decode()
        db.session.commit()
    assert "已保存的密码无法读取" in client.get(PAGE).get_data(as_text=True)
    assert save(client, port="587").status_code == 302  # no user name: no signing in, no password kept
    with app.app_context():
        assert db.session.get(MailServer, 1).password_encrypted is None


def test_the_environment_wins_and_the_page_says_so(app, client, login, smtp):
    login("admin")
    assert save(client, port=str(free_port())).status_code == 302  # saved: a port nobody listens on
    page = client.get(PAGE).get_data(as_text=True)
    assert "环境变量优先" in page and "在本页保存。" not in page
    answer = post_form(client, PAGE, {"recipient": "ops@example.org"}).get_data(as_text=True)
    assert "邮件服务器已接收测试邮件" in answer and len(smtp.messages) == 1  # the environment's server


def test_bad_settings_and_a_missing_csrf_token_save_nothing(app, client, login):
    only_saved(app)
    login("admin")
    refused = save(client, port="70000", sender_address="not an address", host="")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and page.count('class="field-error"') == 3
    assert "Not a valid" not in page and "This field" not in page
    forged = client.post(f"{PAGE}/server", data={"server-host": "mail.example.org", "server-port": "25",
                                                 "server-security": "none",
                                                 "server-sender_address": "a@example.org"})
    assert forged.status_code == 400
    unknown = save(client, security="tls1.0")
    assert unknown.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(MailServer)) is None
