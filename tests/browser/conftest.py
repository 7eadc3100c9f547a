"""Browser tests: the app served on loopback, driven by Playwright in Debian's Chromium.

Screenshots go to ``test-artifacts/screenshots/`` so a person can look at every page the tests visit.
"""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from survey_service.demo import load_demo
from survey_service.extensions import db
from tests.conftest import make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


class LiveServer:
    """The app in a thread on 127.0.0.1 with a free port; ``BASE_URL`` is that origin."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        app.config["BASE_URL"] = self.url
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def live_server(tmp_path):
    """The app on a fresh SQLite database, served over HTTP for the browser."""
    app = make_app(f"sqlite:///{tmp_path / 'live.db'}", JOBS_EMBEDDED_WORKER=True)
    with app.app_context():
        db.create_all()
    with LiveServer(app) as server:
        yield server
    app.extensions["job_queue"].stop_worker()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def demo_server(live_server):
    """The live server with the demo loaded (two surveys of the 221-centre roster)."""
    with live_server.app.app_context():
        load_demo()
        db.session.commit()
    return live_server


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """Open a page in a fresh browser context with the given viewport (PHONE or DESKTOP)."""
    contexts = []

    def open_page(viewport=DESKTOP, **options):
        context = browser.new_context(viewport=viewport, device_scale_factor=1,
                                      is_mobile=viewport["width"] < 600, has_touch=viewport["width"] < 600, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.wait_for_load_state()  # stylesheets and scripts in: the picture is the finished page, not one mid-load
    page.screenshot(path=str(path), full_page=True)
    # A full-page capture makes Chromium lay the page out beyond the viewport and push its settings again, which
    # can drop a phone context's emulation; setting the same viewport again re-applies it, so the next click lands
    # where the element is (once, in CI, a click after a phone screenshot kept hitting the header above the link).
    page.set_viewport_size(page.viewport_size)
    return path


def log_in_page(page, server: LiveServer, email: str, password: str) -> None:
    """Log in through the console's login form and wait for the dashboard."""
    page.goto(server.url + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/")
