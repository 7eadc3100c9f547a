"""The Word report opens in LibreOffice: converted headless to PDF, its pages rendered to PNG for a person to look at.

One module of its own: LibreOffice is large and slow to start, and only this test needs it.
"""
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from PIL import Image
from pypdf import PdfReader

from survey_service.report.word import build_docx
from survey_service.surveys.operations import find_survey

KEY = "remote-edu-ops-2017"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: scripts/test installs it")
        pytest.skip(f"{name} is not installed (scripts/test installs it)")
    return found


@pytest.fixture(scope="module")
def converted(demo_app, tmp_path_factory):
    """The demo survey's Word report and its PDF as LibreOffice prints it."""
    soffice = _tool("soffice")
    folder = tmp_path_factory.mktemp("word")
    with demo_app.app_context():
        data = build_docx(find_survey(KEY), "zh")
    source = folder / "report.docx"
    source.write_bytes(data)
    profile = (folder / "profile").as_uri()  # a profile of its own: no lock shared with another LibreOffice
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), str(source)], check=True, capture_output=True, timeout=240)
    return data, folder / "report.pdf"


def test_libreoffice_opens_the_report_and_prints_it_on_a4(converted):
    _, pdf = converted
    reader = PdfReader(str(pdf))
    assert len(reader.pages) >= 8
    assert {round(float(page.mediabox.width)) for page in reader.pages} == {595}  # A4 in points
    text = subprocess.run([_tool("pdftotext"), "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          check=True).stdout.decode("utf-8")
    compact = "".join(text.split())
    for heading in ("一、调查基本情况", "六、分维度满意度", "十一、结论及指标得分", "表7各维度满意度排序", "图2各维度满意度"):
        assert heading in compact
    # the headings reach the PDF's outline (bookmarks), as they reach Word's navigation pane
    assert "一、调查基本情况" in [item.title for item in reader.outline if not isinstance(item, list)]


def test_the_charts_are_sharp_and_the_pages_are_saved_for_a_look(converted):
    data, pdf = converted
    for shape in Document(io.BytesIO(data)).inline_shapes:
        blob = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
        part = Document(io.BytesIO(data)).part.related_parts[blob]
        width, _ = Image.open(io.BytesIO(part.blob)).size
        assert width / (shape.width.inches) >= 200  # pixels per inch as placed on the page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run([_tool("pdftoppm"), "-r", "60", "-png", "-f", "1", "-l", "12", str(pdf),
                    str(SCREENSHOTS / "word-report-page")], check=True)
    assert len(list(SCREENSHOTS.glob("word-report-page-*.png"))) >= 8
