"""The centre's questionnaire in Chromium: fill in on a phone and on a desktop, save, resume, submit once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from survey_service.extensions import db
from survey_service.responses.models import Answer, Response, ResponseState
from survey_service.surveys.models import SurveyState
from survey_service.timestamps import utcnow
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.respond.conftest import issue_survey

pytestmark = pytest.mark.browser

ITEMS = [f"q{n:02d}" for n in range(1, 13)]


def choose(page, item: str, value: int) -> None:
    """Answer an item the way a person does: by clicking the visible answer."""
    page.click(f"label[for='item-{item}-{value}']")


def responses(app) -> list[tuple[ResponseState, int]]:
    with app.app_context():
        rows = db.session.execute(select(Response.state, func.count(Answer.id)).outerjoin(Answer)
                                  .group_by(Response.id)).all()
        return [tuple(row) for row in rows]


@pytest.mark.parametrize("viewport, device", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_fill_in_save_resume_submit_once(live_server, new_page, viewport, device):
    token = issue_survey(live_server.app)[0]
    link = f"{live_server.url}/s/{token}"
    page = new_page(viewport)
    page.goto(link)
    assert "资源栏目内容丰富度" in page.locator("legend").first.inner_text()
    assert page.locator(".respond-progress").inner_text().replace(" ", "") == "已答0/12"
    screenshot(page, f"respond-{device}-empty")

    for item, value in zip(ITEMS[:6], [5, 4, 4, 3, 5, 0]):
        choose(page, item, value)
    assert page.locator("[data-answered]").inner_text() == "6"
    page.fill("#open-suggestions", "希望增加直播课堂的回放。")
    page.click("button[value=save]")
    assert "已保存" in page.locator(".flash").inner_text()
    screenshot(page, f"respond-{device}-saved")

    page.goto("about:blank")
    page.goto(link)  # coming back through the same link restores the draft
    assert page.locator("#item-q03-4").is_checked()
    assert page.locator("#item-q06-0").is_checked()
    assert page.input_value("#open-suggestions") == "希望增加直播课堂的回放。"

    page.click("button[value=submit]")  # six items are still missing
    expect(page.locator(".respond-error-summary li")).to_have_count(6)  # waits for the page, as count() does not
    assert page.locator(".likert-row.has-error").count() == 6
    screenshot(page, f"respond-{device}-errors")
    page.click(".respond-error-summary a >> nth=0")
    assert page.evaluate("document.activeElement.id") == "item-q07-5"

    for item in ITEMS[6:]:
        choose(page, item, 4)
    page.click("button[value=save]")
    page.click("button[value=submit]")
    expect(page.locator(".respond-reference")).to_be_visible()
    screenshot(page, f"respond-{device}-receipt")

    page.go_back()  # back to the form page: the link asks the server again and shows the receipt
    expect(page.locator(".respond-reference")).to_be_visible()
    assert page.locator("button[value=submit]").count() == 0
    assert responses(live_server.app) == [(ResponseState.submitted, 13)]


def test_submitting_twice_from_two_tabs_keeps_one_response(live_server, new_page):
    token = issue_survey(live_server.app)[0]
    link = f"{live_server.url}/s/{token}"
    first = new_page(DESKTOP)
    second = first.context.new_page()
    for page in (first, second):
        page.goto(link)
        for item in ITEMS:
            choose(page, item, 4 if page is first else 2)
    first.click("button[value=submit]")
    second.click("button[value=submit]")
    assert "已提交" in second.locator(".flash").inner_text()
    assert second.locator(".respond-reference").inner_text() == first.locator(".respond-reference").inner_text()
    screenshot(second, "respond-desktop-submitted-twice")
    assert responses(live_server.app) == [(ResponseState.submitted, 12)]
    with live_server.app.app_context():
        assert set(db.session.scalars(select(Answer.value))) == {4}


def test_keyboard_only(live_server, new_page):
    token = issue_survey(live_server.app)[0]
    page = new_page(DESKTOP)
    page.goto(f"{live_server.url}/s/{token}")
    page.focus("#item-q01-5")
    page.keyboard.press("ArrowRight")  # radios of one item form a group: arrows move the choice
    page.keyboard.press("ArrowRight")
    assert page.locator("#item-q01-3").is_checked()
    page.keyboard.press("Tab")  # on to the next item
    page.keyboard.press("Space")
    assert page.locator("#item-q02-5").is_checked()
    assert page.locator("[data-answered]").inner_text() == "2"
    page.keyboard.press("Enter")  # the form's implicit submission saves; it never submits
    assert "已保存" in page.locator(".flash").inner_text()
    assert responses(live_server.app) == [(ResponseState.draft, 2)]


def test_autosave_after_a_change_when_the_page_is_hidden(live_server, new_page):
    token = issue_survey(live_server.app)[0]
    page = new_page(PHONE)
    page.goto(f"{live_server.url}/s/{token}")
    choose(page, "q01", 5)
    page.evaluate("""() => {
        Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    status = page.locator("[data-autosave-status]")
    status.filter(has_text="已自动保存").wait_for()
    screenshot(page, "respond-phone-autosaved")
    assert responses(live_server.app) == [(ResponseState.draft, 1)]


@pytest.mark.parametrize("viewport, device", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_english_switch(live_server, new_page, viewport, device):
    token = issue_survey(live_server.app)[0]
    page = new_page(viewport)
    page.goto(f"{live_server.url}/s/{token}")
    page.click("text=English")
    assert page.locator("legend").first.inner_text() == "Richness of resource content"
    assert "Very satisfied" in page.locator("label[for='item-q01-5']").inner_text()
    assert page.locator("button[value=submit]").inner_text() == "Submit"
    choose(page, "q01", 0)
    page.click("button[value=submit]")
    assert "Please answer this question." in page.locator(".likert-row.has-error").first.inner_text()
    screenshot(page, f"respond-{device}-english")


@pytest.mark.parametrize("viewport, device", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_closed_and_invalid_links(live_server, new_page, viewport, device):
    closed = issue_survey(live_server.app, "closed-2016", state=SurveyState.closed)[0]
    later = issue_survey(live_server.app, "later-2018", opens_at=utcnow() + timedelta(days=3))[0]
    page = new_page(viewport)
    page.goto(f"{live_server.url}/s/{closed}")
    assert page.locator("h1").inner_text() == "问卷调查已结束"
    screenshot(page, f"respond-{device}-closed")
    page.goto(f"{live_server.url}/s/{later}")
    assert page.locator("h1").inner_text() == "问卷调查尚未开始"
    screenshot(page, f"respond-{device}-not-yet-open")
    answer = page.goto(f"{live_server.url}/s/not-a-real-token-at-all-0000")
    assert answer.status == 404
    assert page.locator("h1").inner_text() == "链接无效"
    screenshot(page, f"respond-{device}-invalid-link")


def test_corrections_when_allowed(live_server, new_page):
    token = issue_survey(live_server.app, allow_corrections=True)[0]
    page = new_page(PHONE)
    page.goto(f"{live_server.url}/s/{token}")
    for item in ITEMS:
        choose(page, item, 3)
    page.click("button[value=submit]")
    page.click("text=修改答案")
    assert page.locator("#item-q05-3").is_checked()
    choose(page, "q05", 5)
    screenshot(page, "respond-phone-correction")
    page.click("button[value=submit]")
    assert "已保存您的修改" in page.locator(".flash").inner_text()
    screenshot(page, "respond-phone-receipt-corrected")
    with live_server.app.app_context():
        assert db.session.scalar(select(Answer.value).where(Answer.value == 5)) == 5
    assert responses(live_server.app) == [(ResponseState.submitted, 12)]
