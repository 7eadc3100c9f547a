"""The console login in a real browser: Chinese by default, the language switch, a wrong password."""
import pytest

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.conftest import create_account

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport, name", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_login_in_chinese_then_english(live_server, new_page, viewport, name):
    email, password = create_account(live_server.app, "evaluator")
    page = new_page(viewport)
    page.goto(live_server.url + "/login")
    assert page.locator("h1").inner_text() == "登录"
    page.fill("#email", email)
    page.fill("#password", "wrong password")
    page.click("button[type=submit]")
    assert "邮箱或密码不正确" in page.locator(".flash").inner_text()
    screenshot(page, f"login-{name}")
    page.click("text=English")
    assert page.locator("h1").inner_text() == "Log in"
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Surveys"
