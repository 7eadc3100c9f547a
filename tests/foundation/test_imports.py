"""Questionnaire and roster import through the CLI and the web: whole files or nothing, every problem named."""
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from survey_service.extensions import db
from survey_service.questionnaires.models import Question, QuestionnaireVersion
from survey_service.roster.models import Roster, RosterUnit
from tests.conftest import QUESTIONNAIRE, ROSTER, post_form


def roster_lines() -> list[str]:
    return ROSTER.read_text(encoding="utf-8").splitlines()


def test_cli_imports_the_shared_questionnaire_once(app, runner, tmp_path):
    result = runner.invoke(args=["questionnaire", "import", str(QUESTIONNAIRE)])
    assert result.exit_code == 0, result.output
    assert "imported questionnaire remote-edu-ops-2017 version 1 (13 questions)" in result.stderr
    again = runner.invoke(args=["questionnaire", "import", str(QUESTIONNAIRE)])
    assert again.exit_code == 0 and "already imported" in again.stderr
    with app.app_context():
        assert db.session.scalar(select(func.count(QuestionnaireVersion.id))) == 1
        assert db.session.scalar(select(func.count(Question.id))) == 13


def test_changed_content_under_the_same_version_is_refused(app, runner, tmp_path):
    runner.invoke(args=["questionnaire", "import", str(QUESTIONNAIRE)])
    changed = tmp_path / "q.yaml"
    changed.write_text(QUESTIONNAIRE.read_text(encoding="utf-8").replace("问卷约需5分钟", "问卷约需6分钟"), "utf-8")
    result = runner.invoke(args=["questionnaire", "import", str(changed)])
    assert result.exit_code == 2
    assert "already exists with different content" in result.stderr
    bumped = tmp_path / "q2.yaml"
    bumped.write_text(changed.read_text("utf-8").replace("version: 1", "version: 2"), "utf-8")
    assert runner.invoke(args=["questionnaire", "import", str(bumped)]).exit_code == 0


def test_corrupted_questionnaire_lists_every_problem_and_stores_nothing(app, runner, tmp_path):
    text = QUESTIONNAIRE.read_text(encoding="utf-8")
    text = text.replace("scheme: linear", "scheme: lineal").replace("key: q06", "key: q05")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, "utf-8")
    result = runner.invoke(args=["questionnaire", "import", str(bad)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "scoring.scheme: unknown scheme 'lineal' (one of linear, points, top_box)" in result.stderr
    assert "dimensions[2].items[1].key: duplicate 'q05'" in result.stderr
    with app.app_context():
        assert db.session.scalar(select(func.count(QuestionnaireVersion.id))) == 0


def test_cli_imports_the_shared_roster_with_chinese_intact(app, runner):
    result = runner.invoke(args=["roster", "import", str(ROSTER), "--name", "上海"])
    assert result.exit_code == 0, result.output
    assert "221 units in 16 districts" in result.stderr
    with app.app_context():
        unit = db.session.scalar(select(RosterUnit).filter_by(code="310101002"))
        assert (unit.name, unit.district, unit.kind, unit.district_en) == ("南京东路街道", "黄浦区", "街道", "Huangpu")
        assert unit.contact_email == "dj310101002@example.org"


def test_corrupted_roster_names_every_bad_line_and_imports_nothing(app, runner, tmp_path):
    lines = roster_lines()
    lines[5] = lines[3]                                   # line 6 repeats line 4's code
    lines[10] = lines[10].rsplit(",", 1)[0] + ",not-an-address"
    cells = lines[20].split(",")
    cells[1] = ""                                         # empty name on line 21
    lines[20] = ",".join(cells)
    bad = tmp_path / "roster.csv"
    bad.write_text("\n".join(lines) + "\n", "utf-8")
    result = runner.invoke(args=["roster", "import", str(bad), "--name", "bad"])
    assert result.exit_code == 2
    errors = result.stderr.splitlines()
    code = lines[3].split(",")[0]
    assert f'roster.csv: line 6: duplicate code "{code}" (first on line 4)' in errors
    assert 'roster.csv: line 11: malformed e-mail "not-an-address"' in errors
    assert "roster.csv: line 21: empty name" in errors
    assert len(errors) == 3
    with app.app_context():
        assert db.session.scalar(select(func.count(Roster.id))) == 0
        assert db.session.scalar(select(func.count(RosterUnit.id))) == 0


def test_roster_with_bom_and_missing_column(app, runner, tmp_path):
    with_bom = tmp_path / "bom.csv"
    with_bom.write_bytes("\ufeff".encode() + ROSTER.read_bytes())
    assert runner.invoke(args=["roster", "import", str(with_bom), "--name", "bom"]).exit_code == 0
    no_district = tmp_path / "nodistrict.csv"
    no_district.write_text("code,name\n1,甲街道\n", "utf-8")
    result = runner.invoke(args=["roster", "import", str(no_district), "--name", "x"])
    assert result.exit_code == 2 and 'missing required column "district"' in result.stderr


def test_roster_not_utf8_is_named(app, runner, tmp_path):
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(ROSTER.read_text("utf-8").encode("gbk"))
    result = runner.invoke(args=["roster", "import", str(gbk), "--name", "gbk"])
    assert result.exit_code == 2 and "not UTF-8 text" in result.stderr


def xlsx_roster(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_roster_keeps_extra_columns(app, runner, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx_roster([["code", "name", "district", "片区"], [310101002, "南京东路街道", "黄浦区", "中心城区"],
                                  [310115004, "潍坊新村街道", "浦东新区", "浦东"]]))
    assert runner.invoke(args=["roster", "import", str(path), "--name", "x"]).exit_code == 0
    with app.app_context():
        unit = db.session.scalar(select(RosterUnit).filter_by(code="310101002"))
        assert unit.attribute("片区") == "中心城区" and unit.attribute("district") == "黄浦区"


def test_web_roster_import_shows_problems_and_stores_nothing(app, client, login):
    login("evaluator")
    bad = "code,name,district,contact_email\n1,甲街道,黄浦区,a@b\n1,,黄浦区,\n"
    response = post_form(client, "/rosters", {"name": "web", "file": (io.BytesIO(bad.encode()), "r.csv")},
                         content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "第 3 行：编码“1”重复" in page and "第 3 行：名称为空" in page and "第 2 行：电子邮件地址“a@b”格式不正确" in page
    good = post_form(client, "/rosters", {"name": "上海", "file": (io.BytesIO(ROSTER.read_bytes()), "r.csv")},
                     content_type="multipart/form-data", follow_redirects=True)
    assert good.status_code == 200 and "221" in good.get_data(as_text=True)


def test_web_questionnaire_import(app, client, login):
    login("evaluator")
    response = post_form(client, "/questionnaires",
                         {"file": (io.BytesIO(QUESTIONNAIRE.read_bytes()), "q.yaml")},
                         content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200 and "remote-edu-ops-2017" in response.get_data(as_text=True)
    bad = post_form(client, "/questionnaires", {"file": (io.BytesIO(b"key: [\n"), "q.yaml")},
                    content_type="multipart/form-data")
    # in the page's language, the parser's own English said in it too
    assert bad.status_code == 422
    assert "q.yaml：第 2 行：YAML 格式错误：缺少值，或括号（[ 或 {）未闭合" in bad.get_data(as_text=True)
    english = post_form(client, "/questionnaires?lang=en", {"file": (io.BytesIO(b"key: [\n"), "q.yaml")},
                        content_type="multipart/form-data")
    assert "line 2: invalid YAML: expected the node content" in english.get_data(as_text=True)


@pytest.mark.parametrize("role, status", [("viewer", 403), ("evaluator", 200), ("admin", 200)])
def test_import_pages_need_an_evaluator(app, client, login, role, status):
    login(role)
    assert client.get("/rosters").status_code == status
    assert client.get("/questionnaires").status_code == status


def test_anonymous_is_sent_to_login(client):
    response = client.get("/rosters")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_post_without_csrf_token_is_refused(app, client, login):
    login("evaluator")
    response = client.post("/rosters", data={"name": "x", "file": (io.BytesIO(ROSTER.read_bytes()), "r.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
