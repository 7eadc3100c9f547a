"""Invitations and reminders over real SMTP (aiosmtpd on loopback): Chinese MIME, BASE_URL links, the delivery log."""
import re

from sqlalchemy import func, select

from survey_service.audit.models import AuditEvent
from survey_service.extensions import db
from survey_service.mail.models import MailBatch, MailDelivery
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation
from tests.conftest import BASE_URL, post_form
from tests.console.conftest import make_survey, submit
from tests.console.smtp_server import wait_for_batches

MAIL_PAGE = "/surveys/small-2018/mail"


def send(client, kind: str, **kwargs):
    return post_form(client, f"{MAIL_PAGE}/{kind}", {}, page=MAIL_PAGE, **kwargs)


def test_invitations_are_chinese_utf8_mail_with_links_under_base_url(app, client, login, small_survey, smtp):
    login("evaluator")
    response = send(client, "invitation")  # the test client asks for http://localhost/
    assert response.status_code == 302 and "/mail/batches/" in response.location
    wait_for_batches(app)
    assert sorted(smtp.recipients) == ["dj310101002@example.org", "dj310101013@example.org",
                                       "dj310104003@example.org"]  # 湖南路街道 has no address
    message = next(m for m in smtp.messages if m["To"] == "dj310101002@example.org")
    assert message["Subject"] == "【满意度调查】2018年度远程教育运维满意度调查"
    assert "=?utf-8?" in message.as_string().split("\n\n")[0].lower()  # the subject is RFC 2047 encoded
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert body.startswith("南京东路街道：") and "2018年6月18日 18:00" in body
    with app.app_context():
        token = db.session.scalar(select(Invitation.token).join(RosterUnit).where(RosterUnit.code == "310101002"))
        assert f"{BASE_URL}/s/{token}" in body and "localhost" not in body
        assert db.session.scalar(select(func.count(Invitation.id)).where(Invitation.sent_at.is_not(None))) == 3
        assert db.session.scalars(select(MailDelivery.status)).all() == ["sent"] * 3
        assert db.session.scalar(select(AuditEvent).filter_by(action="mail.send")).details["sent"] == 3
    page = client.get(response.location).get_data(as_text=True)
    assert "已完成" in page and 'data-finished="true"' in page


def test_a_second_send_reaches_only_centres_not_yet_invited(app, client, login, small_survey, smtp):
    login("evaluator")
    send(client, "invitation")
    wait_for_batches(app)
    again = send(client, "invitation", follow_redirects=True)
    assert "没有需要发送的对象" in again.get_data(as_text=True)
    assert len(smtp.messages) == 3


def test_reminders_go_only_to_centres_that_have_not_submitted(app, client, login, small_survey, smtp):
    login("evaluator")
    submit(app, small_survey, "310101013")
    assert "2 个单位尚未提交" in client.get(MAIL_PAGE).get_data(as_text=True)
    send(client, "reminder")
    wait_for_batches(app)
    assert sorted(smtp.recipients) == ["dj310101002@example.org", "dj310104003@example.org"]
    assert all(m["Subject"].startswith("【提醒】") for m in smtp.messages)
    assert "尚未收到贵中心填写" in smtp.messages[0].get_content()
    with app.app_context():
        assert db.session.scalar(select(func.count(Invitation.id)).where(Invitation.reminded_at.is_not(None))) == 2


def test_refused_mail_is_shown_and_can_be_retried(app, client, login, small_survey, smtp):
    login("evaluator")
    smtp.refusing = True
    batch_page = send(client, "invitation").location
    wait_for_batches(app)
    page = client.get(batch_page).get_data(as_text=True)
    assert page.count("550 5.1.1 Mailbox unavailable") == 3 and "外滩街道" in page
    assert "重试" in page
    smtp.refusing = False
    retried = post_form(client, batch_page + "/retry", {}, page=batch_page)
    assert retried.status_code == 302
    wait_for_batches(app)
    assert len(smtp.messages) == 3
    with app.app_context():
        assert db.session.scalars(select(MailDelivery.status)).all() == ["sent"] * 3
        assert db.session.scalar(select(func.count(Invitation.id)).where(Invitation.sent_at.is_not(None))) == 3
    assert "550" not in client.get(batch_page).get_data(as_text=True)


def test_an_unreachable_server_fails_every_delivery_with_its_error(app, client, login, small_survey):
    from tests.console.smtp_server import free_port

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    login("evaluator")
    batch_page = send(client, "invitation").location
    wait_for_batches(app)
    assert client.get(batch_page).get_data(as_text=True).count("ConnectionRefusedError") == 3


def test_a_batch_interrupted_by_a_dying_process_is_resumed_by_retry(app, client, login, small_survey, smtp):
    login("evaluator")
    with app.app_context():
        # what a process that died after the first e-mail leaves behind: an unfinished batch, two pending
        invitations = db.session.scalars(select(Invitation).join(RosterUnit)
                                         .where(RosterUnit.contact_email.is_not(None)).order_by(Invitation.id)).all()
        batch = MailBatch(survey_id=invitations[0].survey_id, kind="invitation", total=3)
        batch.deliveries = [MailDelivery(invitation_id=i.id, kind="invitation", recipient=i.unit.contact_email,
                                         status="sent" if n == 0 else "pending") for n, i in enumerate(invitations)]
        db.session.add(batch)
        db.session.commit()
        batch_page = f"{MAIL_PAGE}/batches/{batch.id}"
    page = client.get(batch_page).get_data(as_text=True)
    assert 'data-finished="false"' in page and "console-mail.js" in page
    progress = client.get(batch_page + "/progress").get_json()
    assert progress == {"id": batch.id, "kind": "invitation", "total": 3, "sent": 1, "failed": 0, "pending": 2,
                        "finished": False}
    post_form(client, batch_page + "/retry", {}, page=batch_page)
    wait_for_batches(app)
    assert sorted(smtp.recipients) == ["dj310101013@example.org", "dj310104003@example.org"]
    assert client.get(batch_page + "/progress").get_json()["finished"] is True


def test_no_mail_while_the_survey_is_a_draft(app, client, login, smtp):
    with app.app_context():
        make_survey(state="draft")
    login("evaluator")
    page = send(client, "invitation", follow_redirects=True).get_data(as_text=True)
    assert "调查进行中才能发送邮件" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(MailBatch.id))) == 0


def test_a_batch_of_another_survey_is_not_found(app, client, login, small_survey, smtp):
    login("evaluator")
    send(client, "invitation")
    (batch,) = wait_for_batches(app)
    with app.app_context():
        make_survey("other-2018")
    assert client.get(f"/surveys/other-2018/mail/batches/{batch.id}").status_code == 404
    assert client.get(f"/surveys/other-2018/mail/batches/{batch.id}/progress").status_code == 404


def test_send_needs_the_csrf_token(app, client, login, small_survey, smtp):
    login("evaluator")
    assert client.post(f"{MAIL_PAGE}/invitation").status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(MailBatch.id))) == 0


def test_message_ids_and_dates_are_set(app, client, login, small_survey, smtp):
    login("evaluator")
    send(client, "invitation")
    wait_for_batches(app)
    assert all(re.match(r"<.+@example\.org>", m["Message-ID"]) and m["Date"] for m in smtp.messages)
    assert smtp.messages[0]["From"] == "pingjia@example.org"
