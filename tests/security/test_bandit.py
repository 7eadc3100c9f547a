"""Bandit finds no high-severity issue in the service or the analysis package."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bandit_reports_no_high_severity_issue():
    result = subprocess.run([sys.executable, "-m", "bandit", "-r", "survey_service", "analysis", "-lll", "-q"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
