"""Hostile YAML documents (questionnaires and scorecards): alias bombs, deep nesting, huge values.

One reader serves both (analysis/documents.py): it refuses anchors and aliases, caps size and depth, and every
message about a document is short. A stored scorecard is kept parsed, so no view reads its YAML again.
"""
from __future__ import annotations

import io
import json
import time
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from analysis.documents import MAX_DEPTH, MAX_DOCUMENT_BYTES, MESSAGE_LIMIT, DocumentError, read_document
from analysis.questionnaire import DefinitionError, load_questionnaire
from survey_service import PROJECT_ROOT
from survey_service.extensions import db
from survey_service.scorecard.models import StoredScorecard
from tests.conftest import DATA, QUESTIONNAIRE, csrf_token, make_app


def alias_bomb(levels: int = 6) -> str:
    """The "billion laughs": each level names the one below ten times; six levels stand for a million strings."""
    lines = ['a0: &a0 ["lol"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, levels + 1)]
    return "\n".join(lines) + f"\nkey: *a{levels}\n"


def upload(client, url: str, content: bytes, filename: str):
    return client.post(url, data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("url, filename", [("/questionnaires", "bomb.yaml"), ("/scorecards/", "bomb.yaml")])
def test_a_six_level_alias_bomb_is_a_short_422_in_under_a_second(app, client, login, url, filename):
    login("evaluator")
    started = time.monotonic()
    response = upload(client, url, alias_bomb(6).encode(), filename)
    elapsed = time.monotonic() - started
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and elapsed < 1
    assert "anchors and aliases (&amp;name, *name) are not accepted" in page
    assert len(page) < 20_000
    with app.app_context():
        assert db.session.scalar(select(sa.func.count()).select_from(StoredScorecard)) == 0


@pytest.mark.parametrize("document", [
    "title: &t 问卷\nkey: *t\n",  # one alias, harmless in size, refused all the same
    "base: &b {weight: 8}\nindicator:\n  <<: *b\n",  # merge keys need anchors
    "a: &self [*self]\n",  # a circular alias
])
def test_any_anchor_or_alias_is_refused_with_its_line(document):
    with pytest.raises(DocumentError, match=r"^q\.yaml: line \d+, column \d+: invalid YAML: anchors and aliases"):
        read_document(document, "q.yaml")


def test_nesting_deeper_than_the_cap_is_refused_in_yaml_and_json():
    deep = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    with pytest.raises(DocumentError, match="nested more than 40 levels deep"):
        read_document(deep, "q.yaml")
    with pytest.raises(DocumentError, match="nested more than 40 levels deep"):
        read_document(deep, "q.json")
    very_deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(DocumentError):
        read_document(very_deep[:MAX_DOCUMENT_BYTES], "q.json")
    assert read_document("[" * MAX_DEPTH + "]" * MAX_DEPTH, "q.yaml") is not None


def test_a_document_over_the_size_cap_is_refused_before_it_is_read():
    with pytest.raises(DocumentError, match=r"^q\.yaml: 524,289 bytes, more than the 512 KB accepted$"):
        read_document(b"#" * (MAX_DOCUMENT_BYTES + 1), "q.yaml")


def test_messages_quote_at_most_a_few_hundred_characters():
    huge = "title: " + "长" * 100_000 + "\nkey: 1\n"
    with pytest.raises(DefinitionError) as refused:
        load_questionnaire(huge.encode(), "q.yaml")
    assert refused.value.problems and all(len(problem) <= MESSAGE_LIMIT + 1 for problem in refused.value.problems)


def test_the_shared_questionnaire_and_scorecard_still_read():
    assert load_questionnaire(QUESTIONNAIRE.read_bytes(), QUESTIONNAIRE.name).key
    assert read_document((DATA / "scorecard-example.yaml").read_bytes(), "scorecard-example.yaml")["indicators"]


def test_a_stored_scorecard_is_kept_parsed_and_never_read_again(app, client, login, monkeypatch):
    login("evaluator")
    response = upload(client, "/scorecards/", (DATA / "scorecard-example.yaml").read_bytes(), "scorecard.yaml")
    assert response.status_code == 302
    page_url = response.headers["Location"]

    def never(*args, **kwargs):
        raise AssertionError("the stored YAML was read again")

    import analysis.scorecard

    monkeypatch.setattr(analysis.scorecard, "read_document", never)
    assert client.get(page_url).status_code == 200
    with app.app_context():
        stored = db.session.scalar(select(StoredScorecard))
        assert stored.definition["indicators"][0]["code"] == "A"


def test_the_migration_reads_stored_scorecards_once_and_keeps_a_refused_one_empty(database_url):
    migrations = str(PROJECT_ROOT / "migrations")
    app = make_app(database_url)
    with app.app_context():
        db.drop_all()
        upgrade(directory=migrations, revision="0006")
        scorecards = sa.table("scorecards", sa.column("title"), sa.column("filename"), sa.column("source"),
                              sa.column("created_at", sa.DateTime(timezone=True)))
        with db.engine.begin() as connection:
            connection.execute(scorecards.insert(), [
                {"title": "fine", "filename": "fine.yaml", "created_at": datetime.now(timezone.utc),
                 "source": (DATA / "scorecard-example.yaml").read_text("utf-8")},
                {"title": "bomb", "filename": "bomb.yaml", "created_at": datetime.now(timezone.utc),
                 "source": alias_bomb(6)}])
        upgrade(directory=migrations)
        with db.engine.connect() as connection:
            rows = dict(connection.execute(sa.text("SELECT title, definition FROM scorecards")).all())
        fine, bomb = (value if isinstance(value, dict) else json.loads(value)
                      for value in (rows["fine"], rows["bomb"]))
        assert fine["indicators"][0]["code"] == "A" and bomb == {}
        downgrade(directory=migrations, revision="0006")
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM scorecards")).scalar() == 2
        downgrade(directory=migrations, revision="base")
        db.session.remove()
        db.engine.dispose()
