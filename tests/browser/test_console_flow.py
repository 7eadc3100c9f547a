"""An evaluator's whole survey in Chromium: create, export links, e-mail invitations (received by a real SMTP
server on loopback), watch a centre submit, remind only the rest, mark a response invalid and see the rate move.
Every console page is photographed on a desktop and a phone."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from survey_service.extensions import db
from survey_service.questionnaires.operations import import_questionnaire
from survey_service.responses.operations import save_answers
from survey_service.roster.models import RosterUnit
from survey_service.roster.operations import import_roster
from survey_service.surveys.models import Invitation, Survey
from survey_service.timestamps import utcnow
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.conftest import QUESTIONNAIRE, ROSTER, create_account
from tests.console.conftest import ANSWERS, STRAIGHT
from tests.console.smtp_server import serve_smtp

pytestmark = pytest.mark.browser
KEY = "remote-edu-ops-2018"


@pytest.fixture
def mailbox(live_server):
    controller, mailbox = serve_smtp(live_server.app)
    yield mailbox
    controller.stop()


@pytest.fixture
def imported(live_server):
    with live_server.app.app_context():
        import_questionnaire(QUESTIONNAIRE.read_bytes(), QUESTIONNAIRE.name)
        import_roster(ROSTER.read_bytes(), ROSTER.name, "上海市221个街镇党建服务中心")
        db.session.commit()


def watch_errors(page) -> list[str]:
    """Script errors, CSP violations and failed requests of a page (the browser's own favicon request aside)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    return errors


def log_in(page, url: str, email: str, password: str) -> None:
    page.goto(url + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/")


def centre_submits(app, code: str, answers: dict) -> None:
    """The centre's questionnaire page belongs to another feature; here the centre submits through its operation."""
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).join(Survey).join(RosterUnit)
                                       .where(Survey.key == KEY, RosterUnit.code == code))
        save_answers(invitation, answers, {}, submit=True)
        db.session.commit()


def return_rate(page) -> str:
    return page.locator("[data-testid=return-rate]").inner_text()


def wait_for_batch(page) -> None:
    page.wait_for_selector("#batch-progress[data-finished=true]", timeout=60_000)


def test_an_evaluator_runs_a_survey(live_server, new_page, imported, mailbox, tmp_path):
    app, url = live_server.app, live_server.url
    email, password = create_account(app, "evaluator")
    page = new_page(DESKTOP)
    errors = watch_errors(page)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, url, email, password)

    page.get_by_role("link", name="新建调查").click()
    page.fill("#key", KEY)
    closes = (utcnow() + timedelta(hours=8) + timedelta(days=14)).strftime("%Y-%m-%dT18:00")
    page.fill("#opens", (utcnow() + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#closes", closes)
    screenshot(page, "console-survey-new-desktop")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{url}/surveys/{KEY}")
    assert "共生成 221 个专属链接" in page.locator(".flash").inner_text()
    page.get_by_role("button", name="开启调查").click()
    assert "调查已开启" in page.locator(".flash").inner_text()

    page.locator("nav.tabs").get_by_role("link", name="链接", exact=True).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 CSV").click()
    links = download.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert len(links) == 222 and re.search(rf",{re.escape(url)}/s/[\w-]{{43}}$", links[1])
    screenshot(page, "console-links-desktop")
    page.select_option("#qr-district", "黄浦区")
    page.get_by_role("button", name="打开打印页").click()
    expect(page.locator(".qr-card")).to_have_count(10)
    screenshot(page, "console-qr-sheet-desktop")
    page.go_back()

    page.locator("nav.tabs").get_by_role("link", name="邮件发送", exact=True).click()
    screenshot(page, "console-mail-desktop")
    page.get_by_role("button", name="发送邀请邮件").click()
    wait_for_batch(page)
    assert page.locator("[data-field=sent]").inner_text() == "221"
    screenshot(page, "console-mail-batch-desktop")
    assert len(mailbox.messages) == 221
    first = next(m for m in mailbox.messages if m["To"] == "dj310101002@example.org")
    assert first["Subject"].startswith("【满意度调查】") and f"{url}/s/" in first.get_body(("plain",)).get_content()

    centre_submits(app, "310101002", ANSWERS)
    centre_submits(app, "310101013", STRAIGHT)
    page.locator("nav.tabs").get_by_role("link", name="概况", exact=True).click()
    assert return_rate(page) == "0.90%"  # 2 / 221
    page.wait_for_selector("#district-chart .main-svg")
    screenshot(page, "console-overview-desktop")

    page.locator("nav.tabs").get_by_role("link", name="邮件发送", exact=True).click()
    page.get_by_role("button", name="发送催办邮件").click()
    wait_for_batch(page)
    reminders = [m for m in mailbox.messages if m["Subject"].startswith("【提醒】")]
    assert len(reminders) == 219
    assert not {"dj310101002@example.org", "dj310101013@example.org"} & {m["To"] for m in reminders}

    page.locator("nav.tabs").get_by_role("link", name="审核", exact=True).click()
    screenshot(page, "console-review-desktop")
    page.get_by_role("link", name="外滩街道").click()
    assert "所有题目答案相同" in page.content()
    page.check("input[value=invalid]")
    page.fill("#reason", "全部题目选择同一选项，视为随意填写")
    screenshot(page, "console-response-desktop")
    page.get_by_role("button", name="保存认定").click()
    assert "认定为无效" in page.locator(".flash").inner_text()
    page.locator("nav.tabs").get_by_role("link", name="概况", exact=True).click()
    assert return_rate(page) == "0.45%"  # 1 / 221

    page.locator("nav.tabs").get_by_role("link", name="未提交单位", exact=True).click()
    page.select_option("#district", "黄浦区")
    page.get_by_role("button", name="筛选").click()
    assert "8 个单位尚未提交" in page.content()  # 10 in 黄浦区, two submitted
    screenshot(page, "console-non-respondents-desktop")
    page.locator("nav.tabs").get_by_role("link", name="答卷", exact=True).click()
    screenshot(page, "console-responses-desktop")
    assert errors == []


def test_every_console_page_on_desktop_and_phone(live_server, new_page, imported):
    app, url = live_server.app, live_server.url
    with app.app_context():
        from survey_service.demo import load_demo

        load_demo()
        db.session.commit()
    email, password = create_account(app, "admin", "chief@example.org")
    with app.app_context():
        survey_key = "remote-edu-ops-2017"
        flagged = db.session.execute(select(Survey.id).filter_by(key=survey_key)).scalar_one()
        from survey_service.responses.models import Response

        response_id = db.session.scalar(select(Response.id).where(Response.survey_id == flagged,
                                                                  Response.submitted_at.is_not(None)))
    pages = {
        "dashboard": "/", "survey-new": "/surveys/new", "overview": f"/surveys/{survey_key}",
        "links": f"/surveys/{survey_key}/invitations", "qr-sheet": f"/surveys/{survey_key}/invitations/qr?district=黄浦区",
        "mail": f"/surveys/{survey_key}/mail", "non-respondents": f"/surveys/{survey_key}/non-respondents",
        "review": f"/surveys/{survey_key}/review", "responses": f"/surveys/{survey_key}/responses",
        "response": f"/surveys/{survey_key}/responses/{response_id}", "users": "/admin/users",
        "user-new": "/admin/users/new", "user": "/admin/users/1", "audit": "/admin/audit",
        "questionnaires": "/questionnaires", "rosters": "/rosters", "jobs": "/jobs", "mail-settings": "/admin/mail",
        "mail-template": f"/surveys/{survey_key}/mail/templates/reminder",
    }
    for viewport, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page = new_page(viewport)
        errors = watch_errors(page)
        log_in(page, url, email, password)
        for label, path in pages.items():
            page.goto(url + path)
            assert page.locator("h1").count() >= 1, path
            if label == "overview":
                page.wait_for_selector("#district-chart .main-svg")
            screenshot(page, f"console-all-{label}-{name}")
        assert errors == []
