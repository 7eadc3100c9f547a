"""Properties over generated answer matrices (hypothesis)."""
from datetime import datetime, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from analysis.satisfaction import Population, satisfaction_document

from satisfaction_data import make_questionnaire

GENERATED_AT = datetime(2018, 6, 20, 2, tzinfo=timezone.utc)
QUESTIONNAIRE = make_questionnaire([("A", 2, [("a1", 1), ("a2", 3)]), ("B", 1, [("b1", 1), ("b2", 2)])])
EQUAL_WEIGHTS = make_questionnaire([("A", 1, [("a1", 1), ("a2", 1)]), ("B", 1, [("b1", 1), ("b2", 1)])])

answer = st.sampled_from([5.0, 4.0, 3.0, 2.0, 1.0, 0.0, np.nan])
answer_matrices = st.integers(0, 25).flatmap(lambda n: arrays(np.float64, (n, 4), elements=answer))


def _indexes(document):
    yield document["overall"]["index"]
    for dimension in document["dimensions"]:
        yield dimension["index"]
        yield dimension["top2_share"]
        for item in dimension["items"]:
            yield item["index"]
            yield item["top2_share"]
    for row in document["groups"]["rows"]:
        yield row["index"]
    if document["nonresponse_bounds"]:
        yield document["nonresponse_bounds"]["lower"]
        yield document["nonresponse_bounds"]["upper"]


@settings(max_examples=60, deadline=None)
@given(answers=answer_matrices, data=st.data())
def test_indexes_and_intervals_lie_on_0_to_100(answers, data):
    groups = data.draw(st.lists(st.sampled_from("xyz"), min_size=len(answers), max_size=len(answers)))
    document = satisfaction_document(QUESTIONNAIRE, answers, groups=groups, generated_at=GENERATED_AT,
                                     population=Population(issued=len(answers) + 3, submitted=len(answers)))
    for value in _indexes(document):
        assert value is None or 0.0 <= value <= 100.0
    intervals = [document["overall"]["ci95"]] + [d["ci95"] for d in document["dimensions"]]
    for interval in intervals:
        assert interval is None or 0.0 <= interval[0] <= interval[1] <= 100.0


@settings(max_examples=40, deadline=None)
@given(answers=answer_matrices, data=st.data())
def test_reordering_respondents_changes_nothing(answers, data):
    n = len(answers)
    groups = data.draw(st.lists(st.sampled_from(["黄浦区", "徐汇区"]), min_size=n, max_size=n))
    ids = [f"centre-{i}" for i in range(n)]
    order = data.draw(st.permutations(range(n)))
    population = Population(issued=n + 2, submitted=n)
    document = satisfaction_document(QUESTIONNAIRE, answers, groups=groups, respondent_ids=ids,
                                     population=population, generated_at=GENERATED_AT)
    reordered = satisfaction_document(QUESTIONNAIRE, answers[list(order)], groups=[groups[i] for i in order],
                                      respondent_ids=[ids[i] for i in order], population=population,
                                      generated_at=GENERATED_AT)
    assert reordered == document


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 30), st.just(4)), elements=st.sampled_from([1.0, 2.0, 3.0,
                                                                                                 4.0, 5.0])))
def test_linear_scheme_with_equal_weights_is_25_times_mean_minus_1(answers):
    document = satisfaction_document(EQUAL_WEIGHTS, answers, population=Population(issued=None, submitted=len(answers)),
                                     generated_at=GENERATED_AT)
    assert document["overall"]["index"] == pytest.approx(25 * (answers.mean() - 1), abs=1e-9)


def _overall_figures(document):
    """Everything in the document but the group rows and test: what no grouping may change."""
    return {key: value for key, value in document.items() if key != "groups"}


@settings(max_examples=40, deadline=None)
@given(answers=answer_matrices, data=st.data())
def test_the_grouping_changes_only_the_groups(answers, data):
    n = len(answers)
    ids = [f"centre-{i}" for i in range(n)]
    by_district = data.draw(st.lists(st.sampled_from(["黄浦区", "徐汇区", "长宁区"]), min_size=n, max_size=n))
    by_kind = data.draw(st.lists(st.sampled_from(["街道", "镇", ""]), min_size=n, max_size=n))
    population = Population(issued=n + 4, submitted=n)
    documents = [satisfaction_document(QUESTIONNAIRE, answers, groups=groups, group_by=group_by,
                                       respondent_ids=ids, population=population, generated_at=GENERATED_AT)
                 for groups, group_by in ((by_district, "district"), (by_kind, "kind"), (None, None))]
    assert _overall_figures(documents[0]) == _overall_figures(documents[1]) == _overall_figures(documents[2])
