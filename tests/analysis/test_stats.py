"""Cronbach's α and item–total correlations against pingouin and scipy on the listwise-complete respondents."""
import numpy as np
import pandas as pd
import pingouin
import pytest
from scipy import stats

from analysis.satisfaction import Population, satisfaction_document
from analysis.stats import reliability_from_moments

from satisfaction_data import make_questionnaire


def _correlated_answers(rng, n, items):
    """Answers driven by one latent satisfaction, so α is well above zero; some N/A and blanks."""
    latent = rng.normal(size=(n, 1))
    answers = np.clip(np.rint(3.6 + latent + rng.normal(scale=0.9, size=(n, items))), 1, 5)
    answers[rng.random((n, items)) < 0.05] = 0.0
    answers[rng.random((n, items)) < 0.03] = np.nan
    return answers


@pytest.fixture
def reliability_case(questionnaire_2017):
    answers = _correlated_answers(np.random.default_rng(21), 218, 12)
    document = satisfaction_document(questionnaire_2017, answers, population=Population(issued=221, submitted=218))
    complete = pd.DataFrame(answers, columns=[item.key for item in questionnaire_2017.items])
    complete = complete[(complete >= 1).all(axis=1)]        # listwise: no blank (NaN ≥ 1 is False), no N/A
    return document["reliability"], complete


def test_alpha_matches_pingouin(reliability_case):
    reliability, complete = reliability_case
    assert reliability["n_complete"] == len(complete)
    assert reliability["cronbach_alpha"] == pytest.approx(pingouin.cronbach_alpha(data=complete)[0], rel=1e-9)


def test_alpha_if_deleted_matches_pingouin_without_that_item(reliability_case):
    reliability, complete = reliability_case
    for key in complete.columns:
        expected = pingouin.cronbach_alpha(data=complete.drop(columns=key))[0]
        assert reliability["alpha_if_deleted"][key] == pytest.approx(expected, rel=1e-9)


def test_corrected_item_total_r_matches_pearson_with_the_other_items(reliability_case):
    reliability, complete = reliability_case
    for key in complete.columns:
        rest = complete.drop(columns=key).sum(axis=1)
        assert reliability["item_total_r"][key] == pytest.approx(stats.pearsonr(complete[key], rest)[0], rel=1e-9)


def test_alpha_by_hand_for_three_respondents_and_two_items():
    # x = (1, 2, 3), y = (2, 2, 5): s²x = 1, s²y = 3, total = (3, 4, 8) with s²t = 7
    # α = 2/1 · (1 − (1 + 3)/7) = 6/7
    values = np.array([[1.0, 2.0], [2.0, 2.0], [3.0, 5.0]])
    result = reliability_from_moments(3, values.sum(axis=0), values.T @ values)
    assert result.cronbach_alpha == pytest.approx(6 / 7)
    # one item left: α undefined; item–total r = corr(x, y) = cov 1.5 / √(1·3) = √3/2
    assert np.isnan(result.alpha_if_deleted).all()
    assert result.item_total_r == pytest.approx([np.sqrt(3) / 2] * 2)


def test_too_few_complete_respondents_or_items_leave_reliability_null(questionnaire_2017):
    answers = np.full((5, 12), 4.0)
    answers[:3, 0] = 0.0                     # three N/A: two complete respondents remain
    document = satisfaction_document(questionnaire_2017, answers, population=Population(issued=None, submitted=5))
    assert document["reliability"] is None
    one_item = make_questionnaire([("A", 1, [("a1", 1)])])
    document = satisfaction_document(one_item, np.array([[5.0], [4.0], [3.0], [2.0]]),
                                     population=Population(issued=None, submitted=4))
    assert document["reliability"] is None


def test_zero_variance_leaves_alpha_and_correlations_null(questionnaire_2017):
    answers = np.full((10, 12), 4.0)
    document = satisfaction_document(questionnaire_2017, answers, population=Population(issued=None, submitted=10))
    reliability = document["reliability"]
    assert reliability["cronbach_alpha"] is None and reliability["n_complete"] == 10
    assert set(reliability["item_total_r"].values()) == {None}


def test_a_reversed_item_scored_as_it_is_gets_a_warning(questionnaire_2017):
    answers = _correlated_answers(np.random.default_rng(22), 218, 12)
    answers[:, 2] = np.where(answers[:, 2] >= 1, 6 - answers[:, 2], answers[:, 2])   # q03 asked the other way round
    reliability = satisfaction_document(questionnaire_2017, answers,
                                        population=Population(issued=221, submitted=218))["reliability"]
    complete = pd.DataFrame(answers, columns=[item.key for item in questionnaire_2017.items])
    complete = complete[(complete >= 1).all(axis=1)]
    rest = complete.drop(columns="q03").sum(axis=1)
    assert stats.pearsonr(complete["q03"], rest).statistic < 0
    assert reliability["warnings"] == [{"code": "negative_item_total_r", "items": ["q03"]}]
    assert reliability["cronbach_alpha"] > 0


def test_a_negative_alpha_gets_a_warning():
    questionnaire = make_questionnaire([("A", 1, [("a1", 1), ("a2", 1)])])
    rng = np.random.default_rng(23)
    first = rng.integers(1, 6, size=60).astype(float)
    answers = np.column_stack([first, 6 - first])                       # two items that contradict each other
    answers[rng.random(60) < 0.2, 1] = 3.0
    reliability = satisfaction_document(questionnaire, answers,
                                        population=Population(issued=None, submitted=60))["reliability"]
    expected = pingouin.cronbach_alpha(data=pd.DataFrame(answers))[0]
    assert expected < 0
    assert reliability["cronbach_alpha"] == pytest.approx(expected, rel=1e-9)
    assert reliability["warnings"] == [{"code": "negative_alpha"},
                                       {"code": "negative_item_total_r", "items": ["a1", "a2"]}]


def test_a_consistent_scale_has_no_warning(reliability_case):
    reliability, _ = reliability_case
    assert reliability["warnings"] == []
