"""The CSP (no inline script, no inline style) in Chromium: every chart page draws with no violation."""
import pytest

from survey_service.assets import PLOTLY_JS, plotly_stylesheets
from tests.browser.conftest import DESKTOP, PHONE, log_in_page
from tests.conftest import create_account

pytestmark = pytest.mark.browser
KEYS = ("remote-edu-ops-2017", "remote-edu-ops-2016")
RESULT_PAGES = ["", "dimensions", "items", "districts", "reliability", "comments", "comparison", "report"]
#: recorded before any script of the page runs, so a violation during loading is caught too
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.cspViolations.push(event.violatedDirective + " " + event.blockedURI + " " + event.sourceFile + ":" + event.lineNumber + ":" + event.columnNumber);
});
"""


def watched_page(new_page, viewport):
    page = new_page(viewport)
    page.add_init_script(RECORD_VIOLATIONS)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type in ("error", "warning") and "favicon" not in message.location.get("url", "") else None)
    return page, errors


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_chart_pages_draw_without_a_csp_violation(demo_server, new_page, viewport):
    page, errors = watched_page(new_page, viewport)
    email, password = create_account(demo_server.app, "evaluator", "csp@example.org")
    log_in_page(page, demo_server, email, password)
    violations = {}
    for key in KEYS:
        pages = [f"/surveys/{key}"] + [f"/surveys/{key}/results/{name}" for name in RESULT_PAGES]
        for path in pages:
            response = page.goto(demo_server.url + path)
            assert "'unsafe-inline'" not in response.headers["content-security-policy"]
            page.wait_for_load_state("load")
            if page.locator(".chart-area, #district-chart").count():
                charts = page.locator(".main-svg")
                charts.first.wait_for()
                page.mouse.move(DESKTOP["width"] // 3, 300)  # hover labels and the mode bar
                page.locator(".js-plotly-plot").first.hover()
                # plotly's own stylesheet applies: its layers are stacked, not laid out one under another
                assert charts.first.evaluate("svg => getComputedStyle(svg).position") == "absolute"
            found = page.evaluate("window.cspViolations")
            if found:
                violations[path] = found
    assert violations == {}
    assert errors == []


def test_the_served_stylesheet_is_the_one_plotly_would_inject(browser, demo_server):
    """No CSP here, so plotly.js injects its <style>; the browser reads both sheets and they must agree."""
    page = browser.new_page()
    try:
        page.set_content("<!doctype html><html><head></head><body><div id='plot'></div></body></html>")
        page.add_script_tag(content=PLOTLY_JS.read_text("utf-8"))
        injected = page.evaluate("""() => Array.from(document.getElementById("plotly.js-style-global").sheet.cssRules,
                                                  rule => rule.cssText)""")
        served = page.evaluate("""css => { const sheet = new CSSStyleSheet(); sheet.replaceSync(css);
                                           return Array.from(sheet.cssRules, rule => rule.cssText); }""",
                               plotly_stylesheets().base)
    finally:
        page.close()
    assert len(injected) > 40
    assert served == injected
