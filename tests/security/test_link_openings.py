"""Link "opened" counts only people: mail scanners, link previews and browser prefetches do not open a link."""
from __future__ import annotations

import pytest

from tests.respond.conftest import invitation_of, link, tokens  # noqa: F401 (fixtures)

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
           "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0"}


@pytest.mark.parametrize("method, headers", [
    ("HEAD", BROWSER),
    ("GET", {**BROWSER, "Purpose": "prefetch"}),
    ("GET", {**BROWSER, "Sec-Purpose": "prefetch;prerender"}),
    ("GET", {**BROWSER, "X-Moz": "prefetch"}),
    ("GET", {**BROWSER, "X-Purpose": "preview"}),
    ("GET", {**BROWSER, "Sec-Fetch-Mode": "no-cors"}),
    ("GET", {"Accept": "*/*", "User-Agent": "Mozilla/5.0 (compatible; link scanner)"}),
    ("GET", {}),
], ids=["head", "purpose-prefetch", "sec-purpose", "x-moz", "x-purpose-preview", "no-cors", "scanner", "bare"])
def test_what_is_not_a_person_opening_the_link_is_not_counted(app, client, tokens, link, method, headers):
    assert client.open(link, method=method, headers=headers).status_code == 200
    assert invitation_of(app, tokens[0]).opened_at is None


@pytest.mark.parametrize("headers", [
    {**BROWSER, "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"},
    BROWSER,  # an older browser without Sec-Fetch headers
], ids=["modern-browser", "older-browser"])
def test_a_person_opening_the_link_is_counted(app, client, tokens, link, headers):
    assert client.get(link, headers=headers).status_code == 200
    assert invitation_of(app, tokens[0]).opened_at is not None
