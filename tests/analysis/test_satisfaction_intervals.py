"""Intervals against scipy's bootstrap, the textbook standard error, and the finite-population correction."""
import math

import numpy as np
import pytest
from scipy import stats

from analysis.satisfaction import BOOTSTRAP_MAX_RESPONSES, Population, satisfaction_document

from satisfaction_data import make_questionnaire, random_answers
from satisfaction_reference import equal_weight_dimensions, points_matrix


def _half_widths(block):
    low, high = block["ci95"]
    return block["index"] - low, high - block["index"]


def test_bootstrap_matches_scipy_percentile_bootstrap(questionnaire_2017):
    rng = np.random.default_rng(7)
    answers = random_answers(rng, 218, 12)
    document = satisfaction_document(questionnaire_2017, answers, population=Population(issued=None, submitted=218))
    assert document["ci_method"] == "bootstrap-percentile"
    points = points_matrix(answers)
    dimensions = equal_weight_dimensions(12, 2)

    def overall(indexes, axis=-1):
        # indexes: (..., n) respondent numbers of one resample → equal-weight roll-up of nan-means
        with np.errstate(invalid="ignore"):
            item_indexes = np.nanmean(points[indexes], axis=-2)
        return np.nanmean(np.stack([item_indexes[..., [c for c, _ in items]].mean(axis=-1)
                                    for _, items in dimensions], axis=-1), axis=-1)

    reference = stats.bootstrap((np.arange(218),), overall, method="percentile", n_resamples=9999,
                                vectorized=True, random_state=np.random.default_rng(1))
    width = reference.confidence_interval.high - reference.confidence_interval.low
    # both are Monte Carlo estimates of the same percentiles: agree to a few percent of the width
    assert document["overall"]["ci95"][0] == pytest.approx(reference.confidence_interval.low, abs=0.08 * width)
    assert document["overall"]["ci95"][1] == pytest.approx(reference.confidence_interval.high, abs=0.08 * width)

    def first_item(indexes, axis=-1):
        with np.errstate(invalid="ignore"):
            return np.nanmean(points[indexes, 0], axis=-1)

    item_reference = stats.bootstrap((np.arange(218),), first_item, method="percentile", n_resamples=9999,
                                     vectorized=True, random_state=np.random.default_rng(2))
    item = document["dimensions"][0]["items"][0]
    item_width = item_reference.confidence_interval.high - item_reference.confidence_interval.low
    assert item["ci95"][0] == pytest.approx(item_reference.confidence_interval.low, abs=0.08 * item_width)
    assert item["ci95"][1] == pytest.approx(item_reference.confidence_interval.high, abs=0.08 * item_width)


def test_finite_population_correction_scales_the_half_widths(questionnaire_2017):
    answers = random_answers(np.random.default_rng(3), 218, 12)
    without = satisfaction_document(questionnaire_2017, answers, population=Population(issued=None, submitted=218))
    with_fpc = satisfaction_document(questionnaire_2017, answers, population=Population(issued=300, submitted=218))
    assert with_fpc["ci_method"] == "bootstrap-percentile-fpc"
    correction = math.sqrt((300 - 218) / (300 - 1))
    for corrected, plain in [(with_fpc["overall"], without["overall"]),
                             (with_fpc["dimensions"][2], without["dimensions"][2]),
                             (with_fpc["dimensions"][2]["items"][1], without["dimensions"][2]["items"][1])]:
        # same seed, same resamples: each side shrinks by exactly √((N − n)/(N − 1))
        assert _half_widths(corrected) == pytest.approx(tuple(correction * h for h in _half_widths(plain)))


def test_a_census_has_no_sampling_error(questionnaire_2017):
    answers = random_answers(np.random.default_rng(4), 221, 12)
    document = satisfaction_document(questionnaire_2017, answers, population=Population(issued=221, submitted=221))
    assert document["overall"]["ci95"] == [document["overall"]["index"]] * 2


def test_bootstrap_is_reproducible_with_its_seed(questionnaire_2017):
    answers = random_answers(np.random.default_rng(5), 60, 12)
    population = Population(issued=80, submitted=60)
    first = satisfaction_document(questionnaire_2017, answers, population=population, seed=11)
    again = satisfaction_document(questionnaire_2017, answers, population=population, seed=11)
    other = satisfaction_document(questionnaire_2017, answers, population=population, seed=12)
    assert first["overall"]["ci95"] == again["overall"]["ci95"]
    assert first["overall"]["ci95"] != other["overall"]["ci95"]


def test_delta_method_for_one_item_is_the_textbook_interval():
    questionnaire = make_questionnaire([("A", 1, [("a1", 1)])])
    n, issued = BOOTSTRAP_MAX_RESPONSES + 1, 50_000
    answers = np.random.default_rng(6).choice([5.0, 4.0, 3.0, 2.0, 1.0], size=(n, 1))
    document = satisfaction_document(questionnaire, answers, population=Population(issued=issued, submitted=n))
    assert document["ci_method"] == "delta-fpc"
    points = (answers[:, 0] - 1) * 25
    # mean ± z·s/√n, s with ddof = 1, times √((N − n)/(N − 1))
    half = stats.norm.ppf(0.975) * points.std(ddof=1) / math.sqrt(n) * math.sqrt((issued - n) / (issued - 1))
    assert document["overall"]["index"] == pytest.approx(points.mean())
    assert document["overall"]["ci95"] == pytest.approx([points.mean() - half, points.mean() + half], rel=1e-9)


def test_delta_method_agrees_with_the_bootstrap_at_the_switch(questionnaire_2017):
    rng = np.random.default_rng(8)
    answers = random_answers(rng, BOOTSTRAP_MAX_RESPONSES + 1, 12)
    groups = rng.choice(["黄浦区", "徐汇区"], size=len(answers))
    population = Population(issued=None, submitted=len(answers))
    bootstrap = satisfaction_document(questionnaire_2017, answers[:-1], population=population, groups=groups[:-1])
    delta = satisfaction_document(questionnaire_2017, answers, population=population, groups=groups)
    assert (bootstrap["ci_method"], delta["ci_method"]) == ("bootstrap-percentile", "delta")
    pairs = [(bootstrap["overall"], delta["overall"])]
    pairs += list(zip(bootstrap["dimensions"], delta["dimensions"]))
    pairs += list(zip(bootstrap["dimensions"][0]["items"], delta["dimensions"][0]["items"]))
    pairs += list(zip(sorted(bootstrap["groups"]["rows"], key=lambda r: r["group"]),
                      sorted(delta["groups"]["rows"], key=lambda r: r["group"])))
    for from_bootstrap, from_delta in pairs:
        width = from_delta["ci95"][1] - from_delta["ci95"][0]
        assert from_bootstrap["ci95"][1] - from_bootstrap["ci95"][0] == pytest.approx(width, rel=0.08)


def test_group_interval_is_the_bootstrap_of_that_group_alone(questionnaire_2017):
    rng = np.random.default_rng(9)
    answers = random_answers(rng, 150, 12)
    groups = np.array(["黄浦区"] * 90 + ["徐汇区"] * 60)
    document = satisfaction_document(questionnaire_2017, answers, population=Population(
        issued=None, submitted=150, issued_by_group={"黄浦区": 100, "徐汇区": 60}), groups=groups)
    rows = {row["group"]: row for row in document["groups"]["rows"]}
    # 60 of 60 answered in 徐汇区: a census of that group, no sampling error
    assert rows["徐汇区"]["ci95"] == [rows["徐汇区"]["index"]] * 2
    points = points_matrix(answers[:90])

    def overall(indexes, axis=-1):
        with np.errstate(invalid="ignore"):
            item_indexes = np.nanmean(points[indexes], axis=-2)
        return np.nanmean(item_indexes.reshape(*item_indexes.shape[:-1], 6, 2).mean(axis=-1), axis=-1)

    reference = stats.bootstrap((np.arange(90),), overall, method="percentile", n_resamples=9999,
                                vectorized=True, random_state=np.random.default_rng(3)).confidence_interval
    correction = math.sqrt((100 - 90) / (100 - 1))
    index = rows["黄浦区"]["index"]
    expected = [index - correction * (index - reference.low), index + correction * (reference.high - index)]
    width = expected[1] - expected[0]
    assert rows["黄浦区"]["ci95"] == pytest.approx(expected, abs=0.08 * width)


def test_identical_answers_give_a_zero_width_interval(questionnaire_2017):
    answers = np.full((30, 12), 4.0)
    document = satisfaction_document(questionnaire_2017, answers, population=Population(issued=None, submitted=30))
    assert document["overall"] == {"index": 75.0, "ci95": [75.0, 75.0], "n": 30}
