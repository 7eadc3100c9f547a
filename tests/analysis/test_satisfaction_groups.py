"""Group rows and the Kruskal–Wallis test against scipy.stats.kruskal over independently computed o(r)."""
import numpy as np
import pytest
from scipy import stats

from analysis.satisfaction import Population, satisfaction_document

from satisfaction_data import make_questionnaire, random_answers
from satisfaction_reference import equal_weight_dimensions, overall_from_item_indexes, points_matrix, respondent_score

DISTRICTS = ["黄浦区", "徐汇区", "长宁区", "静安区"]


@pytest.fixture
def grouped(questionnaire_2017):
    rng = np.random.default_rng(31)
    answers = random_answers(rng, 120, 12)
    answers[:30] = np.where(np.isnan(answers[:30]) | (answers[:30] == 0), answers[:30],
                            np.clip(answers[:30] - 1, 1, 5))      # 黄浦区 answers a notch lower
    groups = np.array([DISTRICTS[0]] * 30 + list(rng.choice(DISTRICTS[1:], size=90)))
    population = Population(issued=140, submitted=125,
                            issued_by_group={"黄浦区": 32, "徐汇区": 35, "长宁区": 35, "静安区": 33, "崇明区": 5},
                            submitted_by_group={"黄浦区": 31, "崇明区": 1})
    document = satisfaction_document(questionnaire_2017, answers, population=population, groups=groups,
                                     group_by="district")
    return document, answers, groups


def test_kruskal_wallis_matches_scipy_over_respondent_scores(grouped):
    document, answers, groups = grouped
    dimensions = equal_weight_dimensions(12, 2)
    scores = np.array([respondent_score(row, dimensions) for row in points_matrix(answers)])
    samples = [scores[(groups == label) & ~np.isnan(scores)] for label in DISTRICTS]
    expected = stats.kruskal(*samples)
    test = document["groups"]["test"]
    assert test["name"] == "kruskal-wallis"
    assert test["statistic"] == pytest.approx(expected.statistic, rel=1e-12)
    assert test["p_value"] == pytest.approx(expected.pvalue, rel=1e-9)
    assert test["df"] == 3
    n = sum(len(s) for s in samples)
    assert test["epsilon_squared"] == pytest.approx(expected.statistic / (n - 1), rel=1e-12)


def test_group_rows_hold_the_overall_estimator_of_each_group(grouped):
    document, answers, groups = grouped
    dimensions = equal_weight_dimensions(12, 2)
    rows = {row["group"]: row for row in document["groups"]["rows"]}
    for label in DISTRICTS:
        with np.errstate(invalid="ignore"):
            item_indexes = np.nanmean(points_matrix(answers[groups == label]), axis=0)
        assert rows[label]["index"] == pytest.approx(overall_from_item_indexes(item_indexes, dimensions))
        assert rows[label]["valid"] == int((groups == label).sum())


def test_group_rows_keep_the_roster_order_with_integer_counts(grouped):
    document, _, _ = grouped
    rows = document["groups"]["rows"]
    assert document["groups"]["by"] == "district"
    assert [row["group"] for row in rows] == ["黄浦区", "徐汇区", "长宁区", "静安区", "崇明区"]
    # 崇明区 was issued 5 invitations and sent 1 response that was not valid: a row without an index
    assert rows[-1] == {"group": "崇明区", "issued": 5, "submitted": 1, "valid": 0, "valid_rate": 0.0,
                        "index": None, "ci95": None, "n": 0}
    huangpu = rows[0]
    assert (huangpu["issued"], huangpu["submitted"], huangpu["valid"]) == (32, 31, 30)
    assert huangpu["valid_rate"] == pytest.approx(30 / 32)
    # 徐汇区 has no submitted count given: 0, an integer, never null
    assert all(isinstance(row[key], int) for row in rows for key in ("issued", "submitted", "valid", "n"))


def test_a_blank_grouping_value_is_one_group_labelled_empty(questionnaire_2017):
    answers = random_answers(np.random.default_rng(34), 9, 12)
    population = Population(issued=12, submitted=9, issued_by_group={"黄浦区": 6, "": 6},
                            submitted_by_group={"黄浦区": 5, "": 4})
    document = satisfaction_document(questionnaire_2017, answers, population=population,
                                     groups=["黄浦区"] * 5 + [None, "", None, ""], group_by="district")
    assert [(row["group"], row["valid"]) for row in document["groups"]["rows"]] == [("黄浦区", 5), ("", 4)]


def test_a_single_group_has_a_row_but_no_test(questionnaire_2017):
    answers = random_answers(np.random.default_rng(32), 20, 12)
    document = satisfaction_document(questionnaire_2017, answers, population=Population(issued=None, submitted=20),
                                     groups=["黄浦区"] * 20, group_by="district")
    assert [row["group"] for row in document["groups"]["rows"]] == ["黄浦区"]
    assert document["groups"]["rows"][0]["index"] == pytest.approx(document["overall"]["index"])
    assert document["groups"]["test"] is None


def test_identical_scores_in_every_group_leave_the_test_null():
    questionnaire = make_questionnaire([("A", 1, [("a1", 1)])])
    document = satisfaction_document(questionnaire, np.full((6, 1), 4.0), groups=list("aabbcc"),
                                     population=Population(issued=None, submitted=6))
    assert document["groups"]["test"] is None


def test_without_groups_the_groups_key_is_null(questionnaire_2017):
    answers = random_answers(np.random.default_rng(33), 20, 12)
    document = satisfaction_document(questionnaire_2017, answers, population=Population(issued=None, submitted=20))
    assert document["groups"] is None


def test_group_labels_must_match_the_rows(questionnaire_2017):
    with pytest.raises(ValueError, match="groups"):
        satisfaction_document(questionnaire_2017, np.full((3, 12), 4.0), groups=["黄浦区"],
                              population=Population(issued=None, submitted=3))


def test_a_tiny_group_has_no_interval_and_a_census_group_no_sampling_error(questionnaire_2017):
    answers = random_answers(np.random.default_rng(35), 41, 12)
    groups = ["黄浦区"] * 30 + ["崇明区"] + ["徐汇区"] * 10
    population = Population(issued=60, submitted=41, issued_by_group={"黄浦区": 45, "崇明区": 5, "徐汇区": 10},
                            submitted_by_group={"黄浦区": 30, "崇明区": 1, "徐汇区": 10})
    rows = {row["group"]: row for row in satisfaction_document(
        questionnaire_2017, answers, population=population, groups=groups, group_by="district")["groups"]["rows"]}
    # one respondent: an index, but no interval to speak of
    assert rows["崇明区"]["index"] is not None and rows["崇明区"]["ci95"] is None and rows["崇明区"]["n"] == 1
    # all 10 of 10 answered: the group's figure is exact
    assert rows["徐汇区"]["ci95"] == [rows["徐汇区"]["index"]] * 2
    low, high = rows["黄浦区"]["ci95"]
    assert low < rows["黄浦区"]["index"] < high
