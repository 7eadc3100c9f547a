"""What the benchmarks share: a scratch database, and the median of repeated runs (machines here are noisy)."""
from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYBABEL = ROOT / ".venv" / "bin" / "pybabel"
#: the PostgreSQL server the benchmarks create their databases on (and drop them from)
SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_database(kind: str) -> Iterator[str]:
    """The SQLAlchemy URL of a new, empty database — on SERVER for ``postgresql``, else a temporary SQLite file —
    removed afterwards, whatever happens."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    if kind == "postgresql":
        with psycopg.connect(SERVER, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        try:
            yield SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
        finally:
            with psycopg.connect(SERVER, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = Path(tempfile.gettempdir()) / f"{name}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)


def median_time(action, runs: int) -> float:
    """The median wall time, in seconds, of ``runs`` calls of ``action``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def code_at(revision: str, into: Path) -> Path:
    """The service as it was at git REVISION (its packages, templates, static files and gunicorn settings), for a
    comparison with the working tree in the same run."""
    archive = subprocess.run(["git", "archive", revision, "survey_service", "analysis", "migrations", "templates",
                              "static", "translations", "gunicorn.conf.py"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    into.mkdir()
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    # the catalogues are kept as .po files; pages in Chinese need them compiled, as scripts/setup-venv does
    for catalogue in sorted((into / "translations").iterdir()):
        subprocess.run([PYBABEL, "compile", "-d", str(catalogue), "-D", "messages"], check=True,
                       capture_output=True)
    return into
