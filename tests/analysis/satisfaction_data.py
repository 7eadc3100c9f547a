"""Questionnaires and answer matrices the analysis tests build (imported by name, so named apart)."""
import numpy as np

from analysis.questionnaire import parse_questionnaire

SCALE = {
    "options": [{"value": v, "label": f"option {v}"} for v in (5, 4, 3, 2, 1)],
    "not_applicable": {"value": 0, "label": "不了解"},
}


def make_scale(values, not_applicable=0):
    """A scale of the given option values (most satisfied first) with its N/A value."""
    return {"options": [{"value": v, "label": f"option {v}"} for v in values],
            "not_applicable": {"value": not_applicable, "label": "不了解"}}


def make_questionnaire(dimensions, scoring=None, scale=SCALE):
    """A questionnaire from ``[(key, weight, [(item_key, weight), …]), …]``, by default on 5–1 with N/A 0."""
    definition = {
        "key": "test-survey", "version": 1, "year": 2017, "title": "测试问卷",
        "scale": scale,
        "scoring": scoring or {"scheme": "linear"},
        "dimensions": [
            {"key": key, "title": f"维度 {key}", "title_en": f"Dimension {key}", "weight": weight,
             "items": [{"key": item, "text": f"题项 {item}", "text_en": f"Item {item}", "weight": w}
                       for item, w in items]}
            for key, weight, items in dimensions
        ],
    }
    return parse_questionnaire(definition)


def random_answers(rng, n, items, na_share=0.04, missing_share=0.03):
    """Seeded 5-point answers leaning satisfied, with some N/A (0) and blanks (NaN).

    Realistic on purpose: one latent satisfaction per respondent drives every item, so items correlate as real
    answers do (a test that resampled items instead of respondents would get the wrong width), and the 1–5 values
    tie heavily.
    """
    latent = rng.normal(size=(n, 1))
    answers = np.clip(np.rint(3.9 + 0.8 * latent + rng.normal(scale=0.7, size=(n, items))), 1, 5)
    answers[rng.random((n, items)) < na_share] = 0.0
    answers[rng.random((n, items)) < missing_share] = np.nan
    return answers
