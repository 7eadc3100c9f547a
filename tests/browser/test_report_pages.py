"""The report in a real browser, on the demo data: every result page on a desktop and a phone, the printable page,
and the PDF rendered to PNG — screenshots under test-artifacts/screenshots/report-*."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, screenshot
from tests.conftest import create_account

pytestmark = pytest.mark.browser
KEY = "remote-edu-ops-2017"
PAGES = ["", "dimensions", "items", "districts", "reliability", "comments", "comparison"]
CHARTS = {"": 1, "dimensions": 1, "items": 1, "districts": 1, "comparison": 1}


def log_in(page, server):
    email, password = create_account(server.app, "viewer", "report-viewer@example.org")
    page.goto(server.url + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/")


@pytest.mark.parametrize("viewport, name", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_every_result_page_draws_its_charts(demo_server, new_page, viewport, name):
    page = new_page(viewport)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico") else None)
    log_in(page, demo_server)
    for report_page in PAGES:
        page.goto(f"{demo_server.url}/surveys/{KEY}/results/{report_page}")
        if report_page in CHARTS:
            page.wait_for_selector(".chart-area .main-svg")
            assert page.locator(".chart-area .main-svg").count() >= CHARTS[report_page]
        screenshot(page, f"report-{report_page or 'overview'}-{name}")
    assert errors == []


def test_printable_report_and_its_pdf(demo_server, new_page, tmp_path):
    page = new_page(DESKTOP)
    log_in(page, demo_server)
    page.goto(f"{demo_server.url}/surveys/{KEY}/results/report")
    assert page.locator("h2").count() == 11
    screenshot(page, "report-printable-desktop")
    page.emulate_media(media="print")
    screenshot(page, "report-printable-print")
    # the PDF is built by a job: the page shows its progress and the download starts when it is done
    with page.expect_download(timeout=120_000) as download:
        page.goto(f"{demo_server.url}/surveys/{KEY}/results/report.pdf")
        assert page.locator("#report-build h2").inner_text() == "正在生成报告（PDF）"
    body = Path(download.value.path()).read_bytes()
    assert body.startswith(b"%PDF")
    pdf = page.request.get(f"{demo_server.url}/surveys/{KEY}/results/report.pdf")  # now stored: at once
    assert pdf.ok and pdf.body() == body
    if shutil.which("pdftoppm") is None:
        # scripts/test installs poppler-utils; only a bare local run may lack it
        if os.environ.get("CI"):
            pytest.fail("pdftoppm (poppler-utils) is missing: CI must render the PDF's pages")
        pytest.skip("pdftoppm (poppler-utils) is not installed (scripts/test installs it)")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.body())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("report-pdf-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(SCREENSHOTS / "report-pdf")], check=True)
    assert len(list(SCREENSHOTS.glob("report-pdf-*.png"))) >= 5
