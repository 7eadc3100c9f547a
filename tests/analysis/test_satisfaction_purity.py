"""The analysis package stays pure: importing it loads neither Flask nor SQLAlchemy."""
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


def test_importing_analysis_loads_no_web_or_database_module():
    code = ("import sys, analysis, analysis.satisfaction, analysis.stats, analysis.intervals, analysis.indexes; "
            "print(','.join(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('flask', 'sqlalchemy', 'survey_service'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPOSITORY)
    assert result.stdout.strip() == ""
