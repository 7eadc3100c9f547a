"""Console pages at 40,000 invitations, and the responses CSV of 100,000 responses streamed with flat memory.

    .venv/bin/python bench/bench_pages.py [--database sqlite|postgresql] [--invitations 40000] [--responses 100000]

Builds, in a fresh database (a temporary SQLite file by default; PostgreSQL on 127.0.0.1:5432 with
``--database postgresql``, dropped afterwards, its tables analysed after loading as autovacuum would):
- a survey of ``--invitations`` centres in 16 districts, some e-mailed, opened, started and submitted;
- two surveys of 10,000 and ``--responses`` submitted responses × 12 items and a comment each.
Then times, through the Flask test client as an evaluator, in the same run:
- the console pages of the large survey (overview, dashboard, non-respondents, responses), median of 15 requests;
- baselines: GET /healthz (a bare round trip) and the bare count of the survey's invitations (one query);
- the streamed responses CSV of each export survey: time (median of 3), the peak of Python allocations during the
  download (tracemalloc, a separate run) and the growth of the process's resident set while streaming.
Figures go to docs/benchmarks.md by hand ("Console pages and exports").
"""
from __future__ import annotations

import argparse
import secrets
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import func, select, text  # noqa: E402

from support import median_time, scratch_database  # noqa: E402
from survey_service import create_app  # noqa: E402
from survey_service.auth.operations import create_user  # noqa: E402
from survey_service.extensions import db  # noqa: E402
from survey_service.questionnaires.operations import import_questionnaire  # noqa: E402
from survey_service.responses.models import Answer, Response  # noqa: E402
from survey_service.roster.models import Roster, RosterUnit  # noqa: E402
from survey_service.surveys.models import Invitation, Survey, SurveyState  # noqa: E402
from survey_service.timestamps import utcnow  # noqa: E402

QUESTIONNAIRE = Path(__file__).resolve().parents[1] / "survey_service" / "demo_data" / "questionnaire-2017.yaml"
DISTRICTS = [f"区{n:02d}" for n in range(16)]
PASSWORD = secrets.token_urlsafe(16)
BATCH = 50_000


def insert(table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(table.insert(), rows[start:start + BATCH])


def build_survey(version, key: str, units: int, submitted_share: float, rng) -> None:
    """``units`` centres, each invited; a random share at each stage, the submitted ones with answers."""
    roster = Roster(name=key)
    db.session.add(roster)
    db.session.flush()
    insert(RosterUnit.__table__, [{"roster_id": roster.id, "code": f"{key}-{n:07d}", "name": f"单位{n}",
                                   "district": DISTRICTS[n % 16], "contact_email": f"u{n}@example.org",
                                   "attributes": {}} for n in range(units)])
    survey = Survey(key=key, title=key, questionnaire_version=version, roster=roster, state=SurveyState.open)
    db.session.add(survey)
    db.session.flush()
    unit_ids = db.session.scalars(select(RosterUnit.id).where(RosterUnit.roster_id == roster.id)
                                  .order_by(RosterUnit.id)).all()
    now = utcnow()
    stage = rng.random(units)
    insert(Invitation.__table__, [
        {"survey_id": survey.id, "unit_id": unit_id, "token": secrets.token_urlsafe(32), "created_at": now,
         "sent_at": now if s < 0.9 else None, "opened_at": now if s < submitted_share + 0.2 else None,
         "started_at": now if s < submitted_share + 0.1 else None}
        for unit_id, s in zip(unit_ids, stage)])
    # the invitations come back in the order they were inserted: each with its unit's stage
    invitation_ids = [invitation_id for invitation_id, s in zip(db.session.scalars(
        select(Invitation.id).where(Invitation.survey_id == survey.id).order_by(Invitation.id)).all(), stage)
        if s < submitted_share]
    insert(Response.__table__, [
        {"invitation_id": invitation_id, "survey_id": survey.id, "state": "submitted", "validity": "valid",
         "created_at": now, "updated_at": now, "submitted_at": now, "mode": "online",
         "flags": ["straight_lining"] if n % 50 == 0 else [], "answered_share": 1.0}
        for n, invitation_id in enumerate(invitation_ids)])
    response_ids = db.session.scalars(select(Response.id).where(Response.survey_id == survey.id)
                                      .order_by(Response.id)).all()
    likert = [q.id for q in version.questions if q.kind == "likert"]
    comment = next(q.id for q in version.questions if q.kind != "likert")
    values = np.clip(np.rint(rng.normal(4.0, 0.8, size=(len(response_ids), len(likert)))), 1, 5).astype(int)
    for start in range(0, len(response_ids), 10_000):
        rows = []
        for r in range(start, min(start + 10_000, len(response_ids))):
            rows += [{"response_id": response_ids[r], "question_id": q, "value": int(values[r, i]), "text": None}
                     for i, q in enumerate(likert)]
            rows.append({"response_id": response_ids[r], "question_id": comment, "value": None,
                         "text": f"意见{r}：课件更新可以更及时。"})
        insert(Answer.__table__, rows)
    db.session.commit()


def build(app, invitations: int, responses: int, seed: int = 20180618) -> None:
    rng = np.random.default_rng(seed)
    with app.app_context():
        db.create_all()
        version, _ = import_questionnaire(QUESTIONNAIRE.read_bytes(), QUESTIONNAIRE.name)
        build_survey(version, "pages", invitations, 0.3, rng)
        build_survey(version, "export-10k", 10_000, 1.0, rng)
        build_survey(version, f"export-{responses // 1000}k", responses, 1.0, rng)
        create_user("bench@example.org", "evaluator", PASSWORD)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # autovacuum would analyse the freshly loaded tables within a minute; the pages are timed after that
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("ANALYZE"))


def resident_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def download(client, path: str) -> int:
    """Stream the file as a browser would, keeping none of it; returns its size."""
    response = client.get(path, buffered=False)
    assert response.status_code == 200, response.status_code
    size = sum(len(chunk) for chunk in response.response)
    response.close()
    return size


def rss_growth(client, path: str) -> int:
    """How far the resident set rose above its level before the download, sampled every 5 ms (KiB)."""
    before = resident_kib()
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], resident_kib())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    download(client, path)
    done.set()
    sampler.join()
    return peak[0] - before


def traced_peak(client, path: str) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    download(client, path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--invitations", type=int, default=40_000)
    parser.add_argument("--responses", type=int, default=100_000)
    args = parser.parse_args()
    with scratch_database(args.database) as url:
        # the export is streamed in the request at every size here (above EXPORT_JOB_RESPONSES the service hands
        # it to a job, which writes it with the same streaming writer): the writer's speed and memory are measured
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                          "WTF_CSRF_ENABLED": False, "EXPORT_JOB_RESPONSES": 10 ** 9})
        started = time.perf_counter()
        build(app, args.invitations, args.responses)
        print(f"built {args.invitations:,} invitations and {10_000 + args.responses:,} responses × 13 answers in "
              f"{time.perf_counter() - started:.0f} s ({args.database})", file=sys.stderr)
        client = app.test_client()
        client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
        assert client.get("/").status_code == 200
        health = median_time(lambda: client.get("/healthz"), 30)
        with app.app_context():
            survey_id = db.session.scalar(select(Survey.id).filter_by(key="pages"))

            def count():
                db.session.scalar(select(func.count(Invitation.id)).where(Invitation.survey_id == survey_id))

            bare = median_time(count, 30)
        print(f"{args.database}: baselines — /healthz {health * 1000:.1f} ms, invitation count {bare * 1000:.1f} ms")
        for label, path in [("overview", "/surveys/pages"), ("dashboard", "/"),
                            ("non-respondents", "/surveys/pages/non-respondents"),
                            ("responses", "/surveys/pages/responses")]:
            assert client.get(path).status_code == 200, path  # warm-up
            page = median_time(lambda: client.get(path), 15)
            print(f"| {args.database} | {label} `{path}` | {args.invitations:,} | {page * 1000:.1f} ms | "
                  f"{page / health:.1f}× | {page / bare:.1f}× |")
        for key, responses in [("export-10k", 10_000), (f"export-{args.responses // 1000}k", args.responses)]:
            path = f"/surveys/{key}/results/responses.csv"
            size = download(client, path)
            seconds = median_time(lambda: download(client, path), 3)
            peak = traced_peak(client, path)
            growth = rss_growth(client, path)
            print(f"| {args.database} | {responses:,} | {size / 2 ** 20:.1f} MiB | {seconds:.2f} s | "
                  f"{responses / seconds:,.0f} rows/s | {peak / 2 ** 20:.1f} MiB | {growth / 1024:.1f} MiB |")


if __name__ == "__main__":
    main()
