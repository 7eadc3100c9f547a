"""The QR sheet printed to A4 by Chromium (``page.pdf``): a fixed grid, no card overlapping another, none split
across pages, long names wrapped inside their card; the pages rendered to PNG under test-artifacts/screenshots/."""
import io
import math
import re
import shutil
import subprocess
import unicodedata

import pytest
from pypdf import PdfReader

from survey_service.extensions import db
from survey_service.roster.models import RosterUnit
from tests.browser.conftest import SCREENSHOTS, log_in_page
from tests.conftest import create_account

pytestmark = pytest.mark.browser
KEY = "remote-edu-ops-2017"
LONG_NAME = "上海市浦东新区张江高科技园区综合党建服务中心暨区域化党建工作站（示范点）"
A4_PRINTABLE_MM = (190, 277)  # A4 less the sheet's 10 mm margins
MM = 96 / 25.4  # CSS pixels per millimetre


@pytest.fixture
def sheet(demo_server, new_page):
    with demo_server.app.app_context():
        unit = db.session.get(RosterUnit, 1)
        unit.name = LONG_NAME  # the longest name a card must hold
        db.session.commit()
    page = new_page({"width": round(A4_PRINTABLE_MM[0] * MM), "height": 1000})
    email, password = create_account(demo_server.app, "evaluator", "qr-printer@example.org")
    log_in_page(page, demo_server, email, password)
    return page


def test_the_printed_sheet_holds_221_cards_in_a_fixed_grid(sheet, demo_server):
    sheet.goto(f"{demo_server.url}/surveys/{KEY}/invitations/qr", timeout=90_000)  # 221 QR codes to draw
    sheet.emulate_media(media="print")
    boxes = sheet.eval_on_selector_all(".qr-card", """cards => cards.map(card => {
        const box = card.getBoundingClientRect(), text = card.querySelector('.qr-text');
        return {x: box.x, y: box.y, w: box.width, h: box.height,
                overflowing: text.scrollHeight > text.clientHeight + 1 || text.scrollWidth > text.clientWidth + 1,
                page: [...card.parentElement.parentElement.children].indexOf(card.parentElement)};
    })""")
    assert len(boxes) == 221
    assert {(round(box["w"] / MM), round(box["h"] / MM)) for box in boxes} == {(93, 42)}
    for first, second in zip(boxes, boxes[1:]):  # cards in reading order: the next is to the right or below
        if first["page"] == second["page"]:
            assert second["x"] >= first["x"] + first["w"] or second["y"] >= first["y"] + first["h"]
    overlapping = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                   if a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
                   and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]]
    assert overlapping == []
    assert [box for box in boxes if box["overflowing"]] == []
    pages = sheet.eval_on_selector_all(".qr-page", "pages => pages.map(p => p.getBoundingClientRect().height)")
    assert len(pages) == math.ceil(221 / 12) and max(pages) <= A4_PRINTABLE_MM[1] * MM

    pdf = sheet.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == math.ceil(221 / 12)
    # each card's name and its link land on the same page: no card is split by a page break
    # NFKC: the PDF's text maps some CJK characters to their Kangxi radical look-alikes (⾼ for 高)
    texts = [unicodedata.normalize("NFKC", "".join(page.extract_text().split())) for page in reader.pages]
    links = sheet.eval_on_selector_all(".qr-link", "links => links.map(l => l.textContent)")
    tokens = [link.rsplit("/", 1)[1] for link in links]
    for number, text in enumerate(texts):
        on_page = [token for token in tokens if token[:20] in text]
        assert len(on_page) == (12 if number < len(texts) - 1 else 221 - 12 * (len(texts) - 1))
    assert "".join(LONG_NAME.split())[:12] in texts[0]
    (SCREENSHOTS / "console-qr-print.pdf").parent.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "console-qr-print.pdf").write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "2", str(SCREENSHOTS / "console-qr-print.pdf"),
                        str(SCREENSHOTS / "console-qr-print-page")], check=True)


def test_the_sheet_filters_to_one_district_and_to_centres_still_to_answer(sheet, demo_server):
    from survey_service.tracking.queries import non_respondents
    from survey_service.surveys.operations import find_survey

    with demo_server.app.app_context():
        waiting_rows = non_respondents(find_survey(KEY).id)
    district = waiting_rows[0].district
    waiting = [row.name for row in waiting_rows if row.district == district]
    sheet.goto(f"{demo_server.url}/surveys/{KEY}/invitations")
    sheet.select_option("#qr-district", district)
    sheet.check("input[name=pending]")
    with sheet.expect_navigation(timeout=60_000):
        sheet.get_by_role("button", name="打开打印页").click()
    assert re.search(r"pending=1", sheet.url)
    names = sheet.eval_on_selector_all(".qr-card h2", "names => names.map(n => n.textContent)")
    assert names == waiting and names
    assert "尚未提交" in sheet.locator("h1").inner_text()
    still_to_answer = len(names)
    sheet.goto(f"{demo_server.url}/surveys/{KEY}/invitations/qr?district={district}", timeout=60_000)
    assert sheet.locator(".qr-card").count() > still_to_answer
