"""The analysis package stays pure (no Flask, SQLAlchemy or service module loaded) and is mirrored here."""
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
MODULES = sorted(f"analysis.{path.stem}" for path in (REPOSITORY / "analysis").glob("*.py") if path.stem != "__init__")


def test_every_module_of_the_package_is_checked():
    assert "analysis.satisfaction" in MODULES and "analysis.ranks" in MODULES


@pytest.mark.parametrize("module", MODULES)
def test_importing_an_analysis_module_loads_no_web_or_database_module(module):
    code = (f"import sys, {module}; "
            "print(','.join(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('flask', 'sqlalchemy', 'survey_service'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPOSITORY)
    assert result.stdout.strip() == ""


def test_every_analysis_module_has_its_test_module():
    tests = {path.stem for path in Path(__file__).parent.glob("test_*.py")}
    missing = [module for module in MODULES
               if not any(test == f"test_{module.split('.')[1]}" or test.startswith(f"test_{module.split('.')[1]}_")
                          for test in tests)]
    assert missing == []
