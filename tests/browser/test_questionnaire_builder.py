"""The builder in Chromium: the seed questionnaire made from scratch, previewed on a phone frame, saved, exported,
issued and answered; its figures equal those of the same answers under the hand-written YAML."""
from __future__ import annotations

import json

import pytest
import yaml
from sqlalchemy import select

from analysis.questionnaire import load_questionnaire, parse_questionnaire
from survey_service.extensions import db
from survey_service.questionnaires.models import QuestionnaireVersion
from tests.browser.conftest import DESKTOP, PHONE, log_in_page, screenshot
from tests.browser.test_content_security_policy import RECORD_VIOLATIONS
from tests.conftest import QUESTIONNAIRE, ROSTER, create_account
from tests.questionnaires.conftest import seed_fields

pytestmark = pytest.mark.browser

#: what the centre ticks, item by item (q12: 不了解)
TICKED = [5, 4, 4, 3, 5, 4, 2, 4, 5, 3, 4, 0]


def press(page, action: str) -> None:
    """Press a builder button (a row action, undo, save …) and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(f"button[name=action][value='{action}']")


def type_fields(page, fields: dict[str, str]) -> None:
    for name, value in fields.items():
        field = page.locator(f"[name='{name}']")
        if field.get_attribute("type") == "checkbox":
            field.check()
        elif field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def test_build_preview_save_export_issue_answer(live_server, new_page, runner_for, tmp_path):
    app = live_server.app
    seed = yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))
    email, password = create_account(app, "evaluator")
    page = new_page(DESKTOP, accept_downloads=True)
    page.add_init_script(RECORD_VIOLATIONS)
    log_in_page(page, live_server, email, password)

    page.goto(live_server.url + "/questionnaires/new")
    page.check("input[name=start][value=blank]")
    with page.expect_navigation():
        page.click("text=在编辑器中打开")
    builder_url = page.url
    for _ in range(5):
        press(page, "add:dimensions")
    for d in range(6):
        press(page, f"add:dimensions[{d}].items")
    press(page, "add:open_questions")
    type_fields(page, seed_fields(seed))
    press(page, "check")
    assert "未发现问题" in page.content() and page.evaluate("window.cspViolations") == []
    screenshot(page, "builder-desktop")

    phone = new_page(PHONE)
    log_in_page(phone, live_server, email, password)
    phone.goto(builder_url)
    screenshot(phone, "builder-phone")

    press(page, "preview")
    frame = page.frame_locator(".preview-phone iframe")
    assert frame.locator("label[for='item-q01-5']").first.inner_text().strip() == "非常满意"
    page.wait_for_timeout(300)
    screenshot(page, "preview-frames-desktop")
    assert [page.evaluate("window.cspViolations")] + [
        frame.evaluate("window.cspViolations") for frame in page.frames[1:]] == [[], [], []]
    phone.goto(page.url.split("?")[0] + "/form?in=zh")
    screenshot(phone, "preview-form-phone")
    phone.click("button[value=submit]")
    assert "第 1 题：请回答此题。" in phone.content()

    page.goto(builder_url)
    press(page, "save")
    assert page.url.endswith("/questionnaires/remote-edu-ops-2017")
    with app.app_context():
        built = db.session.scalar(select(QuestionnaireVersion))
        assert parse_questionnaire(built.definition) == load_questionnaire(QUESTIONNAIRE.read_bytes())

    with page.expect_download() as download:
        page.click("text=YAML")
    exported = tmp_path / "exported.yaml"
    download.value.save_as(exported)
    runner = runner_for(app)
    again = runner.invoke(args=["questionnaire", "import", str(exported)])
    assert again.exit_code == 0 and "already imported questionnaire remote-edu-ops-2017 version 1" in again.stderr
    assert yaml.safe_load(exported.read_text(encoding="utf-8")) == built.definition
    hand_written = runner.invoke(args=["questionnaire", "import", str(QUESTIONNAIRE)])
    assert "already imported questionnaire remote-edu-ops-2017 version 1" in hand_written.stderr

    assert runner.invoke(args=["roster", "import", str(ROSTER), "--name", "上海"]).exit_code == 0
    assert runner.invoke(args=["survey", "create", "--key", "built-2017", "--questionnaire",
                               "remote-edu-ops-2017:1", "--roster", "上海"]).exit_code == 0
    assert runner.invoke(args=["survey", "open", "built-2017"]).exit_code == 0
    links = runner.invoke(args=["invitations", "export", "--survey", "built-2017"]).stdout.splitlines()
    link = links[1].rsplit(",", 1)[1]

    centre = new_page(PHONE)
    centre.goto(link)
    for n, value in enumerate(TICKED, 1):
        centre.click(f"label[for='item-q{n:02d}-{value}']")
    with centre.expect_navigation():
        centre.click("button[value=submit]")
    assert "问卷已提交" in centre.content()

    online = json.loads(runner.invoke(args=["analyze", "--survey", "built-2017", "--json"]).stdout)
    responses = tmp_path / "responses.csv"
    runner.invoke(args=["responses", "export", "--survey", "built-2017", "--output", str(responses)])
    offline_run = runner.invoke(args=["analyze", "--questionnaire", str(QUESTIONNAIRE), "--responses",
                                      str(responses), "--roster", str(ROSTER), "--json"])
    assert offline_run.exit_code == 0, offline_run.stderr
    offline = json.loads(offline_run.stdout)
    # linear 5..1 -> 100..0; dimensions (100+75)/2, (75+50)/2, (100+75)/2, (25+75)/2, (100+50)/2, 75 (q12 N/A)
    assert online["overall"]["index"] == offline["overall"]["index"] == pytest.approx(
        (87.5 + 62.5 + 87.5 + 50 + 75 + 75) / 6)
    assert [d["index"] for d in online["dimensions"]] == [d["index"] for d in offline["dimensions"]]
    assert online["indicator"] == offline["indicator"]


def test_diff_and_a_version_in_use_seen_in_the_browser(live_server, new_page, runner_for):
    app = live_server.app
    runner = runner_for(app)
    assert runner.invoke(args=["questionnaire", "import", str(QUESTIONNAIRE)]).exit_code == 0
    assert runner.invoke(args=["roster", "import", str(ROSTER), "--name", "上海"]).exit_code == 0
    assert runner.invoke(args=["survey", "create", "--key", "in-use-2017", "--questionnaire",
                               "remote-edu-ops-2017:1", "--roster", "上海"]).exit_code == 0
    email, password = create_account(app, "evaluator")
    page = new_page(DESKTOP)
    log_in_page(page, live_server, email, password)
    page.goto(live_server.url + "/questionnaires/remote-edu-ops-2017")
    with page.expect_navigation():
        page.click("text=编辑（将生成第 2 版）")
    type_fields(page, {"dimensions-2-items-1-text": "终端站点设备经常出现故障", "dimensions-2-items-1-reverse": "y",
                       "dimensions-0-weight": "2"})
    press(page, "add:dimensions[5].items")
    page.fill("[name='dimensions-5-items-2-text']", "投诉处理人员的服务态度")
    # dragged above q11 by its handle, as a person does: the script moves it there, with what was typed
    page.locator("#dimensions-5").scroll_into_view_if_needed()
    page.locator("#dimensions-5-items-2 .drag-handle").hover()
    page.mouse.down()
    page.locator("[name='dimensions-5-items-0-weight']").hover()
    with page.expect_navigation():
        page.mouse.up()
    assert page.input_value("[name='dimensions-5-items-0-text']") == "投诉处理人员的服务态度"
    assert page.input_value("[name='dimensions-5-items-1-key']") == "q11"
    press(page, "save")
    assert "已保存 remote-edu-ops-2017 第 2 版。" in page.content()
    page.locator("#diff").scroll_into_view_if_needed()
    text = page.locator("#diff").inner_text()
    assert "题项 q06 改为反向计分。" in text and "新增题项 q13“投诉处理人员的服务态度”。" in text
    assert "题项顺序有调整。" not in text  # a new item first in its dimension leaves the others' order as it was
    screenshot(page, "versions-diff-desktop")
    phone = new_page(PHONE)
    log_in_page(phone, live_server, email, password)
    phone.goto(live_server.url + "/questionnaires/remote-edu-ops-2017?old=1&new=2")
    screenshot(phone, "versions-diff-phone")
    rows = page.locator("tbody tr")
    assert rows.nth(0).locator("a[href='/surveys/in-use-2017']").count() == 0  # version 2: used by none
    assert rows.nth(1).locator("a[href='/surveys/in-use-2017']").count() == 1
    with app.app_context():
        from survey_service.surveys.models import Survey
        assert db.session.scalar(select(Survey)).questionnaire_version.version == 1


@pytest.fixture
def runner_for():
    return lambda app: app.test_cli_runner()


def test_choice_questions_on_the_centre_form_and_the_profile_page(live_server, new_page, runner_for):
    from analysis.choices import ChoiceAnswer
    from survey_service.responses.operations import save_answers
    from survey_service.surveys.models import Survey
    from tests.conftest import DATA

    app = live_server.app
    runner = runner_for(app)
    assert runner.invoke(args=["questionnaire", "import", str(DATA / "questionnaire-profile.yaml")]).exit_code == 0
    assert runner.invoke(args=["roster", "import", str(ROSTER), "--name", "上海"]).exit_code == 0
    assert runner.invoke(args=["survey", "create", "--key", "profile-2017", "--questionnaire",
                               "centre-profile-2017", "--roster", "上海"]).exit_code == 0
    assert runner.invoke(args=["survey", "open", "profile-2017"]).exit_code == 0
    with app.app_context():
        invitations = db.session.scalar(select(Survey)).invitations
        token = invitations[0].token
        kinds = [(1,), (1,), (2,), (3,), (), (1,)]
        for n, invitation in enumerate(invitations[1:7]):
            save_answers(invitation, {f"q{i:02d}": 4 - n % 2 for i in range(1, 13)}, {}, submit=True, choices={
                "centre_kind": ChoiceAnswer(kinds[n], None if kinds[n] else "开发区"),
                "channels": ChoiceAnswer((1, 4) if n % 2 else (2,), "楼宇电视" if n == 3 else None)})
        db.session.commit()
    centre = new_page(PHONE)
    centre.goto(f"{live_server.url}/s/{token}")
    centre.click("label[for='choice-channels-1']")
    centre.click("label[for='choice-channels-other']")
    centre.locator("#choice-centre_kind").scroll_into_view_if_needed()
    centre.click("button[value=submit]")
    assert "请说明“其他”的具体内容。" in centre.content()
    screenshot(centre, "choice-questions-phone")

    email, password = create_account(app, "viewer")
    page = new_page(DESKTOP)
    page.add_init_script(RECORD_VIOLATIONS)
    log_in_page(page, live_server, email, password)
    page.goto(f"{live_server.url}/surveys/profile-2017/results/profile")
    page.wait_for_selector("#chart-choice-channels .main-svg")
    assert page.evaluate("window.cspViolations") == []
    assert "楼宇电视" in page.content()
    screenshot(page, "results-profile-desktop")
