"""Per-survey wording of the invitation and reminder: placeholders checked on save, preview, text and HTML parts."""
from sqlalchemy import select

from survey_service.audit.models import AuditEvent
from survey_service.extensions import db
from survey_service.mail.models import MailTemplate
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation
from tests.conftest import BASE_URL, post_form
from tests.console.smtp_server import wait_for_batches

PAGE = "/surveys/small-2018/mail/templates/invitation"
SUBJECT = "请填写：{title}（{district}）"
BODY = "{unit}同志：\n\n请于 {deadline} 前填写问卷：\n{link}\n\n谢谢！<b>评价组</b>"


def unit_invitation(app, code: str) -> tuple[int, str]:
    with app.app_context():
        row = db.session.execute(select(Invitation.id, Invitation.token).join(RosterUnit)
                                 .where(RosterUnit.code == code)).one()
        return row.id, row.token


def test_the_page_shows_the_official_wording_and_its_preview(app, client, login, small_survey):
    login("evaluator")
    page = client.get(PAGE).get_data(as_text=True)
    assert "【满意度调查】{title}" in page and "受委托开展财政支出绩效评价" in page
    assert "【满意度调查】2018年度远程教育运维满意度调查" in page  # the preview, for the first centre
    assert "南京东路街道：" in page and "2018年6月18日 18:00" in page


def test_an_unknown_placeholder_is_named_and_nothing_is_saved(app, client, login, small_survey):
    login("evaluator")
    response = post_form(client, PAGE, {"subject": "{titel}", "body": "{unit} {deadlne}", "unit": "",
                                        "save": "保存"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "主题：未知的占位符 {titel}" in page and "正文：未知的占位符 {deadlne}" in page
    assert "正文：缺少 {link}" in page
    with app.app_context():
        assert db.session.scalar(select(MailTemplate)) is None


def test_preview_for_a_chosen_centre_escapes_values_in_the_html_part(app, client, login, small_survey):
    login("evaluator")
    invitation_id, token = unit_invitation(app, "310104003")
    page = post_form(client, PAGE, {"subject": SUBJECT, "body": BODY, "unit": str(invitation_id),
                                    "preview": "预览"}).get_data(as_text=True)
    assert "请填写：2018年度远程教育运维满意度调查（徐汇区）" in page
    assert "天平路街道同志：" in page and "2018年6月18日 18:00" in page
    assert f'<a href="{BASE_URL}/s/{token}">' in page
    assert "&lt;b&gt;评价组&lt;/b&gt;" in page and "<b>评价组</b>" not in page
    with app.app_context():
        assert db.session.scalar(select(MailTemplate)) is None  # a preview saves nothing


def test_a_saved_template_is_what_the_centres_receive_in_text_and_html(app, client, login, small_survey, smtp):
    login("evaluator")
    assert post_form(client, PAGE, {"subject": SUBJECT, "body": BODY, "unit": "", "save": "保存"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).filter_by(action="mail.template")).details == {
            "kind": "invitation"}
    post_form(client, "/surveys/small-2018/mail/invitation", {}, page="/surveys/small-2018/mail")
    wait_for_batches(app)
    message = next(m for m in smtp.messages if m["To"] == "dj310104003@example.org")
    _, token = unit_invitation(app, "310104003")
    assert message["Subject"] == "请填写：2018年度远程教育运维满意度调查（徐汇区）"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert text.startswith("天平路街道同志：") and f"{BASE_URL}/s/{token}" in text and "<b>评价组</b>" in text
    assert f'<a href="{BASE_URL}/s/{token}">' in html and "&lt;b&gt;评价组&lt;/b&gt;" in html
    # the reminder keeps the official wording
    page = client.get("/surveys/small-2018/mail/templates/reminder").get_data(as_text=True)
    assert "【提醒】请尽快填写" in page


def test_the_official_wording_can_be_restored(app, client, login, small_survey):
    login("evaluator")
    post_form(client, PAGE, {"subject": SUBJECT, "body": BODY, "unit": "", "save": "保存"})
    assert post_form(client, PAGE + "/reset", {}, page=PAGE).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(MailTemplate)) is None
    assert "受委托开展财政支出绩效评价" in client.get(PAGE).get_data(as_text=True)
