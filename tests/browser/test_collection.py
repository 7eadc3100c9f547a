"""Collection beyond the link in Chromium: extend a deadline, chase one centre (copy its link, its QR code), enter a
paper questionnaire, import a file with a bad row then fixed, correct a typo, reopen a closed survey. Every page is
photographed on a desktop and a phone."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from survey_service.auth.operations import create_api_token, find_user
from survey_service.extensions import db
from survey_service.responses.models import Mode, Response
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation, Survey
from tests.browser.conftest import DESKTOP, PHONE, log_in_page, screenshot
from tests.browser.test_console_flow import watch_errors
from tests.conftest import create_account
from tests.console.conftest import ANSWERS, make_survey, submit

pytestmark = pytest.mark.browser
KEY = "small-2018"


@pytest.fixture
def evaluator(live_server):
    with live_server.app.app_context():
        make_survey(KEY, closes="2030-06-18T18:00")
        unit = db.session.scalar(select(RosterUnit).filter_by(code="310101002"))
        unit.attributes = {"contact_phone": "021-6321 0000"}
        db.session.commit()
    return create_account(live_server.app, "evaluator")


def photograph(new_page, server, account, path: str, name: str) -> None:
    """The page at PATH on a phone, as the evaluator sees it."""
    page = new_page(PHONE)
    log_in_page(page, server, *account)
    page.goto(server.url + path)
    screenshot(page, f"{name}-phone")


def token_of(app, code: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Invitation.token).join(RosterUnit).where(RosterUnit.code == code))


def test_extend_the_deadline_and_reopen_a_closed_survey(live_server, evaluator, new_page):
    page = new_page(DESKTOP)
    errors = watch_errors(page)
    log_in_page(page, live_server, *evaluator)
    page.goto(f"{live_server.url}/surveys/{KEY}")
    screenshot(page, "collection-overview-open-desktop")
    page.click("text=修改标题和时间")
    page.fill("#closes", "2030-07-15T17:30")
    screenshot(page, "collection-survey-edit-desktop")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=已保存调查的标题和时间")
    centre = new_page(PHONE)
    centre.goto(f"{live_server.url}/s/{token_of(live_server.app, '310101002')}")
    assert "2030年7月15日 17:30" in centre.content()
    screenshot(centre, "collection-centre-questionnaire-new-deadline-phone")
    page.goto(f"{live_server.url}/surveys/{KEY}/centres/310101002")
    assert "请于2030年7月15日 17:30（北京时间）前" in page.input_value("#centre-message")
    page.goto(f"{live_server.url}/surveys/{KEY}")
    page.click("summary:has-text('结束调查')")
    page.fill("#close-reason", "已收齐")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form[action$='/close'] button")
    page.wait_for_selector("text=调查已结束")
    page.click("summary:has-text('重新开启调查')")
    screenshot(page, "collection-overview-reopen-desktop")
    page.fill("#reopen-reason", "两个中心寄来纸质问卷")
    page.click("form[action$='/reopen'] button")
    page.wait_for_selector("text=调查已重新开启")
    assert "进行中" in page.inner_text(".survey-head h1")
    assert errors == []
    photograph(new_page, live_server, evaluator, f"/surveys/{KEY}", "collection-overview")
    photograph(new_page, live_server, evaluator, f"/surveys/{KEY}/edit", "collection-survey-edit")


def test_one_centres_page_copy_its_link_and_its_qr_code(live_server, evaluator, new_page):
    page = new_page(DESKTOP, permissions=["clipboard-read", "clipboard-write"])
    errors = watch_errors(page)
    log_in_page(page, live_server, *evaluator)
    page.goto(f"{live_server.url}/surveys/{KEY}")
    page.fill("#centre-q", "南京东路")
    page.click("form.overview-search button")
    page.wait_for_url(re.compile(r".*/centres/310101002$"))
    page.click("button[data-copy=centre-link]")
    page.wait_for_selector("[data-copy-status=centre-link]:has-text('已复制')")
    link = f"{live_server.url}/s/{token_of(live_server.app, '310101002')}"
    assert page.evaluate("navigator.clipboard.readText()") == link
    qr = page.locator("[data-testid=centre-qr] svg").bounding_box()
    assert qr["width"] > 100 and qr["height"] > 100
    assert page.locator("a[href='tel:021-63210000']").is_visible()
    screenshot(page, "collection-centre-desktop")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=作废并重新生成链接")
    page.wait_for_selector("text=原链接已失效")
    old = new_page(PHONE)
    old.goto(link)
    assert "链接无效" in old.content()
    assert errors == []
    photograph(new_page, live_server, evaluator, f"/surveys/{KEY}/centres/310101002", "collection-centre")


def test_a_paper_questionnaire_shows_as_paper_in_overview_review_export_and_json(live_server, evaluator, new_page):
    page = new_page(DESKTOP)
    errors = watch_errors(page)
    log_in_page(page, live_server, *evaluator)
    page.goto(f"{live_server.url}/surveys/{KEY}/non-respondents")
    page.click("tr:has-text('外滩街道') >> text=代录")
    page.check("input[name=mode][value=paper]")
    for key, value in ANSWERS.items():
        page.locator(f"label[for=item-{key}-{value}]").click()
    page.fill("#open-suggestions", "纸质问卷：希望增加线下培训")
    screenshot(page, "collection-entry-desktop")
    page.click("button:has-text('代为提交')")
    page.wait_for_selector("text=计为已提交")
    assert page.inner_text("[data-testid=mode]") == "纸质"
    screenshot(page, "collection-entered-response-desktop")
    page.goto(f"{live_server.url}/surveys/{KEY}")
    assert "纸质 1" in page.inner_text("[data-testid=by-mode]")
    page.goto(f"{live_server.url}/surveys/{KEY}/responses")
    assert "纸质" in page.inner_text("tr:has-text('外滩街道')")
    exported = page.request.get(f"{live_server.url}/surveys/{KEY}/results/responses.csv")
    rows = list(csv.DictReader(io.StringIO(exported.body().decode("utf-8-sig"))))
    assert [(row["centre_code"], row["mode"]) for row in rows] == [("310101013", "paper")]
    with live_server.app.app_context():
        _, secret = create_api_token(find_user(evaluator[0]), "report")
        db.session.commit()
    document = page.request.get(f"{live_server.url}/api/v1/surveys/{KEY}/satisfaction",
                                headers={"Authorization": f"Bearer {secret}"}).json()
    assert document["counts"]["by_mode"] == {"paper": 1}
    assert errors == []
    entry = new_page(PHONE)
    log_in_page(entry, live_server, *evaluator)
    entry.goto(f"{live_server.url}/surveys/{KEY}/centres/310104003/entry")
    screenshot(entry, "collection-entry-phone")


def test_import_with_a_bad_row_imports_nothing_then_the_fixed_file_imports(live_server, evaluator, new_page, tmp_path):
    header = ["centre_code", *ANSWERS, "suggestions"]
    rows = [["310101002", *ANSWERS.values(), "纸质一"], ["310101013", *ANSWERS.values(), ""],
            ["310104003", *[4] * 12, "纸质三"]]
    rows[1][3] = 9
    bad = tmp_path / "paper.csv"
    bad.write_text("\n".join(",".join(map(str, row)) for row in [header, *rows]) + "\n", "utf-8")
    page = new_page(DESKTOP)
    errors = watch_errors(page)
    log_in_page(page, live_server, *evaluator)
    page.goto(f"{live_server.url}/surveys/{KEY}/responses")
    page.click("text=导入答卷")
    page.set_input_files("#file", str(bad))
    page.click("button:has-text('检查并预览')")
    page.wait_for_selector("[data-testid=import-preview]")
    assert "paper.csv 第 3 行 q03 列：“9”不是量表选项" in page.inner_text(".problems")
    assert page.locator("text=导入 3 份答卷").count() == 0
    screenshot(page, "collection-import-problem-desktop")
    with live_server.app.app_context():
        assert db.session.scalar(select(Response.id)) is None
    rows[1][3] = 4
    bad.write_text("\n".join(",".join(map(str, row)) for row in [header, *rows]) + "\n", "utf-8")
    page.set_input_files("#file", str(bad))
    page.click("button:has-text('检查并预览')")
    page.wait_for_selector("text=导入 3 份答卷")
    screenshot(page, "collection-import-preview-desktop")
    page.click("text=导入 3 份答卷")
    page.wait_for_selector("text=已从 paper.csv 导入 3 份新答卷")
    with live_server.app.app_context():
        assert db.session.scalars(select(Response.mode)).all() == [Mode.paper] * 3
    assert [e for e in errors if "422" not in e] == []  # the preview with problems answers 422 on purpose
    photograph(new_page, live_server, evaluator, f"/surveys/{KEY}/responses/import", "collection-import")


def test_a_large_file_is_imported_by_a_job_whose_page_follows_it_to_the_outcome(live_server, evaluator, new_page,
                                                                              tmp_path):
    live_server.app.config["IMPORT_JOB_ROWS"] = 2  # the three rows below count as a large file
    header = ["centre_code", *ANSWERS, "suggestions"]
    rows = [["310101002", *ANSWERS.values(), "纸质一"], ["310101013", *ANSWERS.values(), ""],
            ["310104003", *[4] * 12, "纸质三"]]
    paper = tmp_path / "paper.csv"
    paper.write_text("\n".join(",".join(map(str, row)) for row in [header, *rows]) + "\n", "utf-8")
    page = new_page(DESKTOP)
    errors = watch_errors(page)
    log_in_page(page, live_server, *evaluator)
    page.goto(f"{live_server.url}/surveys/{KEY}/responses/import")
    page.set_input_files("#file", str(paper))
    page.click("button:has-text('检查并预览')")
    page.click("text=导入 3 份答卷")
    assert "正在导入 paper.csv" in page.inner_text("#report-build h2")
    page.wait_for_selector("text=已从 paper.csv 导入 3 份新答卷", timeout=30_000)  # the page reloads when done
    assert page.locator("progress").count() == 0
    screenshot(page, "collection-import-job-done-desktop")
    with live_server.app.app_context():
        assert db.session.scalars(select(Response.mode)).all() == [Mode.paper] * 3
    page.goto(f"{live_server.url}/jobs")
    assert "答卷导入" in page.inner_text("#jobs-done")
    assert errors == []


def test_correct_a_typo_and_the_history_shows_before_and_after(live_server, evaluator, new_page):
    response_id = submit(live_server.app, KEY, "310101002", {**ANSWERS, "q03": 1})
    page = new_page(DESKTOP)
    errors = watch_errors(page)
    log_in_page(page, live_server, *evaluator)
    page.goto(f"{live_server.url}/surveys/{KEY}/responses/{response_id}")
    page.click("text=更正答案")
    page.fill("#reason", "电话核实：第3题应为“满意”")
    page.locator("label[for=item-q03-4]").click()
    screenshot(page, "collection-correction-desktop")
    page.click("button:has-text('保存更正')")
    page.wait_for_selector("text=已更正 1 个答案")
    change = page.locator("table.changes tbody tr")
    assert change.count() == 1 and change.inner_text().split() == ["第", "3", "题", "1", "4"]
    screenshot(page, "collection-correction-history-desktop")
    assert errors == []
    photograph(new_page, live_server, evaluator, f"/surveys/{KEY}/responses/{response_id}", "collection-correction-history")


def test_resolve_a_double_entry(live_server, evaluator, new_page):
    from survey_service.responses.operations import enter_paper_twice

    app = live_server.app
    create_account(app, "evaluator", "second@example.org")
    with app.app_context():
        survey = db.session.scalar(select(Survey).filter_by(key=KEY))
        invitation = next(i for i in survey.invitations if i.unit.code == "310104003")
        enter_paper_twice(survey, invitation, ANSWERS, {"suggestions": "意见甲"}, by=find_user(evaluator[0]))
        enter_paper_twice(survey, invitation, {**ANSWERS, "q07": 1}, {"suggestions": "意见乙"},
                          by=find_user("second@example.org"))
        db.session.commit()
    page = new_page(DESKTOP)
    errors = watch_errors(page)
    log_in_page(page, live_server, *evaluator)
    page.goto(f"{live_server.url}/surveys/{KEY}/centres/310104003")
    assert "双录结果不一致，等待核对" in page.content()
    page.goto(f"{live_server.url}/surveys/{KEY}/centres/310104003/entry/resolve")
    assert page.locator("[data-testid=differences] tbody tr").count() == 2
    page.check("input[name=choice-q07][value=first]")
    page.check("input[name=choice-suggestions][value=second]")
    screenshot(page, "collection-resolve-desktop")
    page.click("button:has-text('按所选答案提交')")
    page.wait_for_selector("text=计为已提交")
    assert errors == []
    photograph(new_page, live_server, evaluator, f"/surveys/{KEY}/centres/310104003/entry", "collection-entry-done")
