"""One language per page, over every page of the data set with one of every object: a Chinese page shows no English
sentence and an English page no Chinese words of its own (what it shows in Chinese comes from the data, or is the
centres' own text marked with its language, such as a mail's preview)."""
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
#: the language switch names the other language in that language, on every page
OTHER_LANGUAGE_NAMES = {"中文", "English"}
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _ShownText(HTMLParser):
    """The page's language (``<html lang>``) and what it shows in that language: text nodes and shown attributes,
    without scripts, styles and elements marked with another language (``lang="zh-CN"`` on an English page)."""

    def __init__(self):
        super().__init__()
        self.language = ""
        self.parts: list[str] = []
        self._open: list[tuple[str, bool]] = []  # (tag, hidden) of the elements we are in

    def _hidden(self) -> bool:
        return any(hidden for _, hidden in self._open)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.language = attributes.get("lang") or ""
            return
        hidden = tag in ("script", "style") or (attributes.get("lang") or self.language) != self.language
        if not (hidden or self._hidden()):
            self.parts += [value for name, value in attrs if name in SHOWN_ATTRIBUTES and value]
        if tag not in VOID_ELEMENTS:
            self._open.append((tag, hidden))

    def handle_endtag(self, tag):
        if any(name == tag for name, _ in self._open):  # closes whatever was left open inside it
            while self._open.pop()[0] != tag:
                pass

    def handle_data(self, data):
        if not self._hidden():
            self.parts.append(data)


def read_page(page: str) -> tuple[str, str]:
    """(the page's language, what it shows in that language), the data set's payloads taken out."""
    for payload in PAYLOADS:
        page = page.replace(html.escape(payload), "").replace(payload, "")
    reader = _ShownText()
    reader.feed(page)
    return reader.language, "\n".join(reader.parts)


def english_sentences(page: str) -> list[str]:
    """English sentences a Chinese page shows in its own language (none when the page is not Chinese)."""
    language, text = read_page(page)
    return ENGLISH_RUN.findall(text) if language.startswith("zh") else []


def _pages(app, objects, language: str):
    """(url, language, shown text) of every HTML page that answers 200 when asked for in ``language``.

    Each language has its own sessions: a message flashed on a page asked for in one language is shown on the next
    page, which would otherwise be in the other."""
    client, _ = signed_in(app)
    centre = app.test_client()
    for url in every_url(app, objects):
        if url.startswith("/api/") or url.endswith("lang=en"):
            continue
        response = (centre if url.startswith("/s/") else client).get(
            url + ("&" if "?" in url else "?") + f"lang={language}")
        if response.status_code == 200 and response.mimetype == "text/html":
            yield url, *read_page(response.get_data(as_text=True))


def test_no_chinese_page_shows_an_english_sentence(hostile):
    app, objects = hostile
    found, pages = [], 0
    for url, language, text in _pages(app, objects, "zh"):
        if language.startswith("zh"):
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
    for url, language, text in _pages(app, objects, "en"):
        if language == "en":  # not the preview frame: it shows the form in the language chosen beside it
            pages += 1
            found += [f"{url}: {run!r}" for run in CJK_RUN.findall(text)
                      if run not in OTHER_LANGUAGE_NAMES and not any(run in value for value in data)]
    assert pages > 40
    assert found == []
