"""Intervals against scipy's bootstrap, closed forms of the delta method, the finite-population correction, and a
seeded simulation of how often they cover the true value."""
import math

import numpy as np
import pytest
from scipy import stats

from analysis import satisfaction
from analysis.satisfaction import BOOTSTRAP_MAX_RESPONSES, Population, satisfaction_document

from satisfaction_data import make_questionnaire, random_answers
from satisfaction_reference import (equal_weight_dimensions, overall_from_item_indexes, points_matrix,
                                    respondent_score)


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


def _delta(monkeypatch):
    """The delta method at any size (it is the method above BOOTSTRAP_MAX_RESPONSES valid responses)."""
    monkeypatch.setattr(satisfaction, "BOOTSTRAP_MAX_RESPONSES", 0)


def test_delta_method_on_complete_answers_is_the_standard_error_of_the_mean_score(weighted_questionnaire,
                                                                                 monkeypatch):
    # with every item answered by everyone the overall index is the plain mean of the respondent scores o(r),
    # so its linearised interval is the textbook mean ± z·s/√n, s over o(r) with ddof 1 — a closed form
    _delta(monkeypatch)
    rng = np.random.default_rng(10)
    answers = random_answers(rng, 300, 3, na_share=0, missing_share=0)
    dimensions = [(2.0, [(0, 1.0), (1, 3.0)]), (1.0, [(2, 1.0)])]
    scores = np.array([respondent_score(row, dimensions) for row in points_matrix(answers)])
    for issued, correction in ((None, 1.0), (1000, math.sqrt((1000 - 300) / (1000 - 1)))):
        document = satisfaction_document(weighted_questionnaire, answers,
                                         population=Population(issued=issued, submitted=300))
        assert document["ci_method"] == ("delta" if issued is None else "delta-fpc")
        half = stats.norm.ppf(0.975) * stats.sem(scores) * correction
        assert document["overall"]["index"] == pytest.approx(scores.mean(), rel=1e-12)
        assert _half_widths(document["overall"]) == pytest.approx((half, half), rel=1e-9)


def test_delta_method_for_an_item_with_gaps_is_the_ratio_estimator_interval(weighted_questionnaire, monkeypatch):
    # an item answered by C of n respondents: its index is a ratio mean, whose linearised variance is
    # n/(n−1)·Σ over the answers of (p − Ī)² / C² (Cochran, Sampling Techniques, §6.3)
    _delta(monkeypatch)
    answers = random_answers(np.random.default_rng(11), 250, 3, na_share=0.1, missing_share=0.1)
    document = satisfaction_document(weighted_questionnaire, answers, population=Population(issued=None,
                                                                                            submitted=250))
    points = points_matrix(answers)[:, 1]
    answered = points[~np.isnan(points)]
    half = stats.norm.ppf(0.975) * math.sqrt(250 / 249 * ((answered - answered.mean()) ** 2).sum()) / len(answered)
    item = document["dimensions"][0]["items"][1]
    assert item["n"] == len(answered)
    assert _half_widths(item) == pytest.approx((half, half), rel=1e-9)


def _population(rng, size):
    """A population of centres answering the shared questionnaire, correlated as real answers are."""
    return random_answers(rng, size, 12)


def _true_overall(answers):
    with np.errstate(invalid="ignore"):
        item_indexes = np.nanmean(points_matrix(answers), axis=0)
    return overall_from_item_indexes(item_indexes, equal_weight_dimensions(12, 2))


def _coverage(questionnaire, population, sample_size, issued, repeats, seed):
    """Share of seeded samples (without replacement) whose 95 % interval holds the population's overall index."""
    rng = np.random.default_rng(seed)
    truth = _true_overall(population)
    covered = 0
    for _ in range(repeats):
        sample = population[rng.choice(len(population), size=sample_size, replace=False)]
        low, high = satisfaction_document(questionnaire, sample, population=Population(
            issued=issued, submitted=sample_size))["overall"]["ci95"]
        covered += low <= truth <= high
    return covered / repeats


# 500 repeats: a true coverage of 95 % lands in [0.92, 0.975] with probability above 0.998
@pytest.mark.parametrize(("population_size", "sample_size", "issued"), [
    (100_000, 200, None),      # a sample from a large population: no correction
    (600, 300, 600),           # half of a roster answered: without the correction coverage would be ~99.5 %
])
def test_delta_intervals_cover_the_true_value_95_percent_of_the_time(questionnaire_2017, monkeypatch,
                                                                     population_size, sample_size, issued):
    _delta(monkeypatch)
    population = _population(np.random.default_rng(12), population_size)
    coverage = _coverage(questionnaire_2017, population, sample_size, issued, repeats=500, seed=13)
    assert 0.92 <= coverage <= 0.975


# 200 repeats (the bootstrap costs more): a true 95 % lands in [0.90, 0.985] with probability above 0.998
@pytest.mark.parametrize(("population_size", "sample_size", "issued"), [(100_000, 150, None), (400, 200, 400)])
def test_bootstrap_intervals_cover_the_true_value_95_percent_of_the_time(questionnaire_2017, population_size,
                                                                         sample_size, issued):
    population = _population(np.random.default_rng(14), population_size)
    coverage = _coverage(questionnaire_2017, population, sample_size, issued, repeats=200, seed=15)
    assert 0.90 <= coverage <= 0.985


def test_without_the_correction_a_half_census_interval_would_be_too_wide(questionnaire_2017, monkeypatch):
    # the same samples as above, declared as from an unknown population: far too many intervals cover
    _delta(monkeypatch)
    population = _population(np.random.default_rng(12), 600)
    assert _coverage(questionnaire_2017, population, 300, None, repeats=500, seed=13) > 0.98
