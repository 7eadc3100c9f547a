"""The satisfaction API from the database: cold (computed) and warm (unchanged, 304) at 100,000 responses.

    .venv/bin/python bench/bench_api.py [--responses 100000] [--database postgresql|sqlite]

Builds a synthetic survey in a fresh database (PostgreSQL on 127.0.0.1:5432 by default, dropped afterwards),
then times, in the same run:
- cold: GET /api/v1/surveys/<key>/satisfaction with an empty document cache (queries + analysis + JSON);
- warm: the same GET with If-None-Match (nothing changed: 304), and without it (200 from the cache);
- baselines: pandas.read_sql of the same answer rows (the bare data load), and GET /healthz (a bare round trip).
Medians of several runs; ratios against the baselines are printed and recorded in docs/benchmarks.md by hand.
"""
from __future__ import annotations

import argparse
import secrets
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import median_time, scratch_database  # noqa: E402
from survey_service import create_app  # noqa: E402
from survey_service.auth.operations import create_api_token, create_user  # noqa: E402
from survey_service.extensions import db  # noqa: E402
from survey_service.questionnaires.operations import import_questionnaire  # noqa: E402
from survey_service.responses.models import Answer, Response  # noqa: E402
from survey_service.roster.models import Roster, RosterUnit  # noqa: E402
from survey_service.surveys.models import Invitation, Survey, SurveyState  # noqa: E402
from survey_service.timestamps import utcnow  # noqa: E402

QUESTIONNAIRE = Path(__file__).resolve().parents[1] / "survey_service" / "demo_data" / "questionnaire-2017.yaml"
DISTRICTS = [f"区{n:02d}" for n in range(16)]


def build(app, responses: int, seed: int = 20180618) -> str:
    """A survey of ``responses`` units, every one submitted and valid; returns an API token."""
    rng = np.random.default_rng(seed)
    with app.app_context():
        db.create_all()
        version, _ = import_questionnaire(QUESTIONNAIRE.read_bytes(), QUESTIONNAIRE.name)
        roster = Roster(name="bench")
        db.session.add(roster)
        db.session.flush()
        db.session.execute(RosterUnit.__table__.insert(), [
            {"roster_id": roster.id, "code": f"u{n:07d}", "name": f"单位{n}", "district": DISTRICTS[n % 16],
             "attributes": {}} for n in range(responses)])
        survey = Survey(key="bench", title="bench", questionnaire_version=version, roster=roster,
                        state=SurveyState.open)
        db.session.add(survey)
        db.session.flush()
        unit_ids = [row[0] for row in db.session.execute(
            db.select(RosterUnit.id).where(RosterUnit.roster_id == roster.id).order_by(RosterUnit.id))]
        now = utcnow()
        db.session.execute(Invitation.__table__.insert(), [
            {"survey_id": survey.id, "unit_id": unit_id, "token": secrets.token_urlsafe(32), "created_at": now,
             "submitted_at": now} for unit_id in unit_ids])
        invitation_ids = [row[0] for row in db.session.execute(
            db.select(Invitation.id).where(Invitation.survey_id == survey.id).order_by(Invitation.id))]
        db.session.execute(Response.__table__.insert(), [
            {"invitation_id": invitation_id, "survey_id": survey.id, "state": "submitted", "validity": "valid",
             "created_at": now, "updated_at": now, "submitted_at": now, "mode": "import", "flags": [],
             "answered_share": 1.0} for invitation_id in invitation_ids])
        response_ids = np.array([row[0] for row in db.session.execute(
            db.select(Response.id).where(Response.survey_id == survey.id).order_by(Response.id))])
        questions = [q.id for q in version.questions if q.kind == "likert"]
        levels = rng.normal(4.0, 0.5, size=(responses, 1)) + rng.normal(0, 0.6, size=(responses, len(questions)))
        values = np.clip(np.rint(levels), 1, 5).astype(int)
        db.session.commit()
        rows = [{"response_id": int(response_ids[r]), "question_id": questions[q], "value": int(values[r, q])}
                for r in range(responses) for q in range(len(questions))]
        for start in range(0, len(rows), 100_000):
            db.session.execute(Answer.__table__.insert(), rows[start:start + 100_000])
        _, secret = create_api_token(create_user("bench@example.org", "viewer", secrets.token_urlsafe(16)), "bench")
        db.session.commit()
        # planner statistics, as autovacuum (or SQLite's optimize) would have them for a table loaded over weeks
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    return secret


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    with scratch_database(args.database) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
        started = time.perf_counter()
        secret = build(app, args.responses)
        print(f"built {args.responses:,} responses × 12 items in {time.perf_counter() - started:.0f} s "
              f"({args.database})", file=sys.stderr)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {secret}"}
        url_path = "/api/v1/surveys/bench/satisfaction"

        def cold():
            app.extensions.pop("document_cache", None)
            response = client.get(url_path, headers=headers)
            assert response.status_code == 200, response.status_code

        cold_time = median_time(cold, 3)
        etag = client.get(url_path, headers=headers).headers["ETag"]
        warm_304 = median_time(lambda: client.get(url_path, headers={**headers, "If-None-Match": f'"{etag}"'}), 20)
        warm_200 = median_time(lambda: client.get(url_path, headers=headers), 10)
        health = median_time(lambda: client.get("/healthz"), 20)

        import pandas as pd

        with app.app_context():
            engine = db.engine
            query = ("SELECT a.response_id, a.question_id, a.value FROM answers a JOIN responses r "
                     "ON r.id = a.response_id WHERE r.validity = 'valid'")
            load = median_time(lambda: pd.read_sql(query, engine), 3)
        print(f"| {args.database} | {args.responses:,} | cold {cold_time:.2f} s | pandas.read_sql {load:.2f} s "
              f"({cold_time / load:.2f}×) | warm 304 {warm_304 * 1000:.1f} ms | warm 200 {warm_200 * 1000:.1f} ms | "
              f"/healthz {health * 1000:.1f} ms ({warm_304 / health:.1f}×) |")


if __name__ == "__main__":
    main()
