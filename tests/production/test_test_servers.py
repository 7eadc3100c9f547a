"""scripts/test-servers, the part of the README's test command that sets up PostgreSQL and Redis on loopback.

Its branches are read in dry-run mode (DRY_RUN=1 prints what it would run) on a PATH made of a few real tools and
stand-ins, since PostgreSQL cannot be uninstalled here to try the fresh machine for real.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from survey_service import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "test-servers"
TOOLS = ("bash", "env", "ls", "sort", "tail", "awk", "grep", "seq", "sleep", "sed")


def bare_path(tmp_path: Path, **stand_ins: str) -> str:
    """A PATH holding only the shell tools the script uses, plus stand-in commands given as shell bodies."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in TOOLS:
        (folder / tool).symlink_to(shutil.which(tool))
    for name, body in stand_ins.items():
        (folder / name).write_text(f"#!/bin/bash\n{body}\n")
        (folder / name).chmod(0o755)
    return str(folder)


def dry_run(path: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT)], env={"PATH": path, "DRY_RUN": "1"}, capture_output=True,
                          text=True, timeout=30)


def test_a_fresh_machine_gets_both_packages_a_trusted_loopback_and_both_servers_started(tmp_path):
    ran = dry_run(bare_path(tmp_path))
    assert ran.returncode == 0, ran.stderr
    planned = ran.stdout.splitlines()
    assert "would run: apt-get install -y -qq postgresql redis-server" in planned
    assert any(line.startswith("would prepend to /etc/postgresql/") and
               line.endswith("pg_hba.conf: host all postgres 127.0.0.1/32 trust") for line in planned)
    assert any(line.startswith("would run: pg_ctlcluster --skip-systemctl-redirect ") and line.endswith(" main start")
               for line in planned)
    assert any(line.startswith("would run: redis-server --daemonize yes --bind 127.0.0.1 --port 6379")
               for line in planned)
    assert "installing postgresql redis-server (Debian packages)" in ran.stderr


def test_installed_but_stopped_servers_are_started_without_installing_or_touching_authentication(tmp_path):
    path = bare_path(tmp_path, pg_isready="exit 2", pg_ctlcluster="exit 0", redis_server="exit 0",
                     pg_lsclusters='echo "15  main    5432 down   postgres /var/lib/postgresql/15/main log"',
                     **{"redis-cli": "exit 1"})
    (Path(path) / "redis_server").rename(Path(path) / "redis-server")
    ran = dry_run(path)
    assert ran.returncode == 0, ran.stderr
    planned = ran.stdout.splitlines()
    assert not any("apt-get" in line or "pg_hba" in line or "pg_createcluster" in line for line in planned)
    assert "would run: pg_ctlcluster --skip-systemctl-redirect 15 main start" in planned
    assert any(line.startswith("would run: redis-server ") for line in planned)


def test_running_servers_are_only_looked_at():
    ran = subprocess.run(["bash", str(SCRIPT)], env={**os.environ, "DRY_RUN": "1"}, capture_output=True, text=True,
                         timeout=30)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "" and ran.stderr == ""
