"""Hostile YAML documents (questionnaires and scorecards): alias bombs, deep nesting, huge values.

One reader serves both (analysis/documents.py): it refuses anchors and aliases, caps size and depth, and every
message about a document is short. A stored scorecard is kept parsed, so no view reads its YAML again.
"""
from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from survey_service import PROJECT_ROOT
from survey_service.database import bind_migrations
from survey_service.extensions import db
from survey_service.scorecard.models import StoredScorecard
from tests.conftest import DATA, csrf_token, make_app


def alias_bomb(levels: int = 6) -> str:
    """The "billion laughs": each level names the one below ten times; six levels stand for a million strings."""
    lines = ['a0: &a0 ["lol"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, levels + 1)]
    return "\n".join(lines) + f"\nkey: *a{levels}\n"


def upload(client, url: str, content: bytes, filename: str):
    return client.post(url, data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("url, filename", [("/questionnaires", "bomb.yaml"), ("/scorecards/", "bomb.yaml")])
def test_a_six_level_alias_bomb_is_a_short_422(app, client, login, url, filename):
    login("evaluator")
    response = upload(client, url, alias_bomb(6).encode(), filename)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "不接受锚点和别名（&amp;name、*name）" in page
    assert len(page) < 20_000
    with app.app_context():
        assert db.session.scalar(select(sa.func.count()).select_from(StoredScorecard)) == 0


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
    bind_migrations(app)
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
