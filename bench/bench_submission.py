"""Submission throughput and latency of the full path against a bare Flask route, same gunicorn set-up, same run.

    .venv/bin/python bench/bench_submission.py [--database postgresql|sqlite] [--surveys 6] [--workers 4]

The full path is the centre's 提交: POST /s/<token> with the complete answers — token look-up, CSRF check, form
validation, the answers inserted, validity rules, the conditional update that submits, the commit, the redirect.
The ceiling is bench/bare_app.py: a Flask route that reads the same form and redirects. For context, GET /healthz
of the service (its cheapest request that reaches the database: one SELECT 1 and a commit) is timed too. Both run under gunicorn
with gunicorn.conf.py and the same workers, one after the other in rounds, driven by the same client (keep-alive
connections, ``--concurrency`` threads) on loopback. Each form is fetched before the timing (the CSRF token and
session cookie a browser would have), so only the submissions are timed. ``--surveys`` surveys of the 221-centre
roster give 221 × surveys submissions per database; each round uses a fresh set.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_submissions import (CSRF, ITEMS, ROOT, SHARED_SERVER, SURVEY, Device, Tally,  # noqa: E402
                              create_database, drop_database, prepare, service_environment, start_gunicorn)


def extra_surveys(env: dict[str, str], count: int) -> list[list[str]]:
    """``count`` more open surveys of the roster prepared by load_submissions.prepare; their tokens."""
    token_sets = []
    for n in range(count):
        key = f"bench-{n}"
        run = [sys.executable, "-m", "survey_service"]
        subprocess.run([*run, "survey", "create", "--key", key, "--questionnaire", SURVEY, "--roster",
                        "上海市街镇", "--opens", "2020-01-01T09:00", "--closes", "2099-12-31T18:00"],
                       env=env, cwd=ROOT, check=True, capture_output=True)
        subprocess.run([*run, "survey", "open", key], env=env, cwd=ROOT, check=True, capture_output=True)
        out = subprocess.run([*run, "invitations", "export", "--survey", key], env=env, cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout
        token_sets.append([row["link"].rsplit("/s/", 1)[1] for row in csv.DictReader(io.StringIO(out))])
    return token_sets


def opened_forms(port: int, tokens: list[str], concurrency: int) -> list[tuple[Device, str, str]]:
    """Every form opened once, as the centres' browsers would have: (device, token, CSRF token)."""
    def open_form(token: str):
        device = Device(port, Tally())
        _, _, page = device.request("GET", f"/s/{token}")
        return device, token, CSRF.search(page).group(1)

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(open_form, tokens))


def submit_all(port: int, forms: list[tuple[Device, str, str]], concurrency: int) -> dict:
    answers = {**{f"item-{key}": str(1 + n % 5) for n, key in enumerate(ITEMS)}, "open-suggestions": "希望增加回放。"}
    tally = Tally()

    def submit(form):
        device, token, csrf = form
        device.port, device.tally = port, tally
        if token is None:  # the service's cheapest page that reaches the database: GET /healthz
            status, _, _ = device.request("GET", "/healthz")
            return 302 if status == 200 else status
        status, _, _ = device.request("POST", f"/s/{token}", {"csrf_token": csrf, **answers, "action": "submit"})
        return status

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        statuses = list(pool.map(submit, forms))
    elapsed = time.perf_counter() - started
    latencies = sorted(tally.latencies)
    return {"requests": len(forms), "ok": statuses.count(302), "per_second": len(forms) / elapsed,
            "p50_ms": 1000 * statistics.median(latencies), "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--surveys", type=int, default=6, help="rounds; each submits 221 fresh centres")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=8)
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="survey-bench-"))
    database_name = None
    servers = []
    try:
        if options.database == "sqlite":
            database_url = f"sqlite:///{workdir / 'bench.db'}"
        else:
            database_url, database_name = create_database(SHARED_SERVER)
        env = service_environment(database_url, None)
        token_sets = [prepare(env)] + extra_surveys(env, options.surveys - 1)
        service, service_port = start_gunicorn(env, options.workers, workdir / "service.log")
        bare_env = {**env, "PYTHONPATH": f"{ROOT / 'bench'}:{env['PYTHONPATH']}"}
        bare, bare_port = start_gunicorn(bare_env, options.workers, workdir / "bare.log", app="bare_app:app")
        servers = [service, bare]
        rounds = []
        for tokens in token_sets:
            forms = opened_forms(service_port, tokens, options.concurrency)
            ceiling = submit_all(bare_port, [(Device(bare_port, Tally()), token, csrf) for _, token, csrf in forms],
                                 options.concurrency)
            full = submit_all(service_port, forms, options.concurrency)
            health = submit_all(service_port, [(Device(service_port, Tally()), None, None) for _ in forms],
                                options.concurrency)
            rounds.append({"bare": ceiling, "submission": full, "healthz": health})
            print(json.dumps({k: {m: round(v, 1) for m, v in r.items()} for k, r in rounds[-1].items()}),
                  file=sys.stderr)
        median = {kind: {metric: statistics.median(r[kind][metric] for r in rounds)
                         for metric in ("per_second", "p50_ms", "p95_ms")} for kind in ("bare", "submission", "healthz")}
        failed = sum(r["submission"]["requests"] - r["submission"]["ok"] for r in rounds)
        print(json.dumps({"database": options.database, "workers": options.workers,
                          "concurrency": options.concurrency, "rounds": len(rounds),
                          "submissions": sum(r["submission"]["requests"] for r in rounds), "not_302": failed,
                          "median": {k: {m: round(v, 1) for m, v in d.items()} for k, d in median.items()},
                          "ratio_throughput": round(median["submission"]["per_second"]
                                                    / median["bare"]["per_second"], 3),
                          "ratio_to_healthz": round(median["submission"]["per_second"]
                                                    / median["healthz"]["per_second"], 3)}, indent=1))
    finally:
        for server in servers:
            server.terminate()
            server.wait(60)
        if database_name:
            drop_database(SHARED_SERVER, database_name)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
