"""Fixtures for the analysis tests: questionnaires only, no app and no database."""
from pathlib import Path

import pytest

from analysis.questionnaire import load_questionnaire

from satisfaction_data import make_questionnaire

#: the shared questionnaire, as the package carries it for its demo
QUESTIONNAIRE_2017 = Path(__file__).resolve().parents[2] / "survey_service" / "demo_data" / "questionnaire-2017.yaml"


@pytest.fixture(scope="session")
def questionnaire_2017():
    return load_questionnaire(QUESTIONNAIRE_2017.read_bytes(), QUESTIONNAIRE_2017.name)


@pytest.fixture
def weighted_questionnaire():
    """Dimension A (weight 2: a1 weight 1, a2 weight 3) and dimension B (weight 1: b1)."""
    return make_questionnaire([("A", 2, [("a1", 1), ("a2", 3)]), ("B", 1, [("b1", 1)])])
