"""Load and fault test of the centres' questionnaire under gunicorn, on loopback, bounded in time.

    .venv/bin/python bench/load_submissions.py --database sqlite --workers 4
    .venv/bin/python bench/load_submissions.py --database postgresql --workers 4
    .venv/bin/python bench/load_submissions.py --database postgresql --instances 2 --redis
    .venv/bin/python bench/load_submissions.py --database sqlite --kill-every 2
    .venv/bin/python bench/load_submissions.py --database private-postgresql --restart-database-after 8

A fresh database gets the demo questionnaire and the 221-centre roster through the command line (migrations as the
container's entrypoint applies them, then ``questionnaire import``, ``roster import``, ``survey create``/``open``,
``invitations export`` for the links). One or more gunicorn instances serve it with the project's gunicorn.conf.py.
Every centre has two devices, each of which — like a browser — opens the form, saves a few times (the 保存 button
and the background autosave) and submits, then follows the redirect; the devices of all centres run concurrently,
so the two devices of a centre race each other. A device whose request failed (5xx, connection reset) retries it a
few times, as a person pressing the button again would.

A submission is *acknowledged* when the page after the redirect shows the receipt and not "submitted already".
At the end the database is read directly: every acknowledged submission must be there, submitted, with the
receipt's reference and exactly the answers that device sent (lost otherwise); no centre may have two acknowledged
submissions or two answers to one question (duplicated); every submitted response has all its answers (partial
otherwise). Faults: ``--kill-every`` sends SIGKILL to a random worker every so many seconds; ``--restart-database-after``
restarts a private PostgreSQL cluster (created in a temporary directory on port 5433 — never the shared server)
that many seconds into the load.
"""
from __future__ import annotations

import argparse
import csv
import http.client
import io
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
DEMO_DATA = ROOT / "survey_service" / "demo_data"
SHARED_SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PRIVATE_PORT = 5433
SURVEY = "remote-edu-ops-2017"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
REFERENCE = re.compile(r"\b[A-HJ-NP-Z2-9]{10}\b")
ALREADY_SUBMITTED = "本问卷已提交，无需重复提交"
RECEIPT = "问卷已提交"
ITEMS = [f"q{n:02d}" for n in range(1, 13)]
ATTEMPTS = 4


@dataclass
class Tally:
    """What the clients saw, summed over all devices (updated under a lock)."""

    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    connection_errors: int = 0
    acknowledged: dict[str, list[tuple[str, dict]]] = field(default_factory=dict)  # token -> [(reference, answers)]
    told_already_submitted: int = 0
    gave_up: int = 0
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, status: int | None, seconds: float) -> None:
        with self.lock:
            self.requests += 1
            if status is None:
                self.connection_errors += 1
            else:
                self.statuses[status] = self.statuses.get(status, 0) + 1
                self.latencies.append(seconds)


class Device:
    """One browser: its own cookies and keep-alive connection, its requests one after another."""

    def __init__(self, port: int, tally: Tally):
        self.port = port
        self.tally = tally
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int | None, dict, str]:
        body = urllib.parse.urlencode(form).encode() if form is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if method == "GET":  # a person opening the page, as a browser says it: the service notes the first opening
            headers.update({"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Sec-Fetch-Mode": "navigate"})
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=90)
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            self.close()
            self.tally.note(None, time.perf_counter() - started)
            return None, {}, ""
        self.tally.note(response.status, time.perf_counter() - started)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, dict(response.getheaders()), text

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def run_device(port: int, token: str, number: int, saves: int, tally: Tally, deadline: float) -> None:
    """Open, save ``saves`` times, submit once and read the page the redirect leads to."""
    device = Device(port, tally)
    link = f"/s/{token}"
    rng = random.Random(f"{token}-{number}")
    csrf = None
    for _ in range(ATTEMPTS):
        status, _, page = device.request("GET", link)
        match = CSRF.search(page) if status == 200 else None
        if match:
            csrf = match.group(1)
            break
        if RECEIPT in page:  # the other device was quicker than this one's first look
            device.close()
            return
        time.sleep(0.5)
    if csrf is None:
        with tally.lock:
            tally.gave_up += 1
        return
    for save in range(saves):
        if time.monotonic() > deadline:
            break
        draft = {f"item-{key}": str(rng.randint(0, 5)) for key in rng.sample(ITEMS, rng.randint(1, 12))}
        if save % 2:
            device.request("POST", f"{link}/draft", {"csrf_token": csrf, **draft})
        else:
            device.request("POST", link, {"csrf_token": csrf, **draft, "action": "save"})
    answers = {**{f"item-{key}": str(rng.randint(1, 5)) for key in ITEMS},
               "open-suggestions": f"设备{number} {secrets.token_hex(4)}"}
    for _ in range(ATTEMPTS):
        status, headers, _ = device.request("POST", link, {"csrf_token": csrf, **answers, "action": "submit"})
        if status == 302:
            status, _, page = device.request("GET", link)
            if status == 200:
                break
        time.sleep(0.5)  # a failed request, visible to the person, who presses the button again
    else:
        with tally.lock:
            tally.gave_up += 1
        device.close()
        return
    device.close()
    with tally.lock:
        if ALREADY_SUBMITTED in page:
            tally.told_already_submitted += 1
        elif RECEIPT in page:
            reference = REFERENCE.search(page.split(RECEIPT, 1)[1])
            tally.acknowledged.setdefault(token, []).append((reference.group(0) if reference else "", answers))


# --- the database and the servers ---------------------------------------------------------------------------

def private_cluster(directory: Path, port: int = PRIVATE_PORT) -> str:
    """A throw-away PostgreSQL cluster (port 5433 by default), so restarting it disturbs nobody."""
    data = directory / "pgdata"
    data.mkdir()
    shutil.chown(directory, "postgres")
    shutil.chown(data, "postgres")
    as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_postgres, PG_BIN / "initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"],
                   check=True, capture_output=True)
    pg_ctl(data, "start", port)
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def pg_ctl(data: Path, action: str, port: int = PRIVATE_PORT) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", PG_BIN / "pg_ctl", "-D", data, "-w", "-m", "fast",
                    "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1", "-l", data / "log", action],
                   check=True, capture_output=True)


def create_database(server: str) -> tuple[str, str]:
    name = f"bench_load_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + "/" + name, name


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def service_environment(database_url: str, redis_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    env.update(DATABASE_URL=database_url, SECRET_KEY="bench-" + secrets.token_hex(16),
               BASE_URL="http://127.0.0.1", PYTHONPATH=str(ROOT), PATH=f"{VENV_BIN}:{env['PATH']}")
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def prepare(env: dict[str, str]) -> list[str]:
    """Migrations (as the entrypoint does), the demo questionnaire and roster, an open survey; the 221 tokens."""
    def cli(*args: str) -> str:
        return subprocess.run([sys.executable, "-m", "survey_service", *args], env=env, cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout

    subprocess.run([ROOT / "docker-entrypoint.sh", "true"], env=env, cwd=ROOT, check=True, capture_output=True)
    cli("questionnaire", "import", str(DEMO_DATA / "questionnaire-2017.yaml"))
    cli("roster", "import", str(DEMO_DATA / "roster-shanghai.csv"), "--name", "上海市街镇")
    cli("survey", "create", "--key", SURVEY, "--questionnaire", SURVEY, "--roster", "上海市街镇",
        "--opens", "2020-01-01T09:00", "--closes", "2099-12-31T18:00")
    cli("survey", "open", SURVEY)
    rows = csv.DictReader(io.StringIO(cli("invitations", "export", "--survey", SURVEY)))
    return [row["link"].rsplit("/s/", 1)[1] for row in rows]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env: dict[str, str], workers: int, log: Path,
                   app: str = "survey_service:create_app()") -> tuple[subprocess.Popen, int]:
    """``app`` under gunicorn with the project's gunicorn.conf.py on a free loopback port, once /healthz answers."""
    port = free_port()
    server = subprocess.Popen(
        [VENV_BIN / "gunicorn", "--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--access-logfile", str(log), app],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.with_suffix(".err").open("w"))
    wait_until_healthy(server, port, 60, f"gunicorn did not start; see {log.with_suffix('.err')}")
    return server, port


def wait_until_healthy(server: subprocess.Popen, port: int, seconds: float, failure: str) -> None:
    """Return once the server on ``port`` answers /healthz with 200; raise with ``failure`` if it dies or is late."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            raise RuntimeError(failure)
        time.sleep(0.3)


def worker_pids(master: int) -> list[int]:
    try:
        return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except FileNotFoundError:
        return []


def killer(masters: list[int], every: float, stop: threading.Event, kills: list[int]) -> None:
    rng = random.Random(7)
    while not stop.wait(every):
        master = rng.choice(masters)
        pids = worker_pids(master)
        if pids:
            victim = rng.choice(pids)
            try:
                os.kill(victim, signal.SIGKILL)
                kills.append(victim)
            except ProcessLookupError:
                pass


def restarter(data: Path, after: float, stop: threading.Event, restarts: list[float],
              port: int = PRIVATE_PORT) -> None:
    if not stop.wait(after):
        started = time.monotonic()
        pg_ctl(data, "restart", port)
        restarts.append(time.monotonic() - started)


# --- verification ------------------------------------------------------------------------------------------

VERIFY_SQL = """
SELECT i.token, r.state, r.reference, q.key, a.value, a.text
FROM invitations i JOIN responses r ON r.invitation_id = i.id
LEFT JOIN answers a ON a.response_id = r.id LEFT JOIN questionnaire_questions q ON q.id = a.question_id
"""


def verify(database_url: str, tally: Tally) -> dict:
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            rows = connection.execute(VERIFY_SQL).fetchall()
            responses_per_invitation = connection.execute(
                "SELECT max(n) FROM (SELECT count(*) n FROM responses GROUP BY invitation_id)").fetchone()[0]
            opened = connection.execute("SELECT count(opened_at) FROM invitations").fetchone()[0]
    else:
        with psycopg.connect(database_url) as connection:
            rows = connection.execute(VERIFY_SQL).fetchall()
            responses_per_invitation = connection.execute(
                "SELECT max(n) FROM (SELECT count(*) n FROM responses GROUP BY invitation_id) counts").fetchone()[0]
            opened = connection.execute("SELECT count(opened_at) FROM invitations").fetchone()[0]
    stored: dict[str, dict] = {}
    duplicated_answers = 0
    for token, state, reference, key, value, text in rows:
        entry = stored.setdefault(token, {"state": state, "reference": reference, "answers": {}})
        if key is None:
            continue
        if key in entry["answers"]:
            duplicated_answers += 1
        entry["answers"][key] = str(value) if value is not None else text
    submitted = {token: entry for token, entry in stored.items() if entry["state"] == "submitted"}
    partial = sum(1 for entry in submitted.values() if len(entry["answers"]) != len(ITEMS) + 1)
    lost = 0
    for token, acknowledgements in tally.acknowledged.items():
        for reference, answers in acknowledgements:
            entry = submitted.get(token)
            expected = {name.split("-", 1)[1]: value for name, value in answers.items()}
            if entry is None or entry["reference"] != reference or entry["answers"] != expected:
                lost += 1
    # first openings are facts for the console, written in batches on SQLite: a killed worker may lose its last few
    return {"opened_in_database": opened, "submitted_in_database": len(submitted), "lost": lost, "partial": partial,
            "duplicated": duplicated_answers + sum(len(a) - 1 for a in tally.acknowledged.values())
            + max(0, (responses_per_invitation or 1) - 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "private-postgresql"], default="sqlite")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers per instance")
    parser.add_argument("--instances", type=int, default=1, help="gunicorn instances sharing the database")
    parser.add_argument("--redis", action="store_true", help="REDIS_URL=redis://127.0.0.1:6379/15 for every instance")
    parser.add_argument("--devices", type=int, default=2, help="devices per centre, racing each other")
    parser.add_argument("--saves", type=int, default=6, help="draft saves per device before it submits")
    parser.add_argument("--concurrency", type=int, default=48, help="devices in flight at once")
    parser.add_argument("--kill-every", type=float, default=0, help="SIGKILL a random worker every N seconds")
    parser.add_argument("--restart-database-after", type=float, default=0,
                        help="restart the private PostgreSQL cluster N seconds into the load")
    parser.add_argument("--time-limit", type=float, default=240, help="seconds; devices stop saving after it")
    options = parser.parse_args()
    if options.restart_database_after and options.database != "private-postgresql":
        parser.error("--restart-database-after needs --database private-postgresql")

    workdir = Path(tempfile.mkdtemp(prefix="survey-load-"))
    servers: list[subprocess.Popen] = []
    cluster_data = workdir / "pgdata"
    server_url = database_name = None
    try:
        if options.database == "sqlite":
            database_url = f"sqlite:///{workdir / 'load.db'}"
        else:
            server_url = private_cluster(workdir) if options.database == "private-postgresql" else SHARED_SERVER
            database_url, database_name = create_database(server_url)
        redis_url = "redis://127.0.0.1:6379/15" if options.redis else None
        if redis_url:
            subprocess.run(["redis-cli", "-n", "15", "FLUSHDB"], check=True, capture_output=True)
        env = service_environment(database_url, redis_url)
        tokens = prepare(env)
        ports = []
        for instance in range(options.instances):
            server, port = start_gunicorn(env, options.workers, workdir / f"access-{instance}.log")
            servers.append(server)
            ports.append(port)

        tally = Tally()
        stop = threading.Event()
        kills: list[int] = []
        restarts: list[float] = []
        helpers = []
        if options.kill_every:
            helpers.append(threading.Thread(target=killer, args=([s.pid for s in servers], options.kill_every,
                                                                 stop, kills)))
        if options.restart_database_after:
            helpers.append(threading.Thread(target=restarter, args=(cluster_data, options.restart_database_after,
                                                                    stop, restarts)))
        # a centre's devices start side by side, so they race each other
        random.Random(1).shuffle(tokens)
        jobs = [(token, number) for token in tokens for number in range(options.devices)]
        started = time.monotonic()
        deadline = started + options.time_limit
        for helper in helpers:
            helper.start()
        with ThreadPoolExecutor(options.concurrency) as pool:
            # devices are spread over the instances, as a load balancer would
            futures = [pool.submit(run_device, ports[n % len(ports)], token, number, options.saves, tally, deadline)
                       for n, (token, number) in enumerate(jobs)]
            for future in futures:
                future.result()
        elapsed = time.monotonic() - started
        stop.set()
        for helper in helpers:
            helper.join()
        time.sleep(1.0)  # on SQLite the workers write the first openings they noted within half a second
        result = verify(database_url, tally)
        five_hundreds = sum(count for status, count in tally.statuses.items() if status >= 500)
        latencies = sorted(tally.latencies)
        summary = {
            "database": options.database, "instances": options.instances, "workers": options.workers,
            "redis": bool(redis_url), "centres": len(tokens), "devices": len(jobs), "requests": tally.requests,
            "seconds": round(elapsed, 1), "requests_per_second": round(tally.requests / elapsed, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
            "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 1) if latencies else None,
            "statuses": dict(sorted(tally.statuses.items())), "connection_errors": tally.connection_errors,
            "5xx": five_hundreds, "acknowledged": sum(len(a) for a in tally.acknowledged.values()),
            "told_already_submitted": tally.told_already_submitted, "gave_up": tally.gave_up,
            "workers_killed": len(kills), "database_restarts_seconds": [round(r, 1) for r in restarts],
            **result,
        }
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
        if database_name:
            drop_database(server_url, database_name)
        if options.database == "private-postgresql" and cluster_data.exists():
            pg_ctl(cluster_data, "stop")
        if os.environ.get("KEEP_LOAD_FILES"):
            print(f"files kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
