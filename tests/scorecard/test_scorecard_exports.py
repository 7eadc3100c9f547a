"""The scoring tables (综合评分表) downloaded as Word and Excel: the 2017 report's tree, 91.13 → 优."""
import io

from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from sqlalchemy import select

from survey_service.audit.models import AuditEvent
from survey_service.extensions import db
from survey_service.scorecard.models import StoredScorecard
from tests.conftest import DEMO_DATA, post_form


def _report_tree() -> bytes:
    """The report's tree with its satisfaction leaf given as the report's own 81.65 %, so it scores without a survey."""
    text = (DEMO_DATA / "scorecard-2017.yaml").read_text("utf-8")
    text = text.replace("source: satisfaction\n            survey: remote-edu-ops-2017", "rate: 0.8165")
    assert "rate: 0.8165" in text
    return text.encode()


def _import(client) -> int:
    response = post_form(client, "/scorecards/", {"file": (io.BytesIO(_report_tree()), "scorecard-2017.yaml")},
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_the_scorecard_in_word_has_the_reports_tables_and_total(app, client, login):
    login("evaluator")
    scorecard = _import(client)
    page = client.get(f"/scorecards/{scorecard}").get_data(as_text=True)
    assert f"/scorecards/{scorecard}/scorecard.docx" in page and f"/scorecards/{scorecard}/scorecard.xlsx" in page
    response = client.get(f"/scorecards/{scorecard}/scorecard.docx")
    assert response.status_code == 200
    word = Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "综合得分91.13分，评价等级为“优”。" in text
    titles = [p.text for p in word.paragraphs if p.style.name == "Caption"]
    assert titles[0] == "表1 综合评分表" and titles[1].startswith("表2 A")
    first = [[cell.text for cell in row.cells] for row in word.tables[0].rows]
    assert first[0] == ["指标", "名称", "权重", "业绩值", "分值"]
    assert [(row[0], row[2], row[4]) for row in first[1:-1]] == [("A", "8", "8"), ("B", "28", "24"),
                                                                  ("C", "64", "59.13")]
    assert first[-1][0] == "合计" and first[-1][4] == "91.13"
    performance = [[cell.text for cell in row.cells] for row in word.tables[3].rows]
    leaf = next(row for row in performance if row[0] == "C4-1")
    assert leaf[1].strip() == "基层党建中心满意度" and leaf[1].startswith("\u3000") and leaf[4] == "6.53"
    assert word.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).filter_by(action="scorecard.export")).all()
        assert [event.details for event in events] == [{"format": "docx"}]


def test_the_scorecard_in_excel_has_numbers_with_formats(app, client, login):
    login("viewer")
    with app.app_context():
        stored = StoredScorecard(title="2017", filename="s.yaml", source=_report_tree().decode())
        db.session.add(stored)
        db.session.commit()
        scorecard = stored.id
    response = client.get(f"/scorecards/{scorecard}/scorecard.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["综合评分表"]
    sheet = workbook["综合评分表"]
    assert sheet.freeze_panes == "A2"
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2) if row[0].value}
    assert rows["C4-1"][3].value == 8 and rows["C4-1"][5].value == 6.53 and rows["C4-1"][5].number_format == "0.00"
    assert rows["C4-1"][1].value == 3
    assert rows["合计"][5].value == 91.13 and rows["评价等级"][5].value == "优"
    assert sheet.column_dimensions["C"].width >= 20
    # a level's scores sum to its parent's, in the sheet as on the page
    assert round(sum(rows[code][5].value for code in ("A", "B", "C")), 2) == rows["合计"][5].value


def test_a_scorecard_that_cannot_be_scored_sends_back_to_its_page(app, client, login, issued_survey):
    login("evaluator")
    response = post_form(client, "/scorecards/", {"file": (io.BytesIO((DEMO_DATA / "scorecard-2017.yaml").read_bytes()),
                                                           "s.yaml")}, content_type="multipart/form-data")
    scorecard = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    download = client.get(f"/scorecards/{scorecard}/scorecard.docx")
    assert download.status_code == 302 and download.headers["Location"].endswith(f"/scorecards/{scorecard}")
