"""The centre's complete path against bare Flask apps and the peer django-survey-and-report, in one run.

    .venv/bin/python bench/bench_centre_path.py --database sqlite|postgresql [--rounds 3] [--respondents 221]
                                                [--compare REV]

The path is what a centre does: a fresh browser session opens its personal link (GET, the form with its CSRF
token), posts the whole form (12 five-point items and the open question) and follows the redirect to the receipt
(GET). ``--concurrency`` respondents (16) go at once, each on its own keep-alive connection; a path's latency is
its three requests. The apps run side by side under gunicorn with the project's gunicorn.conf.py and the
same ``--workers`` (3): this service (a fresh open survey of the 221-centre roster each round, since a link
submits once); two ceilings of bench/bare_app.py (the same form rendered with a CSRF token in a signed session
cookie, the post validated, a redirect, no database): ``bare``, issue 18's, whose template is compiled again on
every request, and ``bare-cached``, its templates compiled once as Flask apps usually have them; and
django-survey-and-report (the peer, installed with pip
into a throwaway virtualenv under /tmp: a Django project of bench/peer_app/ with one published survey of the
same shape, anonymous answers, on its own database of the same kind). With ``--compare REV`` the service as it
was at git revision REV runs too, on the same database with surveys of its own. Every app first serves
``--warmup`` paths unmeasured (64), as a running service would have; then each round runs the apps in a rotated
order; figures are medians over the rounds, and the ratios are of those medians.
"""
from __future__ import annotations

import argparse
import csv
import http.client
import io
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_submissions import (CSRF, ITEMS, ROOT, SHARED_SERVER, SURVEY, VENV_BIN, create_database,  # noqa: E402
                              drop_database, free_port, prepare, service_environment, wait_until_healthy)
from support import code_at  # noqa: E402

PEER_VENV = Path(os.environ.get("PEER_VENV", "/tmp/survey-bench-peer-venv"))
PEER_PACKAGE = "django-survey-and-report>=1.5,<2"
PEER_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PEER_QUESTION = re.compile(r'name="(question_\d+)"')


class Browser:
    """One respondent's browser: its cookies and its keep-alive connection."""

    def __init__(self, port: int):
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        """(status, Location, body)."""
        # as a browser sends them when a person opens the link or submits the form: the service notes the first
        # opening only for such a request (a mail scanner's or a prefetch's fetch is not an opening)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Referer": "http://127.0.0.1/",
                   "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                   "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location", ""), text


def answers(number: int) -> dict[str, str]:
    return {**{f"item-{key}": str(1 + (number + n) % 5) for n, key in enumerate(ITEMS)},
            "open-suggestions": "希望增加回放。", "action": "submit"}


def service_path(port: int, link: str, number: int) -> bool:
    """Open, submit, read the receipt: this service and the bare app (the same form fields)."""
    browser = Browser(port)
    status, _, page = browser.request("GET", link)
    token = CSRF.search(page) if status == 200 else None
    if token is None:
        return False
    status, location, _ = browser.request("POST", link, {"csrf_token": token.group(1), **answers(number)})
    if status != 302:
        return False
    status, _, page = browser.request("GET", urllib.parse.urlsplit(location).path)
    browser.connection.close()
    return status == 200 and "问卷已提交" in page


def peer_path(port: int, link: str, number: int) -> bool:
    browser = Browser(port)
    status, _, page = browser.request("GET", link)
    token = PEER_CSRF.search(page) if status == 200 else None
    if token is None:
        return False
    questions = PEER_QUESTION.findall(page)
    form = {name: str(1 + (number + n) % 5) for n, name in enumerate(dict.fromkeys(questions))}
    form[list(dict.fromkeys(questions))[-1]] = "希望增加回放。"
    status, location, _ = browser.request("POST", link, {"csrfmiddlewaretoken": token.group(1), **form})
    if status != 302 or "/confirm/" not in location:
        return False
    status, _, _ = browser.request("GET", urllib.parse.urlsplit(location).path)
    browser.connection.close()
    return status == 200


def run_paths(path, port: int, links: list[str], concurrency: int) -> dict:
    """Every link's path, ``concurrency`` at a time: paths per second and the latency of a whole path."""
    latencies = []

    def one(item):
        number, link = item
        started = time.perf_counter()
        ok = path(port, link, number)
        latencies.append(time.perf_counter() - started)
        return ok

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, enumerate(links)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"paths": len(links), "failed": results.count(False), "per_second": len(links) / elapsed,
            "p50_ms": 1000 * statistics.median(latencies),
            "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))]}


def start_gunicorn(gunicorn: Path, app: str, env: dict[str, str], workers: int, log: Path,
                   chdir: Path = ROOT) -> tuple[subprocess.Popen, int]:
    """An app under gunicorn with the project's gunicorn.conf.py on a free loopback port, once /healthz answers."""
    port = free_port()
    server = subprocess.Popen(
        [gunicorn, "--config", str(ROOT / "gunicorn.conf.py"), "--chdir", str(chdir), "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--access-logfile", "/dev/null", app],
        cwd=chdir, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    wait_until_healthy(server, port, 90, f"gunicorn did not start {app}; see {log}")
    return server, port


def peer_virtualenv() -> Path | None:
    """The peer's virtualenv (created once under /tmp); None, with the reason on stderr, if pip cannot install it."""
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    installed = subprocess.run([python, "-m", "pip", "install", "-q", PEER_PACKAGE, "gunicorn>=23,<28",
                                "psycopg[binary]>=3.1,<4"], capture_output=True, text=True)
    if installed.returncode != 0:
        print(f"the peer could not be installed: {installed.stderr.strip()[-500:]}", file=sys.stderr)
        return None
    return PEER_VENV


def survey_links(env: dict[str, str], key: str, first: bool) -> list[str]:
    """A fresh open survey of the roster (the first one made by load_submissions.prepare); its personal links."""
    if first:
        return [f"/s/{token}" for token in prepare(env)]
    run = [sys.executable, "-m", "survey_service"]
    subprocess.run([*run, "survey", "create", "--key", key, "--questionnaire", SURVEY, "--roster", "上海市街镇",
                    "--opens", "2020-01-01T09:00", "--closes", "2099-12-31T18:00"],
                   env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*run, "survey", "open", key], env=env, cwd=ROOT, check=True, capture_output=True)
    out = subprocess.run([*run, "invitations", "export", "--survey", key], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return ["/s/" + row["link"].rsplit("/s/", 1)[1] for row in csv.DictReader(io.StringIO(out))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--respondents", type=int, default=221, help="paths per app per round (at most 221)")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=64, help="unmeasured paths per app before the rounds")
    parser.add_argument("--no-peer", action="store_true", help="only this service and the bare apps")
    parser.add_argument("--compare", metavar="REV", help="also the service at this git revision")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="survey-bench-path-"))
    databases, servers = [], []
    try:
        if options.database == "sqlite":
            database_url, peer_database = f"sqlite:///{workdir / 'service.db'}", str(workdir / "peer.db")
        else:
            database_url, name = create_database(SHARED_SERVER)
            peer_url, peer_name = create_database(SHARED_SERVER)
            databases += [name, peer_name]
            peer_database = peer_url
        env = service_environment(database_url, None)
        link_sets = [survey_links(env, f"path-{n}", n == 0)[:options.respondents] for n in range(options.rounds)]
        earlier_links = [survey_links(env, f"earlier-{n}", False)[:options.respondents] for n in range(options.rounds)
                         ] if options.compare else None
        apps = {}
        service, port = start_gunicorn(VENV_BIN / "gunicorn", "survey_service:create_app()", env, options.workers,
                                       workdir / "service.log")
        servers.append(service)
        apps["service"] = (service_path, port, None)
        bare_env = {**env, "PYTHONPATH": f"{ROOT / 'bench'}:{env['PYTHONPATH']}"}
        bare, port = start_gunicorn(VENV_BIN / "gunicorn", "bare_app:app", bare_env, options.workers,
                                    workdir / "bare.log")
        servers.append(bare)
        apps["bare"] = (service_path, port, None)
        cached, port = start_gunicorn(VENV_BIN / "gunicorn", "bare_app:cached_app", bare_env, options.workers,
                                      workdir / "bare-cached.log")
        servers.append(cached)
        apps["bare-cached"] = (service_path, port, None)
        if options.compare:
            earlier_tree = code_at(options.compare, workdir / "earlier")
            earlier, port = start_gunicorn(VENV_BIN / "gunicorn", "survey_service:create_app()",
                                           {**env, "PYTHONPATH": str(earlier_tree)}, options.workers,
                                           workdir / "earlier.log", chdir=earlier_tree)
            servers.append(earlier)
            apps[options.compare] = (service_path, port, None)
        peer_venv = None if options.no_peer else peer_virtualenv()
        if peer_venv is not None:
            peer_env = {"PATH": f"{peer_venv / 'bin'}:/usr/bin:/bin", "PEER_DATABASE": peer_database,
                        "PEER_SECRET_KEY": secrets.token_hex(16), "PYTHONPATH": str(ROOT)}
            prepared = subprocess.run([peer_venv / "bin" / "python", "prepare.py"], cwd=ROOT / "bench" / "peer_app",
                                      env=peer_env, check=True, capture_output=True, text=True)
            peer_link = f"/survey/{prepared.stdout.strip()}/"
            peer, port = start_gunicorn(peer_venv / "bin" / "gunicorn", "wsgi:application", peer_env,
                                        options.workers, workdir / "peer.log", chdir=ROOT / "bench" / "peer_app")
            servers.append(peer)
            apps["peer"] = (peer_path, port, peer_link)
        # every app serves a first burst unmeasured, as a running service would have: the service's per-process
        # caches (kept pages, compiled statements, PostgreSQL's prepared statements) and the peer's fill here
        warm_links = {name: survey_links(env, f"warm-{n}", False)[:options.warmup]
                      for n, name in enumerate(apps) if apps[name][2] is None}
        for name, (path, port, fixed_link) in apps.items():
            run_paths(path, port, [fixed_link] * options.warmup if fixed_link else warm_links[name],
                      options.concurrency)
        rounds = []
        for number, links in enumerate(link_sets):
            names = list(apps)
            names = names[number % len(names):] + names[:number % len(names)]
            figures = {}
            for name in names:
                path, port, fixed_link = apps[name]
                own_links = earlier_links[number] if name == options.compare else links
                figures[name] = run_paths(path, port, [fixed_link] * len(links) if fixed_link else own_links,
                                          options.concurrency)
            rounds.append(figures)
            print(json.dumps({name: {k: round(v, 1) for k, v in f.items()} for name, f in figures.items()}),
                  file=sys.stderr)
        median = {name: {metric: statistics.median(r[name][metric] for r in rounds)
                         for metric in ("per_second", "p50_ms", "p95_ms")} for name in apps}
        report = {"database": options.database, "workers": options.workers, "concurrency": options.concurrency,
                  "rounds": len(rounds), "paths_per_app_per_round": len(link_sets[0]),
                  "failed": {name: sum(r[name]["failed"] for r in rounds) for name in apps},
                  "load_average": [round(x, 2) for x in os.getloadavg()],
                  "median": {name: {k: round(v, 1) for k, v in m.items()} for name, m in median.items()},
                  "service_over_bare": round(median["service"]["per_second"] / median["bare"]["per_second"], 3),
                  "service_over_bare_cached": round(
                      median["service"]["per_second"] / median["bare-cached"]["per_second"], 3)}
        if "peer" in median:
            report["service_over_peer"] = round(median["service"]["per_second"] / median["peer"]["per_second"], 2)
        print(json.dumps(report, indent=1))
        print(f"\n{options.database}: complete path (open, submit, receipt), {options.concurrency} at once, "
              f"{options.workers} workers each, median of {len(rounds)} rounds")
        print(f"{'app':<12} {'paths/s':>9} {'p50':>10} {'p95':>10} {'service ÷ this':>15}")
        for name, figures in median.items():
            ratio = median["service"]["per_second"] / figures["per_second"]
            print(f"{name:<12} {figures['per_second']:>9.1f} {figures['p50_ms']:>7.1f} ms {figures['p95_ms']:>7.1f} ms "
                  f"{'' if name == 'service' else format(ratio, '.2f'):>15}")
    finally:
        for server in servers:
            server.terminate()
            server.wait(60)
        for name in databases:
            drop_database(SHARED_SERVER, name)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
