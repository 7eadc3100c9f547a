"""One set of rules for every source: the same bad questionnaire as YAML, as the XLSX template and in the builder
gives the same problems, each named where that source can point (path; sheet, row and column; the field)."""
from __future__ import annotations

import copy
import io
import re

import pytest
import yaml
from openpyxl import load_workbook
from sqlalchemy import func, select

from survey_service.extensions import db
from survey_service.questionnaires.models import QuestionnaireVersion
from survey_service.questionnaires.workbook import definition_workbook
from tests.conftest import DATA, QUESTIONNAIRE, post_form
from tests.questionnaires.conftest import seed_fields
from tests.questionnaires.form_fields import form_fields

#: the same four mistakes in each source, and the message each must give
MESSAGES = {
    "must be a number > 0, got 0",
    "duplicate 'q01'",
    "required text",
    "must be true or false, got 'maybe'",
}


def broken_yaml(seed: dict) -> dict:
    broken = copy.deepcopy(seed)
    broken["dimensions"][1]["weight"] = 0
    broken["dimensions"][2]["items"][0]["key"] = "q01"
    broken["dimensions"][3]["title"] = ""
    broken["dimensions"][4]["items"][1]["reverse"] = "maybe"
    return broken


def broken_workbook(seed: dict) -> bytes:
    book = load_workbook(io.BytesIO(definition_workbook(seed)))
    book["维度"]["D3"] = 0            # dimensions[1].weight
    book["题目"]["B6"] = "q01"        # dimensions[2].items[0].key
    book["维度"]["B5"] = None         # dimensions[3].title
    book["题目"]["G11"] = "maybe"     # dimensions[4].items[1].reverse
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def messages_of(problems: list[str]) -> set[str]:
    return {problem.split(": ", 1)[1] for problem in problems}


def test_yaml_names_each_path(app, runner, tmp_path, seed_definition):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(broken_yaml(seed_definition), allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["questionnaire", "import", str(path)])
    problems = result.stderr.strip().splitlines()
    assert result.exit_code == 2
    assert sorted(problems) == sorted([
        "dimensions[1].weight: must be a number > 0, got 0", "dimensions[2].items[0].key: duplicate 'q01'",
        "dimensions[3].title: required text", "dimensions[4].items[1].reverse: must be true or false, got 'maybe'"])
    assert messages_of(problems) == MESSAGES


def test_xlsx_names_sheet_row_and_column(app, runner, tmp_path, seed_definition):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(broken_workbook(seed_definition))
    result = runner.invoke(args=["questionnaire", "import", str(path)])
    problems = result.stderr.strip().splitlines()
    assert result.exit_code == 2
    assert sorted(problems) == sorted([
        "sheet 维度, row 3, column D: must be a number > 0, got 0", "sheet 题目, row 6, column B: duplicate 'q01'",
        "sheet 维度, row 5, column B: required text", "sheet 题目, row 11, column G: must be true or false, got 'maybe'"])
    assert messages_of(problems) == MESSAGES
    with app.app_context():
        assert db.session.scalar(select(func.count(QuestionnaireVersion.id))) == 0


def test_builder_names_each_field_in_the_pages_language(app, client, start_builder, seed_definition):
    builder = start_builder()
    for _ in range(5):
        builder.press("add:dimensions")
    for d in range(6):
        builder.press(f"add:dimensions[{d}].items")
    builder.press("add:open_questions")
    fields = seed_fields(seed_definition) | {"dimensions-1-weight": "0", "dimensions-2-items-0-key": "q01",
                                             "dimensions-3-title": ""}
    english = builder.client.post(builder.url + "?lang=en", data={**builder.fields(), **fields, "action": "save"})
    html = english.get_data(as_text=True)
    errors = dict(re.findall(r'<p class="field-error" id="([\w-]+)-error">([^<]*)</p>', html))
    assert english.status_code == 422
    assert errors == {"dimensions-1-weight": "must be a number &gt; 0, got 0",
                      "dimensions-2-items-0-key": "duplicate &#39;q01&#39;", "dimensions-3-title": "required text"}
    chinese = builder.client.post(builder.url + "?lang=zh", data={**builder.fields(), **fields, "action": "save"})
    errors = dict(re.findall(r'<p class="field-error" id="([\w-]+)-error">([^<]*)</p>', chinese.get_data(as_text=True)))
    assert errors == {"dimensions-1-weight": "必须是大于 0 的数，当前为 0",
                      "dimensions-2-items-0-key": "重复：&#39;q01&#39;", "dimensions-3-title": "必填"}


def test_console_upload_of_a_bad_workbook_names_cells_in_chinese(app, client, evaluator, seed_definition):
    page = post_form(client, "/questionnaires", {"file": (io.BytesIO(broken_workbook(seed_definition)), "bad.xlsx")},
                     content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "工作表“维度”第 3 行 D 列：必须是大于 0 的数，当前为 0" in html
    assert "工作表“题目”第 11 行 G 列：必须是“是”或“否”，当前为 &#39;maybe&#39;" in html


@pytest.mark.parametrize("file_format", ["yaml", "xlsx"])
def test_export_imports_as_the_same_version(app, runner, tmp_path, file_format):
    assert runner.invoke(args=["questionnaire", "import", str(QUESTIONNAIRE)]).exit_code == 0
    path = tmp_path / f"q.{file_format}"
    exported = runner.invoke(args=["questionnaire", "export", "remote-edu-ops-2017:1", "--format", file_format,
                                   "--output", str(path)])
    assert exported.exit_code == 0, exported.stderr
    again = runner.invoke(args=["questionnaire", "import", str(path)])
    assert again.exit_code == 0, again.stderr
    assert "already imported questionnaire remote-edu-ops-2017 version 1" in again.stderr


def test_blank_template_has_every_sheet(app, client, evaluator):
    response = client.get("/questionnaires/template.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["问卷", "量表", "维度", "题目", "选择题", "开放题"]
    assert [cell.value for cell in book["题目"][1]] == ["维度 dimension", "标识 key", "题目 text", "英文 text_en",
                                                       "权重 weight", "必答 required", "反向 reverse"]


def test_missing_points_in_a_workbook_name_the_options_cell(app, runner, tmp_path, seed_definition):
    seed_definition["scoring"] = {"scheme": "points", "points": {5: 100, 4: 80, 3: 60, 2: 30, 1: 0}}
    book = load_workbook(io.BytesIO(definition_workbook(seed_definition)))
    assert [row[3].value for row in book["量表"].iter_rows(min_row=2)] == [100, 80, 60, 30, 0, None]
    book["量表"]["D6"] = None
    path = tmp_path / "points.xlsx"
    book.save(path)
    result = runner.invoke(args=["questionnaire", "import", str(path)])
    assert result.exit_code == 2 and result.stderr.strip() == "sheet 量表, row 6, column D: missing points for option 1"


def test_a_workbook_opens_in_the_builder_and_a_bad_one_is_named(app, client, evaluator, seed_definition):
    good = post_form(client, "/questionnaires/new", {"start": "upload", "file": (
        io.BytesIO(definition_workbook(seed_definition)), "q.xlsx")}, content_type="multipart/form-data")
    assert good.status_code == 302
    fields = form_fields(client.get(good.headers["Location"]).get_data(as_text=True), "builder")
    assert fields["dimensions-5-items-1-text"] == "投诉处理结果的满意程度" and fields["indicator-weight"] == "8"
    bad = post_form(client, "/questionnaires/new", {"start": "upload", "file": (
        io.BytesIO(broken_workbook(seed_definition)), "bad.xlsx")}, content_type="multipart/form-data")
    assert bad.status_code == 422 and "工作表“题目”第 6 行 B 列：重复：&#39;q01&#39;" in bad.get_data(as_text=True)


def test_a_console_upload_is_saved_by_its_evaluator(app, client, evaluator):
    post_form(client, "/questionnaires", {"file": (io.BytesIO(QUESTIONNAIRE.read_bytes()), "q.yaml")},
              content_type="multipart/form-data")
    with app.app_context():
        assert db.session.scalar(select(QuestionnaireVersion)).created_by.email == "evaluator@example.org"


def test_different_content_under_a_taken_version_is_refused_in_the_pages_language(app, client, evaluator,
                                                                                  seed_definition):
    post_form(client, "/questionnaires", {"file": (io.BytesIO(QUESTIONNAIRE.read_bytes()), "q.yaml")},
              content_type="multipart/form-data")
    seed_definition["title"] = "改过的标题"
    changed = yaml.safe_dump(seed_definition, allow_unicode=True).encode()
    page = post_form(client, "/questionnaires", {"file": (io.BytesIO(changed), "q.yaml")},
                     content_type="multipart/form-data")
    assert page.status_code == 422
    assert "version：remote-edu-ops-2017 第 1 版已存在且内容不同；修改后的问卷请使用更高的版本号" in page.get_data(as_text=True)


def test_choice_questions_and_reversed_items_survive_the_workbook(app, runner, tmp_path):
    profile = DATA / "questionnaire-profile.yaml"
    assert runner.invoke(args=["questionnaire", "import", str(profile)]).exit_code == 0
    path = tmp_path / "profile.xlsx"
    assert runner.invoke(args=["questionnaire", "export", "centre-profile-2017", "--format", "xlsx",
                               "--output", str(path)]).exit_code == 0
    book = load_workbook(path)
    assert [row[:4] for row in book["选择题"].iter_rows(min_row=2, max_row=3, values_only=True)] == [
        ("centre_kind", "贵中心属于", "Your centre is a", "single"), (None, None, None, None)]
    again = runner.invoke(args=["questionnaire", "import", str(path)])
    assert "already imported questionnaire centre-profile-2017 version 1" in again.stderr
