"""Exact ties in the group test: float noise never splits a tie, relabelling the scale changes no test figure."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from analysis.ranks import ExactScores, tie_classes
from analysis.satisfaction import Population, satisfaction_document

from satisfaction_data import make_questionnaire, make_scale
from satisfaction_reference import exact_respondent_score

#: weights that make thirds, sevenths and halves: the scores where float noise splits ties
DIMENSIONS = [("A", 2, [("a1", 1), ("a2", 3)]), ("B", 1, [("b1", 1), ("b2", 2), ("b3", 3)]),
              ("C", 3, [("c1", 1), ("c2", 1), ("c3", 1)])]
REFERENCE_DIMENSIONS = [(Fraction(2), [(0, Fraction(1)), (1, Fraction(3))]),
                        (Fraction(1), [(2, Fraction(1)), (3, Fraction(2)), (4, Fraction(3))]),
                        (Fraction(3), [(5, Fraction(1)), (6, Fraction(1)), (7, Fraction(1))])]
ITEMS = 8
FIVE_POINT = make_questionnaire(DIMENSIONS)
SEVEN_POINT = make_questionnaire(DIMENSIONS, scale=make_scale([7, 6, 5, 4, 3, 2, 1]))

answer = st.sampled_from([5.0, 4.0, 3.0, 2.0, 1.0, 0.0, np.nan])
answer_matrices = st.integers(2, 40).flatmap(lambda n: arrays(np.float64, (n, ITEMS), elements=answer))


def _document(questionnaire, answers, groups, group_by="district"):
    return satisfaction_document(questionnaire, answers, groups=groups, group_by=group_by,
                                 respondent_ids=[f"centre-{i:03d}" for i in range(len(answers))],
                                 population=Population(issued=len(answers) + 5, submitted=len(answers)))


def _test_figures(document):
    test = document["groups"]["test"]
    return None if test is None else (test["statistic"], test["df"], test["p_value"], test["epsilon_squared"])


def test_two_floats_of_one_rational_are_one_tie():
    # 184/3 computed two ways: the floats differ in the last bit, the numbers do not
    scores = np.array([61.333333333333336, 61.33333333333333, 60.0, 61.5])
    assert scores[0] != scores[1]
    exact_scores = [Fraction(184, 3), Fraction(184, 3), Fraction(60), Fraction(123, 2)]
    classes = tie_classes(scores, exact_scores.__getitem__)
    assert classes.tolist() == [1, 1, 0, 2]


def test_near_floats_of_different_rationals_stay_apart_in_exact_order():
    # noise could even swap two close floats; the exact values decide
    scores = np.array([np.nextafter(50.0, 100.0), 50.0, np.nextafter(np.nextafter(50.0, 100.0), 100.0)])
    exact_scores = [Fraction(50), Fraction(50) + Fraction(1, 10 ** 12), Fraction(50)]
    assert tie_classes(scores, exact_scores.__getitem__).tolist() == [0, 1, 0]


def test_the_exact_score_of_a_row_follows_the_definition():
    exact = ExactScores.from_questionnaire(FIVE_POINT)
    # answers 5 4 | 3 blank N/A | 2 2 1 as states (options high→low, then N/A, then missing)
    states = np.array([0, 1, 2, 6, 5, 3, 3, 4])
    a = (Fraction(100) + 3 * Fraction(75)) / 4
    b = Fraction(50)
    c = (Fraction(25) * 2 + 0) / 3
    assert exact.score(states) == (2 * a + b + 3 * c) / 6
    assert exact.score(np.full(ITEMS, 5)) is None


@settings(max_examples=80, deadline=None)
@given(answers=answer_matrices, data=st.data())
def test_the_group_test_equals_scipy_on_exactly_computed_scores(answers, data):
    groups = data.draw(st.lists(st.sampled_from(["黄浦区", "徐汇区", "长宁区"]), min_size=len(answers),
                                max_size=len(answers)))
    document = _document(FIVE_POINT, answers, groups)
    points = {v: Fraction(25 * (v - 1)) for v in (1, 2, 3, 4, 5)}
    scores = [exact_respondent_score(row, REFERENCE_DIMENSIONS, points) for row in answers]
    samples = [[float(s) for s, g in zip(scores, groups) if g == label and s is not None]
               for label in ("黄浦区", "徐汇区", "长宁区")]
    samples = [sample for sample in samples if sample]
    pooled = [value for sample in samples for value in sample]
    if len(samples) < 2 or len(set(pooled)) < 2:
        assert document["groups"]["test"] is None
        return
    expected = stats.kruskal(*samples)
    statistic, df, p_value, epsilon_squared = _test_figures(document)
    assert statistic == pytest.approx(expected.statistic, rel=1e-9, abs=1e-12)
    assert p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-12)
    assert df == len(samples) - 1
    assert epsilon_squared == pytest.approx(expected.statistic / (len(pooled) - 1), rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(answers=answer_matrices, data=st.data())
def test_a_seven_point_copy_of_the_same_answers_gives_the_same_test(answers, data):
    groups = data.draw(st.lists(st.sampled_from("xyz"), min_size=len(answers), max_size=len(answers)))
    # every score is multiplied by 4/6 on the wider scale: ranks, H, p and ε² cannot change
    assert _test_figures(_document(SEVEN_POINT, answers, groups)) == _test_figures(
        _document(FIVE_POINT, answers, groups))


@settings(max_examples=60, deadline=None)
@given(answers=answer_matrices, data=st.data(),
       relabelling=st.sampled_from([(1, -1, 9), (2, 1, 0), (3, 10, 0), (1, 5, 0)]))
def test_a_linear_relabelling_of_the_scale_changes_no_figure(answers, data, relabelling):
    factor, shift, not_applicable = relabelling
    groups = data.draw(st.lists(st.sampled_from("xyz"), min_size=len(answers), max_size=len(answers)))
    relabelled_scale = make_scale([factor * v + shift for v in (5, 4, 3, 2, 1)], not_applicable)
    relabelled = np.where(np.isnan(answers) | (answers == 0), np.where(answers == 0, not_applicable, answers),
                          factor * answers + shift)
    original = _document(FIVE_POINT, answers, groups)
    moved = _document(make_questionnaire(DIMENSIONS, scale=relabelled_scale), relabelled, groups)
    assert _test_figures(moved) == _test_figures(original)
    for key in ("overall", "nonresponse_bounds", "counts", "highest", "lowest"):
        assert moved[key] == original[key]
    assert [d["index"] for d in moved["dimensions"]] == [d["index"] for d in original["dimensions"]]
    assert [d["ci95"] for d in moved["dimensions"]] == [d["ci95"] for d in original["dimensions"]]
    assert moved["groups"]["rows"] == original["groups"]["rows"]
