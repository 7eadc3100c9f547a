"""Questionnaires and answer matrices for the analysis tests (no app, no database)."""
from pathlib import Path

import numpy as np
import pytest

from analysis.questionnaire import load_questionnaire, parse_questionnaire

SHARED_DATA = Path("/work/shared/data")
QUESTIONNAIRE_2017 = SHARED_DATA / "questionnaire-2017.yaml"

SCALE = {
    "options": [{"value": v, "label": f"option {v}"} for v in (5, 4, 3, 2, 1)],
    "not_applicable": {"value": 0, "label": "不了解"},
}


def make_questionnaire(dimensions, scoring=None, indicator=None):
    """A questionnaire from ``[(key, weight, [(item_key, weight), …]), …]`` on the 5-point scale with N/A 0."""
    definition = {
        "key": "test-survey", "version": 1, "year": 2017, "title": "测试问卷",
        "scale": SCALE,
        "scoring": scoring or {"scheme": "linear"},
        "dimensions": [
            {"key": key, "title": f"维度 {key}", "title_en": f"Dimension {key}", "weight": weight,
             "items": [{"key": item, "text": f"题项 {item}", "text_en": f"Item {item}", "weight": w}
                       for item, w in items]}
            for key, weight, items in dimensions
        ],
    }
    if indicator:
        definition["indicator"] = indicator
    return parse_questionnaire(definition)


@pytest.fixture(scope="session")
def questionnaire_2017():
    return load_questionnaire(QUESTIONNAIRE_2017.read_bytes(), QUESTIONNAIRE_2017.name)


@pytest.fixture
def weighted_questionnaire():
    """Dimension A (weight 2: a1 weight 1, a2 weight 3) and dimension B (weight 1: b1)."""
    return make_questionnaire([("A", 2, [("a1", 1), ("a2", 3)]), ("B", 1, [("b1", 1)])])


def random_answers(rng, n, items, na_share=0.04, missing_share=0.03):
    """Seeded 5-point answers leaning satisfied, with some N/A (0) and blanks (NaN)."""
    answers = rng.choice([5.0, 4.0, 3.0, 2.0, 1.0], p=[0.4, 0.32, 0.16, 0.08, 0.04], size=(n, items))
    answers[rng.random((n, items)) < na_share] = 0.0
    answers[rng.random((n, items)) < missing_share] = np.nan
    return answers
