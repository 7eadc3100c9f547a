"""One language per page, over every page of the data set with one of every object: a Chinese page shows no English
sentence and an English page no Chinese words of its own (what it shows in Chinese comes from the data)."""
from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

from sqlalchemy import select

from survey_service.extensions import db
from tests.security.conftest import PAYLOADS, signed_in
from tests.security.test_pages import every_url

#: three or more words of Latin letters with spaces between: a sentence or a phrase, not a key (remote-edu-ops), a
#: code, an acronym or a list of them (linear, points, top; yaml, yml)
ENGLISH_RUN = re.compile(r"[A-Za-z][a-z']+(?: +[A-Za-z][a-z']+){2,}")
CJK_RUN = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
#: the attributes a reader or a screen reader is shown
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
#: words that are meant to stay in the other language on every page: the language switch's own name
OTHER_LANGUAGE_NAMES = {"中文", "English"}
#: English pages whose Chinese is the centres' own text: the preview frame shows the form in the language chosen
#: beside it (``?in=``), and the mail templates and a centre's invitation are written to Chinese centres
CENTRES_TEXT = re.compile(r"/preview/form|/mail/templates/|/centres/\d+\?")


class _ShownText(HTMLParser):
    """The text nodes and shown attributes of a page, without scripts and styles."""

    def __init__(self):
        super().__init__()
        self.hidden_depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden_depth += 1
        self.parts += [value for name, value in attrs if name in SHOWN_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden_depth -= 1

    def handle_data(self, data):
        if not self.hidden_depth:
            self.parts.append(data)


def shown_text(page: str) -> str:
    """What a reader is shown of a page: its text and shown attributes, the data set's payloads taken out."""
    for payload in PAYLOADS:
        page = page.replace(html.escape(payload), "").replace(payload, "")
    reader = _ShownText()
    reader.feed(page)
    return "\n".join(reader.parts)


def english_sentences(page: str) -> list[str]:
    return ENGLISH_RUN.findall(shown_text(page))


def _pages(app, objects, english: bool):
    """(url, shown text) of every HTML page that answers 200, in one language, with the data's payloads taken out."""
    client, _ = signed_in(app)
    centre = app.test_client()
    for url in every_url(app, objects):
        if url.startswith("/api/") or url.endswith("lang=en") != english:
            continue
        response = (centre if url.startswith("/s/") else client).get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        yield url, shown_text(response.get_data(as_text=True))


def test_no_chinese_page_shows_an_english_sentence(hostile):
    app, objects = hostile
    found, pages = [], 0
    for url, text in _pages(app, objects, english=False):
        pages += 1
        found += [f"{url}: {run!r}" for run in ENGLISH_RUN.findall(text)]
    assert pages > 40
    assert found == []


def test_no_english_page_shows_chinese_of_its_own(hostile):
    app, objects = hostile
    with app.app_context():  # the data's own Chinese: names, titles, reasons, answers, stored documents
        data = set()
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                for value in row:
                    text = json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value
                    if isinstance(text, str):
                        data.update(CJK_RUN.findall(text))
    found, pages = [], 0
    for url, text in _pages(app, objects, english=True):
        if CENTRES_TEXT.search(url):
            continue
        pages += 1
        found += [f"{url}: {run!r}" for run in CJK_RUN.findall(text)
                  if run not in OTHER_LANGUAGE_NAMES and not any(run in value for value in data)]
    assert pages > 40
    assert found == []
