"""The questionnaire contract (docs/questionnaire-format.md): parsing, scoring schemes, every problem with its path."""
import copy

import pytest
import yaml

from analysis.questionnaire import DefinitionError, load_questionnaire, parse_questionnaire
from tests.conftest import QUESTIONNAIRE


@pytest.fixture
def definition():
    return yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))


def test_shared_questionnaire_parses_with_linear_points(definition):
    questionnaire = parse_questionnaire(definition)
    assert questionnaire.key == "remote-edu-ops-2017" and questionnaire.version == 1
    assert [d.key for d in questionnaire.dimensions] == ["resources", "access", "stability", "live", "support",
                                                         "complaints"]
    assert [i.key for i in questionnaire.items] == [f"q{n:02d}" for n in range(1, 13)]
    assert questionnaire.scoring.points == {5: 100.0, 4: 75.0, 3: 50.0, 2: 25.0, 1: 0.0}
    assert questionnaire.na_value == 0 and questionnaire.accepts(0) and not questionnaire.accepts(6)
    assert questionnaire.indicator.code == "C4-1" and questionnaire.indicator.weight == 8
    assert questionnaire.open_questions[0].max_length == 2000


def test_points_scheme_uses_the_explicit_map(definition):
    definition["scoring"] = {"scheme": "points", "points": {5: 100, 4: 80, 3: 60, 2: 30, 1: 0}}
    assert parse_questionnaire(definition).scoring.points == {5: 100, 4: 80, 3: 60, 2: 30, 1: 0}


def test_top_box_scheme_scores_the_top_options_100(definition):
    definition["scoring"] = {"scheme": "top_box"}
    assert parse_questionnaire(definition).scoring.points == {5: 100, 4: 100, 3: 0, 2: 0, 1: 0}
    definition["scoring"] = {"scheme": "top_box", "top": 1}
    assert parse_questionnaire(definition).scoring.points == {5: 100, 4: 0, 3: 0, 2: 0, 1: 0}


def test_every_problem_is_reported_at_once_with_its_path(definition):
    broken = copy.deepcopy(definition)
    broken["scoring"] = {"scheme": "points", "points": {5: 100, 4: 80, 3: 60, 2: 40}}
    broken["dimensions"][2]["items"][0]["key"] = "q01"
    broken["dimensions"][1]["weight"] = 0
    broken["dimensions"][3]["items"] = []
    broken["key"] = "Bad Key"
    with pytest.raises(DefinitionError) as caught:
        parse_questionnaire(broken)
    problems = caught.value.problems
    assert "scoring.points: missing points for option 1" in problems
    assert "dimensions[2].items[0].key: duplicate 'q01'" in problems
    assert "dimensions[1].weight: must be a number > 0, got 0" in problems
    assert "dimensions[3].items: empty dimension, at least one item is required" in problems
    assert any(p.startswith("key:") for p in problems)
    assert len(problems) == 5


def test_unknown_scheme_is_named(definition):
    definition["scoring"] = {"scheme": "median"}
    with pytest.raises(DefinitionError) as caught:
        parse_questionnaire(definition)
    assert caught.value.problems == ["scoring.scheme: unknown scheme 'median' (one of linear, points, top_box)"]


def test_yaml_syntax_error_names_the_line():
    with pytest.raises(DefinitionError) as caught:
        load_questionnaire("key: a\nversion: 1\ntitle: [unclosed\n", "q.yaml")
    assert caught.value.problems[0].startswith("q.yaml: line ")


def test_bom_and_json_are_accepted(definition):
    import json

    assert load_questionnaire("\ufeff".encode() + QUESTIONNAIRE.read_bytes(), "q.yaml").title.startswith("2017年度")
    assert load_questionnaire(json.dumps(definition, ensure_ascii=False), "q.json").key == "remote-edu-ops-2017"


def test_open_question_key_may_not_repeat_an_item_key(definition):
    definition["open_questions"][0]["key"] = "q05"
    with pytest.raises(DefinitionError) as caught:
        parse_questionnaire(definition)
    assert caught.value.problems == ["open_questions[0].key: duplicate 'q05'"]
