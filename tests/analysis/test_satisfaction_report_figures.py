"""The 2017 report's figures (218 of 221 valid, 81.65 %, C4-1 = 6.53) from a deterministic data set."""
import json
from datetime import datetime, timezone

import numpy as np
import pytest

from analysis.rounding import round_half_up
from analysis.rounding import indicator_score
from analysis.satisfaction import Population, satisfaction_document

RESPONDENTS = 218
# Σ(x − 1) over the 218 answers of each item pair: with linear points an item index is 25·Σ(x − 1)/218, so a
# dimension of two items is 25·T/436. resources 1468 → 84.174 %, complaints 1376 → 78.899 %,
# stability 1394 → 79.931 %, and the other three 1436 + 1435 + 1435 so that all 12 items sum to 8544:
# O = 25·8544/(218·12) = 81.6514 % → 81.65 %.
DIMENSION_TOTALS = {"resources": 1468, "access": 1436, "stability": 1394, "live": 1435, "support": 1435,
                    "complaints": 1376}


def _item_column(total, shift):
    """218 answers on 1…5 whose Σ(x − 1) is ``total``: the base answer, one notch higher for the remainder."""
    base, extra = divmod(total, RESPONDENTS)
    column = np.full(RESPONDENTS, base + 1.0)
    column[:extra] += 1.0
    return np.roll(column, shift)


def report_answers(questionnaire):
    columns = []
    for k, dimension in enumerate(questionnaire.dimensions):
        total = DIMENSION_TOTALS[dimension.key]
        first, second = total // 2, total - total // 2
        columns += [_item_column(first, 17 * k), _item_column(second, 17 * k + 5)]
    return np.column_stack(columns)


@pytest.fixture(scope="module")
def report_document(questionnaire_2017):
    return satisfaction_document(questionnaire_2017, report_answers(questionnaire_2017),
                                 population=Population(issued=221, submitted=220),
                                 generated_at=datetime(2018, 6, 20, 2, 0, tzinfo=timezone.utc))


def test_composite_satisfaction_is_81_65(report_document):
    assert round_half_up(report_document["overall"]["index"], 2) == 81.65
    assert report_document["overall"]["index"] == pytest.approx(25 * 8544 / (218 * 12))


def test_highest_and_lowest_dimensions_match_the_report(report_document):
    assert report_document["highest"]["key"] == "resources"
    assert round_half_up(report_document["highest"]["index"], 2) == 84.17
    assert round_half_up(report_document["highest"]["delta_pp"], 2) == 2.52
    assert report_document["lowest"]["key"] == "complaints"
    assert round_half_up(report_document["lowest"]["index"], 2) == 78.90
    assert round_half_up(report_document["lowest"]["delta_pp"], 2) == -2.75
    stability = next(d for d in report_document["dimensions"] if d["key"] == "stability")
    assert round_half_up(stability["index"], 2) == 79.93


def test_indicator_score_is_8_times_81_65_percent(report_document):
    assert report_document["indicator"] == {"code": "C4-1", "name": "基层党建中心满意度", "weight": 8,
                                            "index": report_document["overall"]["index"], "score": 6.53}


def test_counts_reproduce_the_return_rate(report_document):
    counts = report_document["counts"]
    assert (counts["issued"], counts["submitted"], counts["valid"], counts["invalid"]) == (221, 220, 218, 2)
    assert round_half_up(counts["valid_rate"], 4) == 0.9864          # 98.64 %
    assert round_half_up(counts["return_rate"], 4) == 0.9955


def test_nonresponse_bounds_bracket_the_index(report_document):
    bounds = report_document["nonresponse_bounds"]
    overall = report_document["overall"]["index"]
    assert bounds["missing_units"] == 3
    assert bounds["lower"] < overall < bounds["upper"]
    # every item answered by all 218: lower = O·218/221, upper = (O·218 + 3·100)/221 (−1.11 / +0.25 pp)
    assert bounds["lower"] == pytest.approx(overall * 218 / 221)
    assert bounds["upper"] == pytest.approx((overall * 218 + 300) / 221)
    assert round_half_up(bounds["lower"] - overall, 2) == -1.11
    assert round_half_up(bounds["upper"] - overall, 2) == 0.25


def test_generated_at_is_shown_in_china_standard_time(report_document):
    assert report_document["generated_at"] == "2018-06-20T10:00:00+08:00"
    assert report_document["survey"] == {"key": "remote-edu-ops-2017", "title": report_document["survey"]["title"],
                                         "year": 2017, "questionnaire_version": 1, "status": "offline"}
    json.dumps(report_document, allow_nan=False)


@pytest.mark.parametrize(("weight", "rate", "score"), [
    (8, 81.65, 6.53),        # C4-1: 6.532 → 6.53
    (6, 83.33, 5.0),         # C1-2-1: 4.9998 → 5
    (4, 90.0, 3.6),          # C2-3
    (2, 0.0, 0.0),           # C3-2
    (8, 81.6514, 6.53),      # the index is rounded to 81.65 first
    (10, 81.645, 8.17),      # 81.645 → 81.65 (half up) → 8.165 → 8.17
])
def test_indicator_score_rounds_half_up_twice(weight, rate, score):
    assert float(indicator_score(weight, rate)) == score


@pytest.mark.parametrize(("value", "places", "rounded"), [
    (2.675, 2, 2.68),                  # binary 2.67499999… is still 2.675 as written
    (81.64999999999999, 2, 81.65),     # float noise from a sum is not a real digit
    (0.125, 2, 0.13),
    (-2.745, 2, -2.75),                # half away from zero
    (0.98642533936, 4, 0.9864),
    (None, 2, None),
])
def test_round_half_up(value, places, rounded):
    assert round_half_up(value, places) == rounded
