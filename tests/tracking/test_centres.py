"""One centre's page: found by code or name, its timeline, every contact column, its link and QR code, a message to
send by hand, a reminder to it alone, and a revoked-and-reissued link."""
from __future__ import annotations

import re

from sqlalchemy import select

from survey_service.audit.models import AuditEvent
from survey_service.extensions import db
from survey_service.respond.openings import pending_openings
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation, Survey
from tests.conftest import BASE_URL, post_form
from tests.console.conftest import ANSWERS, submit
from tests.console.smtp_server import wait_for_batches

CENTRE = "/surveys/small-2018/centres/310101002"


def token_of(app, code: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Invitation.token).join(RosterUnit).join(Survey)
                                 .where(Survey.key == "small-2018", RosterUnit.code == code))


def test_find_a_centre_by_code_or_name(app, client, login, small_survey):
    login("evaluator")
    assert "按代码或名称查找单位" in client.get(f"/surveys/{small_survey}").get_data(as_text=True)
    by_code = client.get(f"/surveys/{small_survey}/centres?q=310101002")
    assert by_code.status_code == 302 and by_code.location.endswith(CENTRE)
    assert client.get(f"/surveys/{small_survey}/centres?q=外滩").location.endswith("/centres/310101013")
    several = client.get(f"/surveys/{small_survey}/centres?q=街道").get_data(as_text=True)
    assert several.count("/surveys/small-2018/centres/3101") == 4
    none = client.get(f"/surveys/{small_survey}/centres?q=%25").get_data(as_text=True)
    assert "本调查中没有该代码或名称包含该文字的单位" in none
    listed = client.get(f"/surveys/{small_survey}/non-respondents").get_data(as_text=True)
    assert f'href="{CENTRE}"' in listed
    other = client.get(f"/surveys/{small_survey}/centres/999", follow_redirects=True).get_data(as_text=True)
    assert "单位 999 不属于本调查" in other


def test_the_centre_page_shows_status_contacts_link_qr_and_a_message(app, client, login, small_survey):
    with app.app_context():
        unit = db.session.scalar(select(RosterUnit).filter_by(code="310101002"))
        unit.attributes = {"contact_phone": "021-6321 0000", "联系人": "王老师"}
        db.session.commit()
    login("evaluator")
    client.get(f"/s/{token_of(app, '310101002')}", headers={"Accept": "text/html"})  # the centre opens its link
    pending_openings(app).flush()  # on SQLite written by the process's thread within half a second; here, now
    page = client.get(CENTRE).get_data(as_text=True)
    timeline = page[page.index('data-testid="timeline"'):page.index("</ol>")]
    assert [step for step in re.findall(r'<li class="(done|todo)"><span class="step">([^<]+)', timeline)] == [
        ("done", "生成链接"), ("todo", "已发邮件"), ("done", "已打开"), ("todo", "已开始填写"), ("todo", "已提交"),
        ("todo", "已审核")]
    for text in ("dj310101002@example.org", 'href="tel:021-63210000"', "王老师", "联系人", "黄浦区", "310101"):
        assert text in page
    link = f"{BASE_URL}/s/{token_of(app, '310101002')}"
    assert f'id="centre-link" class="mono" type="text" value="{link}"' in page
    assert 'data-testid="centre-qr"' in page and "<svg" in page and "<script>" not in page
    message = re.search(r'<textarea id="centre-message"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert message.startswith("南京东路街道：您好！") and "“2018年度远程教育运维满意度调查”" in message
    assert "请于2018年6月18日 18:00（北京时间）前" in message and link in message
    english = client.get(CENTRE + "?lang=en").get_data(as_text=True)
    assert "请于2018年6月18日 18:00（北京时间）前" in english and "Personal link" in english


def test_a_reminder_to_this_centre_alone(app, client, login, small_survey, smtp):
    login("evaluator")
    sent = post_form(client, f"{CENTRE}/reminder", {}, page=CENTRE, follow_redirects=True)
    assert "正在向 dj310101002@example.org 发送催办邮件" in sent.get_data(as_text=True)
    wait_for_batches(app)
    assert smtp.recipients == ["dj310101002@example.org"]
    assert "2018年6月18日 18:00" in smtp.messages[0].get_body(("plain",)).get_content()
    assert "最近催办" in client.get(CENTRE).get_data(as_text=True)
    no_address = "/surveys/small-2018/centres/310104004"
    refused = post_form(client, f"{no_address}/reminder", {}, page=no_address, follow_redirects=True)
    assert "名单中没有该单位的电子邮箱：请通过微信或短信发送下方的消息" in refused.get_data(as_text=True)
    submit(app, small_survey, "310101013", ANSWERS)
    done = "/surveys/small-2018/centres/310101013"
    page = client.get(done).get_data(as_text=True)
    assert "向该单位发送催办邮件" not in page and "查看答卷" in page
    assert "该单位已提交问卷，无需催办" in post_form(client, f"{done}/reminder", {}, page=done,
                                                  follow_redirects=True).get_data(as_text=True)
    wait_for_batches(app)
    assert len(smtp.messages) == 1


def test_revoke_and_reissue_the_link(app, client, login, small_survey):
    with app.app_context():
        db.session.scalar(select(Survey).filter_by(key=small_survey)).closes_at = None
        db.session.commit()
    email = login("evaluator")
    old = token_of(app, "310101002")
    centre = app.test_client()
    post_form(centre, f"/s/{old}", {"item-q01": "4", "action": "save"})  # a draft saved through the old link
    reissued = post_form(client, f"{CENTRE}/reissue", {}, page=CENTRE, follow_redirects=True).get_data(as_text=True)
    new = token_of(app, "310101002")
    assert new != old and len(new) >= 43 and "原链接已失效" in reissued and f"/s/{new}" in reissued
    assert "链接已作废并重新生成" in reissued
    stale = centre.get(f"/s/{old}")
    assert stale.status_code == 404 and "链接无效" in stale.get_data(as_text=True)
    fresh = app.test_client().get(f"/s/{new}").get_data(as_text=True)
    assert re.search(r'id="item-q01-4"[^>]*checked', fresh)  # the saved draft stays with the centre
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).filter_by(action="invitation.reissue")).all()
        assert event.actor == email and event.details == {"survey": "small-2018", "centre": "310101002"}
        assert old not in str(event.details) and new not in str(event.details)


def test_the_command_line_reissues_a_link(app, runner, small_survey):
    old = token_of(app, "310101002")
    result = runner.invoke(args=["invitations", "reissue", "--survey", small_survey, "310101002"])
    new = token_of(app, "310101002")
    assert result.exit_code == 0 and result.stdout == f"{BASE_URL}/s/{new}\n" and new != old
    assert "the old link no longer works" in result.stderr
    unknown = runner.invoke(args=["invitations", "reissue", "--survey", small_survey, "999"])
    assert unknown.exit_code == 2 and 'no centre "999" in survey small-2018' in unknown.stderr
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.actor).filter_by(action="invitation.reissue")) == "cli"
