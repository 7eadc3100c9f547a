"""Point estimators against hand-computed values (the arithmetic is written out next to each figure)."""
import math

import numpy as np
import pytest

from analysis.satisfaction import Population, answer_distribution, satisfaction_document

from satisfaction_data import make_questionnaire

NAN = np.nan

# r1: a1=5, a2=4, b1=3 · r2: a1=4, a2=N/A, b1=blank · r3: a1=blank, a2=2, b1=5
SMALL = np.array([[5, 4, 3], [4, 0, NAN], [NAN, 2, 5]], dtype=float)


@pytest.fixture
def small_document(weighted_questionnaire):
    return satisfaction_document(weighted_questionnaire, SMALL, population=Population(issued=5, submitted=4))


def test_item_indexes_average_the_defined_points(small_document):
    a1, a2 = small_document["dimensions"][0]["items"]
    (b1,) = small_document["dimensions"][1]["items"]
    # linear: 5→100, 4→75, 3→50, 2→25, 1→0; N/A and blank are left out
    assert a1["index"] == pytest.approx((100 + 75) / 2)        # 87.5, n = 2
    assert a2["index"] == pytest.approx((75 + 25) / 2)         # 50.0, n = 2 (r2 said N/A)
    assert b1["index"] == pytest.approx((50 + 100) / 2)        # 75.0, n = 2 (r2 left it blank)
    assert [a1["n"], a2["n"], b1["n"]] == [2, 2, 2]


def test_dimension_and_overall_indexes_use_item_and_dimension_weights(small_document):
    dimension_a, dimension_b = small_document["dimensions"]
    # D_A = (1·87.5 + 3·50) / (1 + 3) = 237.5 / 4 = 59.375; D_B = 75
    assert dimension_a["index"] == pytest.approx(59.375)
    assert dimension_b["index"] == pytest.approx(75.0)
    # O = (2·59.375 + 1·75) / 3 = 193.75 / 3 = 64.58333…
    assert small_document["overall"]["index"] == pytest.approx(193.75 / 3)
    assert dimension_a["delta_pp"] == pytest.approx(59.375 - 193.75 / 3)
    # respondents with a dimension score: A all three, B only r1 and r3
    assert (dimension_a["n"], dimension_b["n"], small_document["overall"]["n"]) == (3, 2, 3)


def test_top2_share_of_items_and_dimensions(small_document):
    dimension_a, dimension_b = small_document["dimensions"]
    a1, a2 = dimension_a["items"]
    # a1: 5 and 4 are both top-2 → 100 %; a2: 4 yes, 2 no → 50 %; b1: 3 no, 5 yes → 50 %
    assert (a1["top2_share"], a2["top2_share"]) == (100.0, 50.0)
    assert dimension_a["top2_share"] == pytest.approx((1 * 100 + 3 * 50) / 4)   # 62.5
    assert dimension_b["top2_share"] == pytest.approx(50.0)


def test_distributions_count_options_na_and_blanks(small_document, weighted_questionnaire):
    a2 = small_document["dimensions"][0]["items"][1]
    assert a2["distribution"] == {"5": 0, "4": 1, "3": 0, "2": 1, "1": 0, "na": 1, "missing": 0}
    # over all items: 5 twice (a1 r1, b1 r3), 4 twice, 3 once, 2 once, one N/A, two blanks
    overall = {"5": 2, "4": 2, "3": 1, "2": 1, "1": 0, "na": 1, "missing": 2}
    assert small_document["distribution"] == overall
    assert answer_distribution(weighted_questionnaire, SMALL) == overall


def test_counts_and_rates(small_document):
    assert small_document["counts"] == {"issued": 5, "submitted": 4, "valid": 3, "invalid": 1,
                                        "return_rate": 4 / 5, "valid_rate": 3 / 5}


def test_nonresponse_bounds_add_the_missing_units_at_the_extremes(small_document):
    bounds = small_document["nonresponse_bounds"]
    assert bounds["missing_units"] == 2          # 5 issued − 3 valid
    # lower: a1 (175 + 2·0)/4 = 43.75, a2 100/4 = 25, b1 150/4 = 37.5
    #        D_A = (43.75 + 3·25)/4 = 29.6875, D_B = 37.5, O = (2·29.6875 + 37.5)/3 = 32.291666…
    assert bounds["lower"] == pytest.approx((2 * 29.6875 + 37.5) / 3)
    # upper: a1 (175 + 200)/4 = 93.75, a2 300/4 = 75, b1 350/4 = 87.5
    #        D_A = (93.75 + 225)/4 = 79.6875, D_B = 87.5, O = (2·79.6875 + 87.5)/3 = 82.291666…
    assert bounds["upper"] == pytest.approx((2 * 79.6875 + 87.5) / 3)


def test_highest_and_lowest_dimension(small_document):
    overall = 193.75 / 3
    assert small_document["highest"] == {"key": "B", "index": 75.0, "delta_pp": pytest.approx(75.0 - overall)}
    assert small_document["lowest"]["key"] == "A"


def test_points_scheme_uses_the_explicit_map():
    # National Bureau of Statistics scale: 5→100, 4→80, 3→60, 2→30, 1→0
    questionnaire = make_questionnaire([("A", 1, [("a1", 1), ("a2", 1)])],
                                       scoring={"scheme": "points", "points": {5: 100, 4: 80, 3: 60, 2: 30, 1: 0}})
    answers = np.array([[5, 2], [4, 3], [1, 4]], dtype=float)
    document = satisfaction_document(questionnaire, answers, population=Population(issued=None, submitted=3))
    # a1 = (100 + 80 + 0)/3 = 60; a2 = (30 + 60 + 80)/3 = 56.666…; A = O = (60 + 56.666…)/2 = 58.333…
    assert document["dimensions"][0]["items"][0]["index"] == pytest.approx(60.0)
    assert document["dimensions"][0]["items"][1]["index"] == pytest.approx(170 / 3)
    assert document["overall"]["index"] == pytest.approx((60 + 170 / 3) / 2)
    assert document["scoring"]["points"] == {"5": 100, "4": 80, "3": 60, "2": 30, "1": 0}


def test_top_box_scheme_gives_the_share_of_satisfied_answers():
    questionnaire = make_questionnaire([("A", 1, [("a1", 1)])], scoring={"scheme": "top_box", "top": 3})
    answers = np.array([[5], [3], [2], [1], [0]], dtype=float)
    document = satisfaction_document(questionnaire, answers, population=Population(issued=None, submitted=5))
    # top 3 = {5, 4, 3}: 2 of the 4 defined answers (N/A excluded) → 50 %
    assert document["overall"]["index"] == pytest.approx(50.0)
    assert document["scoring"] == {"scheme": "top_box", "points": {"5": 100, "4": 100, "3": 100, "2": 0, "1": 0},
                                   "not_applicable": 0, "top": 3}


def test_an_item_answered_only_with_na_has_no_index_and_drops_out_of_its_dimension():
    questionnaire = make_questionnaire([("A", 1, [("a1", 1), ("a2", 1)]), ("B", 1, [("b1", 1)])])
    answers = np.array([[5, 0, 3], [4, 0, 3], [3, 0, 1]], dtype=float)
    document = satisfaction_document(questionnaire, answers, population=Population(issued=None, submitted=3))
    a1, a2 = document["dimensions"][0]["items"]
    assert (a2["index"], a2["n"], a2["ci95"], a2["top2_share"]) == (None, 0, None, None)
    assert a2["distribution"]["na"] == 3
    # A = a1 = (100 + 75 + 50)/3 = 75; B = (50 + 50 + 0)/3 = 33.33…; O = (75 + 33.33…)/2
    assert document["dimensions"][0]["index"] == pytest.approx(75.0)
    assert document["overall"]["index"] == pytest.approx((75 + 100 / 3) / 2)


def test_a_dimension_with_one_item_equals_its_item():
    questionnaire = make_questionnaire([("A", 1, [("a1", 2)]), ("B", 3, [("b1", 1), ("b2", 1)])])
    answers = np.array([[5, 1, 2], [3, 2, 2]], dtype=float)
    document = satisfaction_document(questionnaire, answers, population=Population(issued=None, submitted=2))
    dimension_a = document["dimensions"][0]
    assert dimension_a["index"] == dimension_a["items"][0]["index"] == pytest.approx(75.0)
    # A = a1 = (100 + 50)/2 = 75; b1 = (0 + 25)/2 = 12.5, b2 = 25 → B = 18.75; O = (1·75 + 3·18.75)/4 = 32.8125
    assert document["overall"]["index"] == pytest.approx(32.8125)


def test_no_valid_response_gives_a_document_with_null_indexes(questionnaire_2017):
    document = satisfaction_document(questionnaire_2017, np.empty((0, 12)),
                                     population=Population(issued=221, submitted=3,
                                                           issued_by_group={"黄浦区": 10}),
                                     groups=[], group_by="district")
    assert document["overall"] == {"index": None, "ci95": None, "n": 0}
    assert all(d["index"] is None and d["delta_pp"] is None for d in document["dimensions"])
    assert (document["highest"], document["lowest"], document["reliability"]) == (None, None, None)
    assert document["counts"]["valid"] == 0 and document["counts"]["invalid"] == 3
    # every one of the 221 units could still have answered anything: 0 … 100
    assert document["nonresponse_bounds"] == {"missing_units": 221, "lower": 0.0, "upper": 100.0}
    assert document["groups"]["rows"] == [{"group": "黄浦区", "issued": 10, "submitted": 0, "valid": 0,
                                           "valid_rate": 0.0, "index": None, "ci95": None, "n": 0}]
    assert document["groups"]["test"] is None
    assert document["indicator"]["score"] is None


def test_one_respondent_has_indexes_but_no_intervals(questionnaire_2017):
    answers = np.array([[5, 4, 4, 3, 5, 5, 4, 4, 3, 3, 4, 5]], dtype=float)
    document = satisfaction_document(questionnaire_2017, answers, population=Population(issued=221, submitted=1))
    # 12 items, linear points: (100+75+75+50+100+100+75+75+50+50+75+100)/12 = 925/12, equal weights
    assert document["overall"]["index"] == pytest.approx(925 / 12)
    assert document["overall"]["ci95"] is None
    assert document["reliability"] is None


def test_unknown_answer_values_are_rejected(weighted_questionnaire):
    with pytest.raises(ValueError, match="not on the scale"):
        satisfaction_document(weighted_questionnaire, np.array([[5, 7, 3]], dtype=float),
                              population=Population(issued=None, submitted=1))
    with pytest.raises(ValueError, match="not on the scale"):
        satisfaction_document(weighted_questionnaire, np.array([[4.5, 4, 3]]),
                              population=Population(issued=None, submitted=1))


def test_answers_must_have_one_column_per_item(weighted_questionnaire):
    with pytest.raises(ValueError, match="one column per Likert item"):
        satisfaction_document(weighted_questionnaire, np.ones((2, 4)), population=Population(issued=None, submitted=2))


def test_more_valid_responses_than_submitted_is_an_error(weighted_questionnaire):
    with pytest.raises(ValueError, match="submitted"):
        satisfaction_document(weighted_questionnaire, SMALL, population=Population(issued=5, submitted=2))


def test_unknown_population_leaves_rates_and_bounds_null(weighted_questionnaire):
    document = satisfaction_document(weighted_questionnaire, SMALL, population=Population(issued=None, submitted=3))
    assert document["counts"]["return_rate"] is None and document["counts"]["valid_rate"] is None
    assert document["nonresponse_bounds"] is None
    assert document["ci_method"] == "bootstrap-percentile"
    assert math.isclose(document["overall"]["index"], 193.75 / 3)
