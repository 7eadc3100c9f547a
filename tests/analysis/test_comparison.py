"""Year-over-year comparison: the Mann–Whitney U test against scipy, respondent scores by hand, the change rows."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from analysis.comparison import compare_surveys, mann_whitney_u, respondent_scores
from analysis.questionnaire import parse_questionnaire

from satisfaction_data import make_questionnaire, make_scale, random_answers
from satisfaction_reference import exact_respondent_score

QUESTIONNAIRE = parse_questionnaire({
    "key": "q", "version": 1, "title": "t",
    "scale": {"key": "s", "options": [{"value": v, "label": str(v)} for v in (5, 4, 3, 2, 1)],
              "not_applicable": {"value": 0, "label": "不了解"}},
    "scoring": {"scheme": "linear"},
    "dimensions": [
        {"key": "a", "title": "A", "weight": 1,
         "items": [{"key": "q1", "text": "1"}, {"key": "q2", "text": "2", "weight": 3}]},
        {"key": "b", "title": "B", "weight": 2, "items": [{"key": "q3", "text": "3"}]},
    ],
})


@pytest.mark.parametrize("earlier, later", [
    ([1, 2, 3, 4, 5], [2, 3, 4, 5, 6, 7]),
    ([75, 75, 50, 100, 75, 62.5], [75, 87.5, 100, 100, 75]),
    ([10.0], [1.0, 2.0, 3.0]),
    (list(range(40)), list(range(20, 80, 2))),
])
def test_mann_whitney_matches_scipy(earlier, later):
    result = mann_whitney_u(np.array(earlier), np.array(later))
    reference = stats.mannwhitneyu(later, earlier, alternative="two-sided", method="asymptotic", use_continuity=True)
    assert result.statistic == pytest.approx(reference.statistic)
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert result.rank_biserial == pytest.approx(2 * reference.statistic / (len(earlier) * len(later)) - 1)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([0, 25, 50, 75, 100]), min_size=2, max_size=40),
       st.lists(st.sampled_from([0, 25, 50, 75, 100]), min_size=2, max_size=40))
def test_mann_whitney_with_heavy_ties_matches_scipy(earlier, later):
    result = mann_whitney_u(np.array(earlier, float), np.array(later, float))
    if len(set(earlier + later)) == 1:
        assert result is None
        return
    reference = stats.mannwhitneyu(later, earlier, alternative="two-sided", method="asymptotic")
    assert result.statistic == pytest.approx(reference.statistic)
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-9, abs=1e-12)


def test_mann_whitney_ignores_missing_scores_and_needs_both_samples():
    assert mann_whitney_u(np.array([np.nan]), np.array([1.0, 2.0])) is None
    with_nan = mann_whitney_u(np.array([1.0, np.nan, 3.0]), np.array([2.0, 4.0]))
    assert (with_nan.n_earlier, with_nan.n_later) == (2, 2)


def test_respondent_scores_are_the_estimator_on_one_row():
    answers = np.array([[5, 3, 1], [0, 4, np.nan], [np.nan, np.nan, np.nan]], dtype=float)
    scores = respondent_scores(QUESTIONNAIRE, answers)
    # row 0: a = (100·1 + 50·3)/4 = 62.5, b = 0, o = (62.5 + 2·0)/3; row 1: N/A and blank drop out
    np.testing.assert_allclose(scores.dimensions[0], [62.5, 0.0])
    assert scores.overall[0] == pytest.approx(62.5 / 3)
    assert scores.dimensions[1, 0] == 75.0 and np.isnan(scores.dimensions[1, 1]) and scores.overall[1] == 75.0
    assert np.isnan(scores.overall[2])
    assert scores.dimension_keys == ("a", "b")


def _document(overall, a, b):
    return {"survey": {"key": f"s{overall}"}, "overall": {"index": overall},
            "dimensions": [{"key": "a", "title": "A", "index": a}, {"key": "b", "title": "B", "index": b}]}


def test_comparison_rows_give_change_in_points_and_the_test():
    rng = np.random.default_rng(1)
    earlier = rng.choice([1, 2, 3, 4, 5], size=(120, 3), p=[.05, .1, .3, .35, .2]).astype(float)
    later = rng.choice([1, 2, 3, 4, 5], size=(110, 3), p=[.0, .05, .15, .4, .4]).astype(float)
    before, after = respondent_scores(QUESTIONNAIRE, earlier), respondent_scores(QUESTIONNAIRE, later)
    result = compare_surveys(_document(78.904, 80.0, 70.0), _document(81.646, 84.174, 70.0), before, after)
    assert result["overall"]["change_pp"] == 2.75  # 81.65 − 78.90, the printed figures
    first = result["dimensions"][0]
    assert first["key"] == "a" and first["change_pp"] == 4.17
    reference = stats.mannwhitneyu(after.dimensions[:, 0], before.dimensions[:, 0], method="asymptotic")
    assert first["p_value"] == pytest.approx(reference.pvalue) and first["significant"] is True
    assert result["test"] == "mann-whitney-u" and result["significance_level"] == 0.05


def test_dimensions_missing_from_the_earlier_survey_are_left_out():
    scores = respondent_scores(QUESTIONNAIRE, np.array([[5, 4, 3], [4, 4, 4]], float))
    earlier = _document(80, 80, 70)
    earlier["dimensions"] = earlier["dimensions"][:1]
    result = compare_surveys(earlier, _document(81, 82, 71), scores, scores)
    assert [row["key"] for row in result["dimensions"]] == ["a"]


THIRDS = [("A", 2, [("a1", 1), ("a2", 3)]), ("B", 1, [("b1", 1), ("b2", 2), ("b3", 3)]),
          ("C", 3, [("c1", 1), ("c2", 1), ("c3", 1)])]
THIRDS_REFERENCE = [(Fraction(2), [(0, Fraction(1)), (1, Fraction(3))]),
                    (Fraction(1), [(2, Fraction(1)), (3, Fraction(2)), (4, Fraction(3))]),
                    (Fraction(3), [(5, Fraction(1)), (6, Fraction(1)), (7, Fraction(1))])]
answer_rows = arrays(np.float64, st.tuples(st.integers(2, 30), st.just(8)),
                     elements=st.sampled_from([5.0, 4.0, 3.0, 2.0, 1.0, 0.0, np.nan]))


@settings(max_examples=60, deadline=None)
@given(earlier=answer_rows, later=answer_rows)
def test_the_overall_test_equals_scipy_on_exactly_computed_scores(earlier, later):
    # scores of thirds and sevenths tie exactly across the two surveys, however their floats came out
    questionnaire = make_questionnaire(THIRDS)
    points = {v: Fraction(25 * (v - 1)) for v in (1, 2, 3, 4, 5)}
    exact = [[exact_respondent_score(row, THIRDS_REFERENCE, points) for row in sample] for sample in (earlier, later)]
    samples = [[float(score) for score in scores if score is not None] for scores in exact]
    result = mann_whitney_u(*(respondent_scores(questionnaire, sample).overall for sample in (earlier, later)),
                            *(lambda r, s=respondent_scores(questionnaire, sample): s.exact(r, None)
                              for sample in (earlier, later)))
    if not samples[0] or not samples[1] or len(set(samples[0] + samples[1])) < 2:
        assert result is None
        return
    reference = stats.mannwhitneyu(samples[1], samples[0], alternative="two-sided", method="asymptotic",
                                   use_continuity=True)
    assert result.statistic == reference.statistic
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-9)


def test_a_seven_point_copy_of_both_surveys_changes_no_test():
    # every score is multiplied by 4/6 on the wider scale: the ranks, U and p cannot change
    rng = np.random.default_rng(61)
    earlier, later = random_answers(rng, 80, 8), random_answers(rng, 90, 8)
    five = make_questionnaire(THIRDS)
    seven = make_questionnaire(THIRDS, scale=make_scale([7, 6, 5, 4, 3, 2, 1]))

    def compared(questionnaire, first, second):
        documents = [{"survey": {}, "overall": {"index": 1.0}, "dimensions": [
            {"key": key, "title": key, "index": 1.0} for key, _, _ in THIRDS]}] * 2
        return compare_surveys(*documents, respondent_scores(questionnaire, first),
                               respondent_scores(questionnaire, second))

    assert compared(seven, earlier, later) == compared(five, earlier, later)
