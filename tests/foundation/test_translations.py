"""Chinese first: every catalogue translates every message, and the pages come out in Chinese by default."""
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from survey_service import PROJECT_ROOT

CATALOGUES = sorted((PROJECT_ROOT / "translations").glob("*/zh/LC_MESSAGES/messages.po"))


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-4])
def test_catalogue_is_complete(path: Path):
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale="zh")
    untranslated = [m.id for m in catalogue if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_login_page_is_chinese_by_default_and_english_on_request(client):
    assert "登录" in client.get("/login").get_data(as_text=True)
    english = client.get("/login?lang=en").get_data(as_text=True)
    assert "Log in" in english and "登录" not in english.replace('lang="zh-CN">中文', "")
    assert "Log in" in client.get("/login").get_data(as_text=True)  # the choice is kept


def test_catalogues_agree_on_every_shared_message():
    """Flask-Babel merges the catalogues into one, so a message translated two ways would change other pages."""
    translations: dict[str, set[str]] = {}
    for path in CATALOGUES:
        with path.open("rb") as handle:
            for message in read_po(handle, locale="zh"):
                if message.id:
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    text = message.string if isinstance(message.string, str) else message.string[0]
                    translations.setdefault(key, set()).add(text)
    assert {key: texts for key, texts in translations.items() if len(texts) > 1} == {}
