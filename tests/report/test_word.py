"""The Word report of the demo survey, read back with python-docx: outline, typography, and every figure's numbers."""
import html
import io
import re

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from analysis.narrative import percent
from survey_service.extensions import db
from survey_service.results.documents import survey_document
from survey_service.surveys.operations import find_survey
from tests.conftest import built_download, create_account, log_in

KEY = "remote-edu-ops-2017"
HEADINGS = ["一、调查基本情况", "二、调查方法与问卷设计", "三、问卷发放与回收情况", "四、样本构成", "五、总体满意度",
            "六、分维度满意度", "七、分区比较", "八、信度分析", "九、意见和建议汇总", "十、调查局限性", "十一、结论及指标得分"]


@pytest.fixture(scope="module")
def viewer(demo_app):
    client = demo_app.test_client()
    email, password = create_account(demo_app, "viewer", "word-viewer@example.org")
    assert log_in(client, email, password).status_code == 302
    return client


@pytest.fixture(scope="module")
def word(demo_app, viewer):
    response = built_download(demo_app, viewer, f"/surveys/{KEY}/results/report.docx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{KEY}-report.docx"'
    return Document(io.BytesIO(response.data))


@pytest.fixture(scope="module")
def document(demo_app):
    with demo_app.app_context():
        return survey_document(find_survey(KEY))


def tables_by_title(word) -> dict[str, list[list[str]]]:
    """Each table's cell texts under the title paragraph (表N …) just above it."""
    body = word.element.body
    found, last_caption = {}, None
    for element in body.iterchildren():
        if element.tag == qn("w:p"):
            text = "".join(t.text or "" for t in element.iter(qn("w:t")))
            last_caption = text if re.match(r"表\d+", text) else None
        elif element.tag == qn("w:tbl") and last_caption:
            found[last_caption.split()[0]] = [["".join(t.text or "" for t in cell.iter(qn("w:t")))
                                               for cell in row.iter(qn("w:tc"))] for row in element.iter(qn("w:tr"))]
    return found


def test_sections_are_word_headings_in_the_outline_order(word):
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert headings == HEADINGS


def test_every_table_and_figure_of_the_outline_is_there(word, document):
    tables = tables_by_title(word)
    assert sorted(tables, key=lambda t: int(t[1:])) == [f"表{n}" for n in range(1, 12)]
    captions = [p.text for p in word.paragraphs if p.style.name == "Caption" and p.text.startswith("图")]
    assert [c.split()[0] for c in captions] == ["图1", "图2", "图3", "图4"]
    # each figure caption sits right under a paragraph holding one picture
    paragraphs = word.paragraphs
    for index, paragraph in enumerate(paragraphs):
        if paragraph in [p for p in paragraphs if p.text in captions]:
            assert paragraphs[index - 1]._p.findall(".//" + qn("pic:pic"))
    assert len(word.inline_shapes) == 4
    assert all(shape.width == Cm(21) - 2 * Cm(3.17) for shape in word.inline_shapes)


def test_table_figures_equal_the_satisfaction_document(word, document):
    tables = tables_by_title(word)
    counts = document["counts"]
    returns = tables["表3"]
    assert returns[-1] == ["合计", str(counts["issued"]), str(counts["submitted"]), str(counts["valid"]),
                           percent(counts["valid_rate"] * 100)]
    ranked = sorted(document["dimensions"], key=lambda d: -d["index"])
    dimensions = tables["表7"]
    assert [row[1] for row in dimensions[1:-1]] == [d["title"] for d in ranked]
    assert [row[2] for row in dimensions[1:-1]] == [percent(d["index"]) for d in ranked]
    assert [row[6] for row in dimensions[1:-1]] == [str(d["n"]) for d in ranked]
    assert dimensions[-1][2] == percent(document["overall"]["index"])
    low, high = document["overall"]["ci95"]
    assert dimensions[-1][3] == f"{percent(low)} – {percent(high)}"
    districts = {row[1]: row for row in tables["表9"][1:]}
    for row in document["groups"]["rows"]:
        assert districts[row["group"]][3] == str(row["valid"])
        assert districts[row["group"]][5] == percent(row["index"])
    items = {row[0].split()[0]: row for row in tables["表8"][1:]}
    for dimension in document["dimensions"]:
        for item in dimension["items"]:
            assert items[item["key"]][1:6] == [str(item["distribution"][v]) for v in ("5", "4", "3", "2", "1")]
            assert items[item["key"]][-2] == percent(item["index"])
    reliability = tables["表10"]
    assert reliability[-1][1] == f"{document['reliability']['cronbach_alpha']:.3f}"
    distribution = tables["表6"]
    assert [row[2] for row in distribution[1:6]] == [str(document["distribution"][v])
                                                     for v in ("5", "4", "3", "2", "1")]


def test_the_generated_text_is_the_printable_reports(word, viewer, document):
    text = "\n".join(p.text for p in word.paragraphs)
    indicator = document["indicator"]
    assert (f"C4-1基层党建中心满意度权重8分，得分 = 8 × {percent(indicator['index'])} = {indicator['score']:.2f}分。"
            in text)
    printable = viewer.get(f"/surveys/{KEY}/results/report").get_data(as_text=True)
    printed = {html.unescape(sentence) for sentence in re.findall(r"<p>([^<]*)</p>", printable)}
    body = [p.text for p in word.paragraphs if p.style.name == "Normal" and p.text]
    assert len(body) > 15 and set(body) <= printed
    assert "自助法（bootstrap）百分位区间，含有限总体校正" in text and "bootstrap-percentile" not in text


def test_comments_are_grouped_by_district_without_the_centres_name(word, demo_app):
    from survey_service.report.queries import comments

    with demo_app.app_context():
        received = comments(find_survey(KEY))
    text = "\n".join(p.text for p in word.paragraphs)
    assert received and all(comment.text in text for comment in received)
    assert not any(comment.unit in text for comment in received)
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 2"]
    assert {comment.district for comment in received} == {re.sub(r"（\d+）$", "", h) for h in headings}


def test_chinese_typography_is_set_in_the_styles(word):
    section = word.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4
    normal = word.styles["Normal"]
    fonts = normal.element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "宋体" and normal.font.size == Pt(12)
    assert normal.paragraph_format.line_spacing == 1.5
    assert normal.element.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"
    heading = word.styles["Heading 1"].element.rPr.rFonts
    assert heading.get(qn("w:eastAsia")) == "黑体" and heading.get(qn("w:eastAsiaTheme")) is None
    footer = section.footer._element.xml
    assert "PAGE" in footer and 'fldCharType="begin"' in footer
    assert 'TOC \\o "1-2"' in word.element.body.xml


def test_tables_are_three_line_tables_with_a_repeated_header(word):
    table = word.tables[0]
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    sides = {child.tag.split("}")[1]: (child.get(qn("w:val")), child.get(qn("w:sz"))) for child in borders}
    assert sides["top"] == ("single", "12") and sides["bottom"] == ("single", "12")
    assert sides["insideV"][0] == "nil" and sides["left"][0] == "nil"
    header = table.rows[0]._tr
    assert header.trPr.find(qn("w:tblHeader")) is not None and header.trPr.find(qn("w:cantSplit")) is not None
    assert 'w:bottom w:val="single" w:sz="6"' in table.rows[0].cells[0]._tc.xml


def test_the_english_report_mirrors_the_outline(demo_app, viewer):
    response = built_download(demo_app, viewer, f"/surveys/{KEY}/results/report.docx", query_string={"lang": "en"})
    viewer.get(f"/surveys/{KEY}/results/", query_string={"lang": "zh"})
    word = Document(io.BytesIO(response.data))
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "1. About the survey" and headings[-1] == "11. Conclusion and indicator score"
    assert len(headings) == 11
    assert not re.search(r"[\u4e00-\u9fff]", "".join(headings))
    assert "Table 7. Dimensions ranked" in [p.text for p in word.paragraphs]


def test_the_cli_writes_the_word_report_and_refuses_an_unknown_survey(demo_app, tmp_path):
    runner = demo_app.test_cli_runner()
    target = tmp_path / "report.docx"
    result = runner.invoke(args=["report", "--survey", KEY, "--format", "docx", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert [p.text for p in Document(str(target)).paragraphs if p.style.name == "Heading 1"] == HEADINGS
    html = runner.invoke(args=["report", "--survey", KEY, "--format", "html", "--language", "en"])
    assert html.exit_code == 0 and "11. Conclusion and indicator score" in html.stdout
    missing = runner.invoke(args=["report", "--survey", "no-such-survey"])
    assert missing.exit_code == 2 and 'no survey "no-such-survey"' in missing.stderr
    with demo_app.app_context():
        db.session.rollback()
