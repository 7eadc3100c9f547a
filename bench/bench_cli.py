"""Start-up of the ``survey-service`` command: wall time and peak memory of whole processes, as a script sees them.

    .venv/bin/python bench/bench_cli.py [--runs 7] [--compare REV]

Commands timed, each a fresh process (``python -m survey_service``, as the console script runs it):
``--help``; ``analyze --survey`` of the demo's open survey (about 200 responses) on an SQLite file with the
demo data; ``analyze`` of the same survey's files (questionnaire YAML, responses CSV, roster CSV). The baseline
is the interpreter alone (``python -c pass``); CPU time (user + system) is given beside the wall time, being
less inflated when the machine is shared. With ``--compare REV`` the same commands of the code at git
revision REV run in the same rounds, against the same database. Bytecode is compiled first, into a cache outside
the repository, as an installed package has it. Rounds interleave the commands; figures are medians.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import code_at  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SURVEY = "remote-edu-ops-2017"


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak resident MiB) of one process, run from its code's directory (``python -m`` looks
    there before PYTHONPATH)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=env.get("PYTHONPATH", ROOT), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()}")
    process.stderr.close()
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--compare", metavar="REV", help="a git revision to time in the same rounds")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="survey-bench-cli-"))
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "REDIS_URL")}
        env.update(DATABASE_URL=f"sqlite:///{workdir / 'demo.db'}", SECRET_KEY="bench", BASE_URL="http://127.0.0.1",
                   PYTHONPYCACHEPREFIX=str(workdir / "pycache"))
        trees = {"now": ROOT}
        if options.compare:
            trees[options.compare] = code_at(options.compare, workdir / "compare")
        environments = {label: {**env, "PYTHONPATH": str(tree)} for label, tree in trees.items()}
        python = [sys.executable, "-m", "survey_service"]
        subprocess.run([*python, "db", "upgrade"], env=environments["now"], cwd=ROOT, check=True, capture_output=True)
        subprocess.run([*python, "demo"], env=environments["now"], cwd=ROOT, check=True, capture_output=True)
        responses = workdir / "responses.csv"
        subprocess.run([*python, "responses", "export", "--survey", SURVEY, "--output", str(responses)],
                       env=environments["now"], cwd=ROOT, check=True, capture_output=True)
        demo_data = ROOT / "survey_service" / "demo_data"
        commands = {
            "--help": ["--help"],
            "analyze --survey": ["analyze", "--survey", SURVEY, "--json"],
            "analyze of files": ["analyze", "--questionnaire", str(demo_data / "questionnaire-2017.yaml"),
                                 "--responses", str(responses), "--roster", str(demo_data / "roster-shanghai.csv"),
                                 "--json"],
        }
        cases = {("interpreter", "python -c pass"): ([sys.executable, "-c", "pass"], env)}
        for label, environment in environments.items():
            for name, args in commands.items():
                cases[(label, name)] = ([*python, *args], environment)
        for command, environment in cases.values():  # compiles the bytecode, warms the file cache
            timed(command, environment)
        samples = {case: [] for case in cases}
        for _ in range(options.runs):
            for case, (command, environment) in cases.items():
                samples[case].append(timed(command, environment))
        rows = [{"code": label, "command": name, "wall_s": round(statistics.median(s[0] for s in runs), 3),
                 "cpu_s": round(statistics.median(s[1] for s in runs), 3),
                 "peak_mib": round(statistics.median(s[2] for s in runs), 1)}
                for (label, name), runs in samples.items()]
        print(json.dumps({"runs": options.runs, "load_average": [round(x, 2) for x in os.getloadavg()],
                          "results": rows}, ensure_ascii=False, indent=1))
        print(f"\n{'code':<12} {'command':<20} {'wall (median)':>14} {'CPU (median)':>13} {'peak RSS':>10}")
        for row in rows:
            print(f"{row['code']:<12} {row['command']:<20} {row['wall_s']:>12.3f} s {row['cpu_s']:>11.3f} s "
                  f"{row['peak_mib']:>6.0f} MiB")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
