"""Every page of the app over the hostile data set: no markup from the data, no server error, the security headers
on every response, and nothing private left in a cache."""
from __future__ import annotations

import json
import re

import pytest

from survey_service.security import CONTENT_SECURITY_POLICY, FRAMED_BY_CONSOLE
from tests.console.test_access_matrix import ANY_ARGUMENT
from tests.security.conftest import MARKUP, signed_in

HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Content-Type-Options": "nosniff",
           "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cross-Origin-Opener-Policy": "same-origin",
           "Strict-Transport-Security": "max-age=31536000"}
FRAMED = {"Content-Security-Policy": FRAMED_BY_CONSOLE, "X-Frame-Options": "SAMEORIGIN"}


def every_url(app, objects: dict) -> list[str]:
    """Each GET route with the data set's objects, every option of an ``any(...)`` argument, in both languages."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        options = {name: choices.split(", ") for choices, name in ANY_ARGUMENT.findall(rule.rule)}
        values = {name: objects[name] for name in rule.arguments - options.keys()}
        combinations = [values]
        for name, choices in options.items():
            combinations = [{**combination, name: choice} for combination in combinations for choice in choices]
        for combination in combinations:
            url = rule.build(combination)[1]
            urls += [url, url + ("&" if "?" in url else "?") + "lang=en"]
    return sorted(set(urls))


def test_no_page_renders_markup_from_the_data(hostile):
    app, objects = hostile
    client, _ = signed_in(app)
    centre = app.test_client()
    pages, failures = 0, []
    for url in every_url(app, objects):
        if url.startswith("/api/"):
            continue
        response = (centre if url.startswith("/s/") else client).get(url)
        if response.status_code >= 500:
            failures.append(f"{url}: {response.status_code}")
        if response.mimetype == "text/html":
            pages += 1
            found = MARKUP.findall(response.get_data(as_text=True))
            if found:
                failures.append(f"{url}: {found}")
    assert failures == []
    assert pages > 60


def test_the_submitted_questionnaire_and_its_receipt_are_escaped(hostile):
    app, objects = hostile
    page = app.test_client().get(f"/s/{objects['submitted_token']}", follow_redirects=True)
    assert page.status_code == 200 and not MARKUP.search(page.get_data(as_text=True))


def test_every_response_carries_the_security_headers(hostile):
    app, objects = hostile
    client, _ = signed_in(app)
    missing = []
    for url in every_url(app, objects) + ["/login", "/no-such-page", "/api/v1/no-such-thing"]:
        response = client.get(url)
        # the preview of a centre's form is framed by the console's own preview page, and by nothing else
        framed = FRAMED if url.split("?")[0].endswith("/preview/form") else {}
        for name, value in {**HEADERS, **framed}.items():
            if response.headers.get(name) != value:
                missing.append(f"{url}: {name} is {response.headers.get(name)!r}")
        if "Permissions-Policy" not in response.headers:
            missing.append(f"{url}: no Permissions-Policy")
    assert missing == []


def test_the_policy_allows_no_inline_script_or_style():
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_signed_in_pages_and_personal_links_are_not_cached(hostile):
    app, objects = hostile
    client, _ = signed_in(app)
    for url in ("/", f"/surveys/{objects['key']}", f"/surveys/{objects['key']}/results/",
                f"/admin/users/{objects['user_id']}", f"/surveys/{objects['key']}/invitations"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    assert app.test_client().get(f"/s/{objects['token']}").headers["Cache-Control"] == "no-store"
    # shared assets stay cacheable, and the login page is no one's
    assert "no-store" not in client.get("/assets/plotly.css").headers["Cache-Control"]
    assert "no-store" not in client.get("/assets/plotly.min.js").headers["Cache-Control"]
    assert "Cache-Control" not in app.test_client().get("/login").headers


@pytest.mark.parametrize("path", ["/no-such-page", "/api/v1/no-such-thing"])
def test_error_pages_show_no_trace_or_version(hostile, path):
    app, _ = hostile
    response = app.test_client().get(path)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    for banner in ("Traceback", "Werkzeug", "Python/", "Flask", "SQLAlchemy", "File \""):
        assert banner not in body
    assert "Server" not in response.headers  # the app's own response; the server in front sets its own


def test_a_wrong_method_is_a_plain_405(hostile):
    app, _ = hostile
    page = app.test_client().delete("/login")
    assert page.status_code == 405 and page.mimetype == "text/html" and "Traceback" not in page.get_data(as_text=True)
    api = app.test_client().post("/api/v1/surveys")
    assert api.status_code == 405 and api.get_json() == {"error": "Method Not Allowed", "status": 405}


def test_chart_labels_from_the_data_reach_plotly_as_text(hostile):
    """plotly.js reads <br>, <b>, <a href> … in labels: a district or dimension name must arrive escaped."""
    app, objects = hostile
    client, _ = signed_in(app)
    specs = []
    for path in (f"/surveys/{objects['key']}", f"/surveys/{objects['key']}/results/districts",
                 f"/surveys/{objects['key']}/results/dimensions", f"/surveys/{objects['key']}/results/items"):
        page = client.get(path).get_data(as_text=True)
        specs += [json.loads(spec) for spec in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page)]
    labels = json.dumps([trace.get(axis) for spec in specs for trace in spec["data"] for axis in ("x", "y", "name")],
                        ensure_ascii=False)
    assert len(specs) == 4
    assert "&lt;script&gt;" in labels and "&lt;img src=x onerror" in labels
    assert "<script>" not in labels and "<img" not in labels
