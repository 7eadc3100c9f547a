"""The document's keys follow ``docs/satisfaction-json.md`` key for key, and it is plain JSON."""
import json
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from analysis.satisfaction import Population, satisfaction_document

from satisfaction_data import make_questionnaire, random_answers

# the spec's keys, written out; the additions of this implementation are listed apart
DOCUMENT_KEYS = {"schema", "survey", "generated_at", "snapshot", "scoring", "counts", "ci_method", "overall",
                 "dimensions", "nonresponse_bounds", "highest", "lowest", "reliability", "groups", "indicator"}
ADDED_DOCUMENT_KEYS = {"distribution"}
SURVEY_KEYS = {"key", "title", "year", "questionnaire_version", "status"}
SCORING_KEYS = {"scheme", "points", "not_applicable"}
ADDED_SCORING_KEYS = {"top"}
COUNTS_KEYS = {"issued", "submitted", "valid", "invalid", "return_rate", "valid_rate"}
OVERALL_KEYS = {"index", "ci95", "n"}
DIMENSION_KEYS = {"key", "title", "weight", "index", "ci95", "n", "delta_pp", "top2_share", "items"}
ADDED_DIMENSION_KEYS = {"title_en"}
ITEM_KEYS = {"key", "text", "weight", "index", "ci95", "n", "top2_share", "distribution"}
ADDED_ITEM_KEYS = {"text_en"}
DISTRIBUTION_KEYS = {"5", "4", "3", "2", "1", "na", "missing"}
BOUNDS_KEYS = {"missing_units", "lower", "upper"}
EXTREME_KEYS = {"key", "index", "delta_pp"}
RELIABILITY_KEYS = {"cronbach_alpha", "n_complete", "alpha_if_deleted", "item_total_r"}
ADDED_RELIABILITY_KEYS = {"warnings"}
GROUPS_KEYS = {"by", "rows", "test"}
GROUP_ROW_KEYS = {"group", "issued", "submitted", "valid", "valid_rate", "index", "ci95"}
ADDED_GROUP_ROW_KEYS = {"n"}
TEST_KEYS = {"name", "statistic", "df", "p_value", "epsilon_squared"}
INDICATOR_KEYS = {"code", "name", "weight", "index", "score"}


@pytest.fixture
def full_document(questionnaire_2017):
    rng = np.random.default_rng(41)
    answers = random_answers(rng, 218, 12)
    groups = rng.choice(["黄浦区", "徐汇区", "长宁区"], size=218)
    return satisfaction_document(questionnaire_2017, answers, population=Population(
        issued=221, submitted=220, issued_by_group={"黄浦区": 80, "徐汇区": 70, "长宁区": 71}),
        groups=groups, group_by="district", generated_at=datetime(2018, 6, 20, 10, tzinfo=timezone(timedelta(hours=8))))


def test_document_has_the_spec_keys(full_document):
    document = full_document
    assert set(document) == DOCUMENT_KEYS | ADDED_DOCUMENT_KEYS
    assert document["schema"] == "satisfaction/v1"
    assert set(document["survey"]) == SURVEY_KEYS
    assert set(document["scoring"]) == SCORING_KEYS | ADDED_SCORING_KEYS
    assert set(document["counts"]) == COUNTS_KEYS
    assert set(document["overall"]) == OVERALL_KEYS
    assert set(document["distribution"]) == DISTRIBUTION_KEYS
    for dimension in document["dimensions"]:
        assert set(dimension) == DIMENSION_KEYS | ADDED_DIMENSION_KEYS
        for item in dimension["items"]:
            assert set(item) == ITEM_KEYS | ADDED_ITEM_KEYS
            assert set(item["distribution"]) == DISTRIBUTION_KEYS
    assert set(document["nonresponse_bounds"]) == BOUNDS_KEYS
    assert set(document["highest"]) == set(document["lowest"]) == EXTREME_KEYS
    assert set(document["reliability"]) == RELIABILITY_KEYS | ADDED_RELIABILITY_KEYS
    assert set(document["groups"]) == GROUPS_KEYS
    for row in document["groups"]["rows"]:
        assert set(row) == GROUP_ROW_KEYS | ADDED_GROUP_ROW_KEYS
    assert set(document["groups"]["test"]) == TEST_KEYS
    assert set(document["indicator"]) == INDICATOR_KEYS


def test_dimensions_and_items_keep_questionnaire_order(full_document, questionnaire_2017):
    assert [d["key"] for d in full_document["dimensions"]] == [d.key for d in questionnaire_2017.dimensions]
    assert [i["key"] for d in full_document["dimensions"] for i in d["items"]] == \
        [item.key for item in questionnaire_2017.items]


def test_document_is_plain_json(full_document):
    text = json.dumps(full_document, allow_nan=False, ensure_ascii=False)
    assert json.loads(text) == full_document

    def plain(value):
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return value is None or type(value) in (str, int, float, bool)

    assert plain(full_document)


def test_snapshot_is_a_sha256_that_follows_the_data(questionnaire_2017):
    answers = random_answers(np.random.default_rng(42), 30, 12)
    population = Population(issued=None, submitted=30)
    snapshot = satisfaction_document(questionnaire_2017, answers, population=population)["snapshot"]
    assert snapshot.startswith("sha256:") and len(snapshot) == len("sha256:") + 64
    assert satisfaction_document(questionnaire_2017, answers.copy(), population=population)["snapshot"] == snapshot
    changed = answers.copy()
    changed[0, 0] = 1.0 if changed[0, 0] != 1.0 else 2.0
    assert satisfaction_document(questionnaire_2017, changed, population=population)["snapshot"] != snapshot
    ids = [f"310101{i:03d}" for i in range(30)]
    with_ids = satisfaction_document(questionnaire_2017, answers, population=population, respondent_ids=ids)
    assert with_ids["snapshot"] != snapshot
    other_scoring = make_questionnaire([(d.key, d.weight, [(i.key, i.weight) for i in d.items])
                                        for d in questionnaire_2017.dimensions], scoring={"scheme": "top_box"})
    assert satisfaction_document(other_scoring, answers, population=population)["snapshot"] != snapshot


def test_survey_and_time_can_be_given(questionnaire_2017):
    survey = {"key": "remote-edu-ops-2017", "title": "2017", "year": 2017, "questionnaire_version": 1,
              "status": "closed"}
    document = satisfaction_document(questionnaire_2017, np.full((3, 12), 5.0), survey=survey,
                                     population=Population(issued=221, submitted=3),
                                     generated_at=datetime(2018, 6, 18, 16, 30, tzinfo=timezone.utc))
    assert document["survey"] == survey
    assert document["generated_at"] == "2018-06-19T00:30:00+08:00"
    with pytest.raises(ValueError, match="time zone"):
        satisfaction_document(questionnaire_2017, np.full((3, 12), 5.0), generated_at=datetime(2018, 6, 18),
                              population=Population(issued=221, submitted=3))


def test_without_an_indicator_the_indicator_is_null():
    questionnaire = make_questionnaire([("A", 1, [("a1", 1)])])
    document = satisfaction_document(questionnaire, np.array([[5.0], [4.0]]),
                                     population=Population(issued=None, submitted=2))
    assert document["indicator"] is None
