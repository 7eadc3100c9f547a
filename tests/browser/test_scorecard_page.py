"""The scorecard page in Chromium with the demo survey filling C4-1: looked at on a phone and a desktop."""
import re

import pytest

from survey_service.demo import load_demo
from survey_service.extensions import db
from tests.browser.conftest import DESKTOP, PHONE, log_in_page, screenshot
from tests.conftest import DEMO_DATA, create_account

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport, name", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_scorecard_page(live_server, new_page, tmp_path, viewport, name):
    with live_server.app.app_context():
        load_demo()
        db.session.commit()
    email, password = create_account(live_server.app, "evaluator", email="sc@example.org")
    tree = re.sub(r"(?m)^\s+score: [0-9.]+.*\n", "", (DEMO_DATA / "scorecard-2017.yaml").read_text("utf-8"))
    upload = tmp_path / "scorecard-2017.yaml"
    upload.write_text(tree, "utf-8")
    page = new_page(viewport)
    log_in_page(page, live_server, email, password)
    page.goto(live_server.url + "/scorecards/")
    page.set_input_files("#file", str(upload))
    page.click("main form button[type=submit]")
    page.wait_for_selector(".scorecard-total")
    assert page.locator(".scorecard-total .grade").inner_text() in {"优", "良", "中", "差"}
    assert page.locator("table.scorecard").count() == 4
    screenshot(page, f"scorecard-{name}")
