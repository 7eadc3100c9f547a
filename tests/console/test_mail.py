"""Invitations and reminders over real SMTP (aiosmtpd on loopback): Chinese MIME, BASE_URL links, the delivery log."""
import re
import time

from sqlalchemy import func, select

from survey_service.audit.models import AuditEvent
from survey_service.extensions import db
from survey_service.jobs.models import Job, JobState
from survey_service.mail.models import MailBatch, MailDelivery
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation, Survey
from survey_service.timestamps import utcnow
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
    assert message.get_content_type() == "multipart/alternative"
    text_part = message.get_body(("plain",))
    assert text_part.get_content_charset() == "utf-8" and message.get_body(("html",)) is not None
    body = text_part.get_content()
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
    assert "尚未收到贵中心填写" in smtp.messages[0].get_body(("plain",)).get_content()
    with app.app_context():
        assert db.session.scalar(select(func.count(Invitation.id)).where(Invitation.reminded_at.is_not(None))) == 2


def test_refused_mail_fails_the_batch_in_red_and_can_be_retried(app, client, login, small_survey, smtp):
    login("evaluator")
    smtp.refusing = True
    batch_page = send(client, "invitation").location
    wait_for_batches(app)
    page = client.get(batch_page).get_data(as_text=True)
    assert "失败：3 封邮件中有 3 封未被邮件服务器接收" in page and "已完成" not in page
    assert 'class="status bad batch-failed"' in page
    assert page.count("邮件服务器拒绝了该地址") == 3 and page.count("550 5.1.1 Mailbox unavailable") == 3
    assert "外滩街道" in page and "重新发送失败的邮件" in page
    with app.app_context():  # refused (5xx) is permanent: one try each, no backoff
        assert db.session.scalars(select(MailDelivery.attempts)).all() == [1, 1, 1]
        assert db.session.scalar(select(Job.state)) is JobState.failed
    mail_page = client.get(MAIL_PAGE).get_data(as_text=True)
    assert "需更正的邮箱地址" in mail_page and "dj310101013@example.org" in mail_page
    smtp.refusing = False
    retried = post_form(client, batch_page + "/retry", {}, page=batch_page)
    assert retried.status_code == 302
    wait_for_batches(app)
    assert len(smtp.messages) == 3
    with app.app_context():
        assert db.session.scalars(select(MailDelivery.status)).all() == ["sent"] * 3
        assert db.session.scalar(select(func.count(Invitation.id)).where(Invitation.sent_at.is_not(None))) == 3
        assert db.session.scalar(select(Job.state)) is JobState.done
    page = client.get(batch_page).get_data(as_text=True)
    assert "550" not in page and "已完成" in page
    assert "需更正的邮箱地址" not in client.get(MAIL_PAGE).get_data(as_text=True)


def test_an_unreachable_server_is_retried_with_backoff_then_explained(app, client, login, small_survey):
    from tests.console.smtp_server import free_port

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), MAIL_RETRY_SECONDS=0.2, MAIL_MAX_ATTEMPTS=3)
    login("evaluator")
    batch_page = send(client, "invitation").location
    wait_for_batches(app)
    page = client.get(batch_page).get_data(as_text=True)
    assert page.count("无法连接邮件服务器（连接被拒绝）") == 3 and "ConnectionRefusedError" in page
    assert "已完成" not in page and "失败：3 封邮件中有 3 封" in page
    with app.app_context():
        # each pass tries the first and holds the others back with it (the server, not the address, is the
        # problem): three passes fail the whole batch
        assert db.session.scalars(select(MailDelivery.attempts)).all() == [3, 3, 3]
        assert db.session.scalar(select(Job.attempts)) == 3


def test_a_server_answering_4xx_then_recovering_completes_the_batch_after_backoff(app, client, login,
                                                                                  small_survey, smtp):
    app.config.update(MAIL_RETRY_SECONDS=0.2)
    smtp.deferring = 4  # the first pass is deferred for all three, and one of them once more
    login("evaluator")
    batch_page = send(client, "invitation").location
    wait_for_batches(app)
    assert sorted(smtp.recipients) == ["dj310101002@example.org", "dj310101013@example.org",
                                       "dj310104003@example.org"]
    with app.app_context():
        assert sorted(db.session.scalars(select(MailDelivery.attempts))) == [2, 2, 3]
        assert db.session.scalar(select(Job.state)) is JobState.done
    assert "已完成" in client.get(batch_page).get_data(as_text=True)


def test_no_batch_starts_while_no_mail_server_is_configured(app, client, login, small_survey):
    app.config.update(SMTP_HOST=None)
    login("evaluator")
    page = client.get(MAIL_PAGE).get_data(as_text=True)
    assert "尚未配置邮件服务器" in page and "SMTP_HOST" in page
    assert page.count("disabled") >= 2
    refused = send(client, "invitation", follow_redirects=True).get_data(as_text=True)
    assert "尚未配置邮件服务器，暂时无法发送任何邮件" in refused
    with app.app_context():
        assert db.session.scalar(select(func.count(MailBatch.id))) == 0
        assert db.session.scalar(select(func.count(Job.id))) == 0


def test_admins_send_a_test_message_and_see_the_servers_answers(app, client, login, smtp):
    login("admin")
    response = post_form(client, "/admin/mail", {"recipient": "ops@example.org"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "邮件服务器已接收测试邮件" in page
    assert "250 Message accepted for delivery" in page and "220 " in page
    assert [m["To"] for m in smtp.messages] == ["ops@example.org"]
    assert smtp.messages[0]["Subject"] == "满意度调查系统测试邮件"
    smtp.refusing = True
    page = post_form(client, "/admin/mail", {"recipient": "ops@example.org"}).get_data(as_text=True)
    assert "未发送：邮件服务器拒绝了该地址" in page and "550 5.1.1 Mailbox unavailable" in page
    with app.app_context():
        assert [e.details["accepted"] for e in db.session.scalars(
            select(AuditEvent).filter_by(action="mail.test").order_by(AuditEvent.id))] == [True, False]


def test_the_test_message_explains_a_refused_connection(app, client, login):
    from tests.console.smtp_server import free_port

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    login("admin")
    page = post_form(client, "/admin/mail", {"recipient": "ops@example.org"}).get_data(as_text=True)
    assert "未发送：无法连接邮件服务器（连接被拒绝）" in page and "ConnectionRefusedError" in page


def test_a_line_break_in_the_survey_title_does_not_break_the_send(app, client, login, small_survey, smtp):
    with app.app_context():
        survey = db.session.scalar(select(Survey).filter_by(key=small_survey))
        survey.title = "2018年度\r\n远程教育运维满意度调查\nBcc: everyone@example.org"
        db.session.commit()
    login("evaluator")
    send(client, "invitation")
    wait_for_batches(app)
    assert len(smtp.messages) == 3
    message = smtp.messages[0]
    assert message["Subject"] == "【满意度调查】2018年度 远程教育运维满意度调查 Bcc: everyone@example.org"
    assert message["Bcc"] is None


def test_an_interrupted_batch_is_taken_over_without_resending_what_was_sent(app, client, login, small_survey,
                                                                          smtp):
    """What a killed worker leaves: a running job with an old heartbeat, one e-mail sent, one under way."""
    from survey_service.jobs.clock import tick

    app.config.update(JOB_STALE_SECONDS=30)
    with app.app_context():
        invitations = db.session.scalars(select(Invitation).join(RosterUnit)
                                         .where(RosterUnit.contact_email.is_not(None)).order_by(Invitation.id)).all()
        batch = MailBatch(survey_id=invitations[0].survey_id, kind="invitation", total=3)
        batch.deliveries = [MailDelivery(invitation_id=i.id, kind="invitation", recipient=i.unit.contact_email,
                                         status="sent" if n == 0 else "pending", attempts=int(n < 2),
                                         attempted_at=utcnow() if n < 2 else None)
                            for n, i in enumerate(invitations)]
        db.session.add(batch)
        db.session.flush()
        job = Job(kind="mail_batch", survey_id=batch.survey_id, params={"batch_id": batch.id}, total=3,
                  state=JobState.running, attempts=1, heartbeat_at=utcnow(), enqueued_at=utcnow())
        db.session.add(job)
        db.session.flush()
        batch.job_id = job_id = job.id
        db.session.commit()
        batch_page = f"{MAIL_PAGE}/batches/{batch.id}"
    login("evaluator")
    progress = client.get(batch_page + "/progress").get_json()
    assert progress == {"id": batch.id, "kind": "invitation", "total": 3, "sent": 1, "failed": 0, "pending": 2,
                        "skipped": 0, "state": "running", "next_try": None, "finished": False}
    with app.app_context():
        tick()  # the heartbeat is fresh: nobody takes the job over yet
        assert db.session.get(Job, job_id).attempts == 1
    app.config.update(JOB_STALE_SECONDS=0.5)
    time.sleep(0.6)
    wait_for_batches(app)  # the clock loop of the embedded worker found the old heartbeat
    assert sorted(smtp.recipients) == ["dj310101013@example.org", "dj310104003@example.org"]
    with app.app_context():
        assert db.session.get(Job, job_id).attempts == 2
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
