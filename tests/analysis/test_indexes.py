"""Answer coding and the item → dimension → overall roll-up, against the spec's formulas written out by hand."""
import numpy as np
import pytest

from analysis.indexes import AnswerCoding, IndexTree

from satisfaction_data import make_questionnaire


@pytest.fixture
def coding(weighted_questionnaire):
    return AnswerCoding.from_questionnaire(weighted_questionnaire)


def test_states_are_options_high_to_low_then_na_then_missing(coding):
    states = coding.states(np.array([[5.0, 1.0, 0.0], [np.nan, 3.0, 4.0]]))
    assert states.tolist() == [[0, 4, 5], [6, 2, 1]]
    assert coding.points_by_state.tolist() == [100.0, 75.0, 50.0, 25.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("value", [6.0, -1.0, 2.5])
def test_a_value_off_the_scale_is_refused_with_its_place(coding, value):
    with pytest.raises(ValueError, match=r"1 value\(s\) not on the scale .* first at row 1, column 2"):
        coding.states(np.array([[5.0, 4.0, 3.0], [5.0, 4.0, value]]))


def test_distribution_counts_every_state(coding):
    states = coding.states(np.array([[5.0, 0.0, np.nan], [5.0, 4.0, np.nan]]))
    assert coding.distribution_dict(coding.distribution(states)[0]) == {
        "5": 2, "4": 0, "3": 0, "2": 0, "1": 0, "na": 0, "missing": 0}
    assert coding.distribution_dict(coding.distribution(states).sum(axis=0)) == {
        "5": 2, "4": 1, "3": 0, "2": 0, "1": 0, "na": 1, "missing": 2}


def test_roll_up_weights_items_then_dimensions_over_what_is_defined(weighted_questionnaire):
    tree = IndexTree.from_questionnaire(weighted_questionnaire)
    # a1 = 80, a2 = 40 (weights 1, 3) → A = (80 + 120) / 4 = 50; b1 undefined → B undefined → overall = A
    items, dimensions, overall = tree.indexes(np.array([160.0, 80.0, 0.0]), np.array([2.0, 2.0, 0.0]))
    assert items[:2].tolist() == [80.0, 40.0] and np.isnan(items[2])
    assert dimensions[0] == 50.0 and np.isnan(dimensions[1])
    assert overall == 50.0
    # with b1 = 90: overall = (2 · 50 + 1 · 90) / 3
    _, _, overall = tree.indexes(np.array([160.0, 80.0, 90.0]), np.array([2.0, 2.0, 1.0]))
    assert overall == pytest.approx(190 / 3)


def test_coefficients_turn_item_indexes_into_every_target(weighted_questionnaire):
    tree = IndexTree.from_questionnaire(weighted_questionnaire)
    item_indexes = np.array([80.0, 40.0, 90.0])
    targets = item_indexes @ tree.coefficients(np.array([True, True, True]))
    items, dimensions, overall = tree.indexes(item_indexes, np.ones(3))
    assert targets == pytest.approx(np.concatenate([items, dimensions, [overall]]))


def test_an_unweighted_questionnaire_is_the_mean_of_means():
    tree = IndexTree.from_questionnaire(make_questionnaire([("A", 1, [("a1", 1), ("a2", 1)]),
                                                            ("B", 1, [("b1", 1)])]))
    _, _, overall = tree.indexes(np.array([100.0, 50.0, 25.0]), np.ones(3))
    assert overall == pytest.approx(((100 + 50) / 2 + 25) / 2)
