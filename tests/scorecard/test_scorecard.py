"""The pure scorecard module: hand-computed scores, every validation problem with its code, grades, rounding."""
import copy
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from analysis.rounding import round_half_up
from analysis.scorecard import (
    DEFAULT_GRADES,
    GradeBand,
    ScorecardError,
    compute_scorecard,
    grade_for,
    load_scorecard,
    parse_scorecard,
    score_scorecard,
)

DATA = Path(__file__).parent.parent / "data"
#: the 2017 report's indicator tree, shipped with the demo
DEMO_DATA = Path(__file__).parents[2] / "survey_service" / "demo_data"
SURVEY_KEY = "remote-edu-ops-2017"


def satisfaction_document(index=81.65, key=SURVEY_KEY):
    return {"schema": "satisfaction/v1", "survey": {"key": key}, "overall": {"index": index, "n": 218}}


def small_tree():
    """A: 5 + 4 = 9; B: 6 × 0.8333 = 4.9998 → 5, 3 × 0.9 = 2.7; C: 8 × 81.65 % = 6.532 → 6.53; total 23.23 of 26."""
    return {
        "total": 26,
        "indicators": [
            {"code": "A", "name": "项目决策", "weight": 9, "children": [
                {"code": "A1", "name": "立项依据充分性", "weight": 5, "score": 5, "value": "充分"},
                {"code": "A2", "name": "绩效目标合理性", "weight": 4, "score": 4},
            ]},
            {"code": "B", "name": "项目产出", "weight": 9, "children": [
                {"code": "B1", "name": "故障修复及时性", "weight": 6, "rate": 0.8333, "value": "83.33%"},
                {"code": "B2", "name": "系统运行稳定性", "weight": 3, "rate": 0.9},
            ]},
            {"code": "C", "name": "基层党建中心满意度", "weight": 8, "source": "satisfaction", "survey": SURVEY_KEY},
        ],
    }


def problems_of(data, satisfaction=None):
    with pytest.raises(ScorecardError) as caught:
        compute_scorecard(parse_scorecard(data), satisfaction)
    return caught.value.problems


def parse_problems(data):
    with pytest.raises(ScorecardError) as caught:
        parse_scorecard(data)
    return caught.value.problems


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (6.532, 6.53),  # 8 × 81.65 %
        (2.675, 2.68),  # float 2.675 is 2.67499999…; Python's round() gives 2.67
        (1.005, 1.01),
        (0.125, 0.13),  # round() gives 0.12 (half to even)
        (4.9998, 5.0),  # 6 × 83.33 %
        (Decimal("24.495"), 24.5),
        ("0.435", 0.44),
        (7, 7.0),
    ],
)
def test_round_half_up(value, expected):
    assert round_half_up(value) == expected


def test_round_half_up_to_other_places():
    assert round_half_up(81.645, 1) == 81.6
    assert round_half_up(81.65, 1) == 81.7
    assert round_half_up(0.5, 0) == 1.0


@pytest.mark.parametrize(
    ("weight", "rate", "score"),
    [
        (6, 0.8333, 5.0),
        (4, 0.9, 3.6),
        (2, 0, 0.0),
        (3, 0.145, 0.44),  # 3 * 0.145 == 0.43499999999999994 in binary floats
        (7, 0.175, 1.23),  # 7 * 0.175 == 1.2249999999999999
        (10, 0.0055, 0.06),  # 10 * 0.0055 == 0.05499999999999999
        (30, 0.8165, 24.5),  # 24.495
    ],
)
def test_rate_leaf_score_is_weight_times_rate_rounded_half_up(weight, rate, score):
    data = {"total": weight, "indicators": [{"code": "X", "name": "x", "weight": weight, "rate": rate}]}
    assert compute_scorecard(parse_scorecard(data)).to_json()["total"] == score


def test_small_tree_by_hand():
    result = compute_scorecard(parse_scorecard(small_tree()), satisfaction_document())
    document = result.to_json()
    assert document["total"] == 23.23
    assert document["grade"] == "差"  # bands are absolute points, not shares of the total 26
    assert [(i["code"], i["score"]) for i in document["indicators"]] == [("A", 9), ("B", 7.7), ("C", 6.53)]
    assert document["indicators"][0]["children"][0] == {
        "code": "A1", "name": "立项依据充分性", "weight": 5, "score": 5, "value": "充分", "children": [],
    }
    assert document["indicators"][2]["value"] == "81.65%"


def test_configured_bands_grade_the_total():
    data = small_tree()
    data["grades"] = [{"grade": "优", "min": 23.24}, {"grade": "良", "min": 23.23}, {"grade": "差", "min": 0}]
    assert compute_scorecard(parse_scorecard(data), satisfaction_document()).grade == "良"


def test_satisfaction_index_is_rounded_to_two_decimals_before_scoring():
    # 81.6451 → 81.65 → 30 × 0.8165 = 24.495 → 24.50; unrounded, 30 × 0.816451 = 24.49353 → 24.49
    data = {"total": 30, "indicators": [
        {"code": "C4-1", "name": "满意度", "weight": 30, "source": "satisfaction"}]}
    assert compute_scorecard(parse_scorecard(data), satisfaction_document(81.6451)).to_json()["total"] == 24.5


def test_report_2017_tree_totals_91_13():
    text = (DEMO_DATA / "scorecard-2017.yaml").read_bytes()
    result = score_scorecard(text, satisfaction_document())
    assert (result.total, result.grade) == (Decimal("91.13"), "优")
    assert [float(i.score) for i in result.indicators] == [8, 24, 59.13]


def test_report_prose_23_for_management_is_caught():
    text = (DEMO_DATA / "scorecard-2017.yaml").read_text(encoding="utf-8").replace("score: 24 ", "score: 23 ")
    with pytest.raises(ScorecardError) as caught:
        score_scorecard(text, satisfaction_document())
    assert caught.value.problems == ["B: stated score 23 differs from its children's sum 24"]


def test_stated_inner_score_equal_to_the_sum_passes():
    data = small_tree()
    data["indicators"][1]["score"] = 7.7
    assert compute_scorecard(parse_scorecard(data), satisfaction_document()).indicators[1].score == Decimal("7.7")


MUTATIONS = [
    ("weights do not add up", lambda d: d["indicators"][0].update(weight=10),
     ["A: children's weights sum to 9, not 10", "indicators: the top-level weights sum to 27, not 26"]),
    ("root weights", lambda d: d.update(total=100), ["indicators: the top-level weights sum to 26, not 100"]),
    ("score above weight", lambda d: d["indicators"][0]["children"][1].update(score=4.5),
     ["A2: score 4.5 is above its weight 4"]),
    ("negative score", lambda d: d["indicators"][0]["children"][1].update(score=-1), ["A2: score -1 is negative"]),
    ("three decimals", lambda d: d["indicators"][0]["children"][1].update(score=3.995),
     ["A2: score 3.995 has more than 2 decimals"]),
    ("rate above 1", lambda d: d["indicators"][1]["children"][0].update(rate=1.2), ["B1: rate 1.2 is outside [0, 1]"]),
    ("negative rate", lambda d: d["indicators"][1]["children"][0].update(rate=-0.1),
     ["B1: rate -0.1 is outside [0, 1]"]),
    ("two ways", lambda d: d["indicators"][1]["children"][0].update(score=5),
     ["B1: score and rate given: a leaf is scored in exactly one way"]),
    ("no way", lambda d: d["indicators"][1]["children"][0].pop("rate"),
     ["B1: no score, rate or source: a leaf is scored in exactly one way"]),
    ("unknown source", lambda d: d["indicators"][2].update(source="survey"),
     ["C: source: the only source is 'satisfaction', got 'survey'"]),
    ("duplicate code", lambda d: d["indicators"][1]["children"][1].update(code="B1"),
     ["B1: code used by more than one indicator"]),
    ("missing weight", lambda d: d["indicators"][0]["children"][0].pop("weight"),
     ["A1: weight: required, a number, got None"]),
    ("zero weight", lambda d: d["indicators"][2].update(weight=0),
     ["C: weight: must be a positive number, got 0"]),
    ("text weight", lambda d: d["indicators"][2].update(weight="8"), ["C: weight: required, a number, got '8'"]),
    ("missing name", lambda d: d["indicators"][2].pop("name"), ["C: name: required text, got None"]),
    ("missing code", lambda d: d["indicators"][2].pop("code"), ["indicators[2]: code: required text, got None"]),
    ("typo", lambda d: d["indicators"][2].update(wieght=8), ["C: unknown keys wieght"]),
    ("rate on inner", lambda d: d["indicators"][0].update(rate=1),
     ["A: rate: only a leaf (without children) can have it"]),
    ("empty children", lambda d: d["indicators"][0].update(children=[]),
     ["A: children: must be a non-empty list", "A: children's weights sum to 0, not 9"]),
    ("survey on a scored leaf", lambda d: d["indicators"][0]["children"][0].update(survey=SURVEY_KEY),
     ["A1: survey: only a 'source: satisfaction' leaf names a survey"]),
    ("no indicators", lambda d: d.update(indicators=[]), ["indicators: required, a non-empty list"]),
]


@pytest.mark.parametrize(("case", "mutate", "expected"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_each_validation_problem_names_the_indicator(case, mutate, expected):
    data = copy.deepcopy(small_tree())
    mutate(data)
    assert parse_problems(data) == expected


def test_all_problems_are_reported_at_once():
    data = small_tree()
    data["indicators"][0]["children"][1]["score"] = 4.5
    data["indicators"][1]["children"][0]["rate"] = 1.2
    data["indicators"][1]["children"][1]["weight"] = 4
    data["indicators"][2]["code"] = "A1"
    data["grades"] = [{"grade": "优", "min": 20}, {"grade": "良", "min": 25}]
    assert parse_problems(data) == [
        "grades[1] (良): min 25 must be below the band above (优 ≥ 20)",
        "grades[1] (良): the bottom band needs min 0 (or no min), got 25",
        "A2: score 4.5 is above its weight 4",
        "B1: rate 1.2 is outside [0, 1]",
        "B: children's weights sum to 10, not 9",
        "A1: code used by more than one indicator",
    ]


def test_file_and_satisfaction_problems_come_out_together():
    data = small_tree()
    data["indicators"][0]["weight"] = 10
    text = yaml.safe_dump(data, allow_unicode=True)
    with pytest.raises(ScorecardError) as caught:
        score_scorecard(text, satisfaction_document(key="another-survey"))
    assert caught.value.problems == [
        "A: children's weights sum to 9, not 10",
        "indicators: the top-level weights sum to 27, not 26",
        "C: the satisfaction document is for survey 'another-survey', not 'remote-edu-ops-2017'",
    ]


def test_weights_are_compared_with_a_two_decimal_tolerance():
    thirds = [{"code": f"X{n}", "name": "x", "weight": w, "score": 0} for n, w in enumerate([33.33, 33.33, 33.34])]
    assert parse_scorecard({"indicators": thirds}).total == 100
    rough = [{"code": f"X{n}", "name": "x", "weight": 33.333, "score": 0} for n in range(3)]
    assert parse_scorecard({"indicators": rough}).total == 100  # 99.999: within half a hundredth
    off = [{"code": f"X{n}", "name": "x", "weight": w, "score": 0} for n, w in enumerate([33.33, 33.33, 33.33])]
    assert parse_problems({"indicators": off}) == ["indicators: the top-level weights sum to 99.99, not 100"]


@pytest.mark.parametrize(
    ("total", "grade"),
    [(100, "优"), (90, "优"), (90.0, "优"), (89.995, "良"), (89.99, "良"), (80, "良"), (79.99, "中"),
     (60, "中"), (59.99, "差"), (0, "差")],
)
def test_default_grade_band_edges(total, grade):
    assert grade_for(total) == grade


def test_configurable_bands_with_an_implicit_bottom():
    data = {"grades": [{"grade": "达标", "min": 85}, {"grade": "未达标"}],
            "indicators": [{"code": "X", "name": "x", "weight": 100, "score": 84.99}]}
    scorecard = parse_scorecard(data)
    assert scorecard.grades == (GradeBand("达标", Decimal(85)), GradeBand("未达标", Decimal(0)))
    assert compute_scorecard(scorecard).grade == "未达标"
    data["indicators"][0]["score"] = 85
    assert compute_scorecard(parse_scorecard(data)).grade == "达标"


def test_default_bands_when_none_are_given():
    assert parse_scorecard({"indicators": [{"code": "X", "name": "x", "weight": 100, "score": 1}]}).grades == (
        DEFAULT_GRADES
    )


@pytest.mark.parametrize(
    ("grades", "problem"),
    [
        ([{"grade": "优", "min": 90}, {"grade": "良", "min": 80}], "grades[1] (良): the bottom band needs min 0"),
        ([{"grade": "优", "min": 90}, {"grade": "良"}, {"grade": "差", "min": 0}], "grades[1] (良): min: required"),
        ([{"grade": "优", "min": 90}, {"grade": "优", "min": 0}], "grades: grade '优' appears more than once"),
        ([{"grade": "优", "min": 120}, {"grade": "差", "min": 0}], "grades[0] (优): min 120 is outside 0 … 100"),
        ([{"min": 90}, {"grade": "差", "min": 0}], "grades[0]: must be a mapping with a 'grade' name"),
        ([], "grades: must be a non-empty list"),
    ],
)
def test_bad_grade_bands(grades, problem):
    data = {"grades": grades, "indicators": [{"code": "X", "name": "x", "weight": 100, "score": 1}]}
    assert any(p.startswith(problem) for p in parse_problems(data))


def test_total_other_than_100():
    data = {"total": 10, "indicators": [{"code": "X", "name": "x", "weight": 10, "score": 9.5}]}
    result = compute_scorecard(parse_scorecard(data))
    assert (result.total, result.grade) == (Decimal("9.5"), "差")


@pytest.mark.parametrize(
    ("satisfaction", "problem"),
    [
        (None, "C: no satisfaction document given"),
        (satisfaction_document(key="remote-edu-ops-2016"),
         "C: the satisfaction document is for survey 'remote-edu-ops-2016', not 'remote-edu-ops-2017'"),
        (satisfaction_document(index=None), "C: survey 'remote-edu-ops-2017' has no valid responses"),
        (satisfaction_document(index=101), "C: overall.index must be a number in 0 … 100, got 101"),
        ({"survey": {"key": SURVEY_KEY}}, "C: the satisfaction document has no overall.index"),
        (lambda key: None, "C: unknown survey 'remote-edu-ops-2017'"),
    ],
)
def test_satisfaction_problems(satisfaction, problem):
    problems = problems_of(small_tree(), satisfaction)
    assert len(problems) == 1 and problems[0].startswith(problem)


def test_resolver_gets_the_leaf_survey_key_and_may_refuse():
    asked = []

    def resolve(key):
        asked.append(key)
        raise LookupError(f"no database to look up survey {key}")

    assert problems_of(small_tree(), resolve) == ["C: no database to look up survey remote-edu-ops-2017"]
    assert asked == [SURVEY_KEY]
    assert compute_scorecard(parse_scorecard(small_tree()), lambda key: satisfaction_document()).total == Decimal(
        "23.23"
    )


def test_leaf_without_survey_accepts_any_document():
    data = small_tree()
    del data["indicators"][2]["survey"]
    document = satisfaction_document(key="whatever")
    assert compute_scorecard(parse_scorecard(data), document).indicators[2].score == Decimal("6.53")


def test_yaml_syntax_error_has_a_line_number():
    with pytest.raises(ScorecardError) as caught:
        load_scorecard("indicators:\n  - code: A\n    name: [unclosed\n", "broken.yaml")
    [problem] = caught.value.problems
    assert problem.startswith("broken.yaml: line ") and "invalid YAML" in problem


def test_top_level_must_be_a_mapping():
    with pytest.raises(ScorecardError) as caught:
        load_scorecard("- just a list\n")
    assert caught.value.problems == ["(top level): must be a mapping with 'indicators'"]


def test_shared_example_scores_89_good():
    # A 5 + 4 = 9; B 10 × 0.95 = 9.5, 10, 7 → 26.5; C1 20 × 1.0 + 10 × 0.9 = 29;
    # C2-1 30 × 81.65 % = 24.495 → 24.50 (half-up); C = 53.5; total 9 + 26.5 + 53.5 = 89 → 良
    text = (DATA / "scorecard-example.yaml").read_bytes()
    result = score_scorecard(text, satisfaction_document())
    assert result.to_json()["total"] == 89
    assert result.grade == "良"
    assert result.indicators[2].children[1].children[0].score == Decimal("24.50")


def test_module_is_pure():
    code = "import sys, analysis.scorecard; print(sorted({'flask', 'sqlalchemy', 'survey_service'} & set(sys.modules)))"
    root = Path(__file__).parents[2]
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root).stdout
    assert output.strip() == "[]"
