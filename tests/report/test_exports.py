"""Exports (CSV, XLSX, PDF) and escaping, on a data set with a hostile and a formula-like comment."""
import csv
import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from survey_service.audit.models import AuditEvent
from survey_service.extensions import db
from survey_service.results.documents import survey_document
from survey_service.surveys.operations import find_survey
from tests.conftest import built_download
from tests.report.conftest import FORMULA, HOSTILE, LATER

PAGES = ["", "dimensions", "items", "districts", "reliability", "comments", "comparison", "report"]
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def url(page: str) -> str:
    return f"/surveys/{LATER}/results/{page}"


@pytest.mark.parametrize("page", PAGES)
def test_a_hostile_comment_stays_inert_on_every_page(report_client, page):
    html = report_client.get(url(page)).get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    if page in ("comments", "report"):
        assert ESCAPED in html


def test_responses_csv_has_a_bom_and_neutralised_formulas(report_app, report_client):
    response = report_client.get(url("responses.csv"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 60
    suggestions = {row["suggestions"] for row in rows}
    assert HOSTILE in suggestions and "'" + FORMULA in suggestions and FORMULA not in suggestions
    assert _audited(report_app, "csv")


def _workbook(report_client):
    response = report_client.get(url("results.xlsx"))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('-results.xlsx"')
    return load_workbook(io.BytesIO(response.data))


def test_workbook_has_every_sheet_and_neutralises_formulas(report_app, report_client):
    workbook = _workbook(report_client)
    assert workbook.sheetnames == ["汇总", "维度", "题项", "各区", "答卷", "答卷（编码）", "意见和建议"]
    comments = [row[3] for row in workbook["意见和建议"].iter_rows(min_row=2, values_only=True)]
    assert HOSTILE in comments and "'" + FORMULA in comments
    assert all(cell.data_type != "f" for sheet in workbook for row in sheet.iter_rows() for cell in row)
    assert workbook["答卷（编码）"].max_row == 61 and workbook["答卷"].max_row == 61
    assert _audited(report_app, "xlsx")


def test_the_overall_index_recomputes_from_the_summary_sheet_alone(report_app, report_client):
    rows = list(_workbook(report_client)["汇总"].iter_rows(values_only=True))
    blank = [i for i, row in enumerate(rows) if all(cell is None for cell in row)]
    figures = {row[0]: row[1] for row in rows[1:blank[0]]}
    options = rows[blank[0] + 2:blank[1] - 1]  # the last row is N/A: not counted
    points = {value: points for value, _, points in (row[:3] for row in options)}
    header, *items = rows[blank[1] + 1:]
    first_option = 4
    dimensions: dict[str, list] = {}
    for item in items:
        counts = dict(zip(points, item[first_option:first_option + len(points)]))
        rated = sum(counts.values())
        item_index = sum(points[value] * n for value, n in counts.items()) / rated
        assert item_index == pytest.approx(item[-1])
        dimensions.setdefault(item[0], [item[1], 0.0, 0.0])
        dimensions[item[0]][1] += item[3] * item_index
        dimensions[item[0]][2] += item[3]
    overall = (sum(weight * total / item_weights for weight, total, item_weights in dimensions.values())
               / sum(weight for weight, _, _ in dimensions.values()))
    with report_app.app_context():
        document = survey_document(find_survey(LATER))
    assert overall == pytest.approx(document["overall"]["index"], abs=1e-9)
    assert figures["综合满意度"] == pytest.approx(document["overall"]["index"])


def built(app, client, page: str):
    return built_download(app, client, url(page))


def test_pdf_is_a_real_a4_document_with_the_comment_as_text(report_app, report_client):
    response = built(report_app, report_client, "report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) >= 5
    assert round(float(reader.pages[0].mediabox.width)) == 595  # A4 in points
    text = _pdf_text(response.data, reader)
    compact = "".join(text.split())
    assert "".join(HOSTILE.split()) in compact
    assert "满意度调查分析报告" in compact and "十一、结论及指标得分" in compact
    assert _audited(report_app, "pdf")


def test_workbook_is_fit_for_excel_users(report_app, report_client):
    """Formats instead of raw floats, fitted columns, frozen headings, words not codes, Beijing times said so."""
    workbook = _workbook(report_client)
    with report_app.app_context():
        document = survey_document(find_survey(LATER))
    assert all(sheet.freeze_panes == "A2" for sheet in workbook)
    summary = {row[0].value: row[1] for row in workbook["汇总"].iter_rows(min_row=2) if row[0].value}
    assert summary["问卷回收率"].value == pytest.approx(document["counts"]["valid_rate"], rel=1e-15)
    assert summary["问卷回收率"].number_format == "0.00%" and summary["综合满意度"].number_format == "0.00"
    assert summary["区间估计方法"].value == "自助法（bootstrap）百分位区间，含有限总体校正"
    assert summary["计分方法"].value.startswith("线性赋分法")
    assert summary["生成时间（北京时间）"].is_date and summary["生成时间（北京时间）"].number_format == "yyyy-mm-dd hh:mm"
    dimensions = workbook["维度"]
    assert dimensions["D1"].value == "满意度" and dimensions["D2"].number_format == "0.00"
    assert dimensions.column_dimensions["B"].width >= 12
    districts = workbook["各区"]
    assert districts["E2"].number_format == "0.00%" and districts["F2"].number_format in ("0.00", "General")
    comments = workbook["意见和建议"]
    assert comments["E1"].value == "提交时间（北京时间）"
    first = next(row for row in comments.iter_rows(min_row=2) if row[4].value is not None)
    assert first[4].is_date and first[4].number_format == "yyyy-mm-dd hh:mm"
    readable, coded = workbook["答卷"], workbook["答卷（编码）"]
    assert readable["A1"].value == "单位代码" and coded["A1"].value == "centre_code"
    assert {readable.cell(2, 4).value} <= {"有效", "无效"} and coded.cell(2, 4).value in ("valid", "invalid")
    submitted = readable.cell(2, 6)
    assert submitted.is_date and coded.cell(2, 6).value.endswith("+08:00")
    assert submitted.value.isoformat(timespec="seconds") == coded.cell(2, 6).value[:-6]


def _pdf_text(data: bytes, reader: PdfReader) -> str:
    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                              check=True).stdout.decode("utf-8")
    return "\n".join(page.extract_text() for page in reader.pages)


def _audited(app, export_format: str) -> bool:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).filter_by(action="report.export", object_id=LATER)).all()
        return any(event.details == {"format": export_format} for event in events)


def test_the_printed_report_has_no_half_empty_page(report_app, report_client, tmp_path):
    """Tables break across pages and tall figures come after them, so every page but the last is filled."""
    if not shutil.which("pdftoppm"):
        pytest.fail("pdftoppm is missing: scripts/test installs poppler-utils")
    pdf = built(report_app, report_client, "report.pdf").data
    subprocess.run(["pdftoppm", "-r", "20", "-gray", "-png", "-", str(tmp_path / "page")], input=pdf, check=True)
    filled = []
    for path in sorted(tmp_path.glob("page-*.png")):
        image = Image.open(path).convert("L")
        width, height = image.size
        body = height - round(height * 0.1)  # the page number sits in the bottom margin
        dark = [y for y in range(body) if any(image.getpixel((x, y)) < 200 for x in range(width))]
        filled.append(max(dark) / body if dark else 0)
    assert len(filled) >= 5
    assert [round(share, 2) for share in filled[:-1] if share < 0.85] == []
