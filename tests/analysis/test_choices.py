"""Reversed items (reflected before scoring and α, counted as ticked) and the choices block."""
import copy

import numpy as np
import pingouin
import pandas as pd
import pytest
import yaml

from analysis.choices import ChoiceAnswer
from analysis.questionnaire import DefinitionError, parse_questionnaire
from analysis.satisfaction import Population, satisfaction_document

from conftest import QUESTIONNAIRE_2017
from satisfaction_data import random_answers


@pytest.fixture
def definition():
    return yaml.safe_load(QUESTIONNAIRE_2017.read_text(encoding="utf-8"))


def _document(questionnaire, answers, **kwargs):
    return satisfaction_document(questionnaire, answers, population=Population(issued=221, submitted=len(answers)),
                                 **kwargs)


def test_reversed_item_scores_as_its_reflection_and_counts_as_ticked(definition):
    rng = np.random.default_rng(7)
    answers = random_answers(rng, 60, 12)
    reversed_definition = copy.deepcopy(definition)
    reversed_definition["dimensions"][2]["items"][0]["reverse"] = True   # q05
    reversed_definition["dimensions"][4]["items"][1]["reverse"] = True   # q10
    reflected = answers.copy()
    for column in (4, 9):   # lo + hi − x on 1..5 by hand; N/A (0) and blanks stay
        on_scale = ~np.isnan(reflected[:, column]) & (reflected[:, column] > 0)
        reflected[on_scale, column] = 6 - reflected[on_scale, column]

    reversed_doc = _document(parse_questionnaire(reversed_definition), answers)
    plain_doc = _document(parse_questionnaire(definition), reflected)

    assert reversed_doc["overall"] == plain_doc["overall"]
    for mine, theirs in zip(reversed_doc["dimensions"], plain_doc["dimensions"]):
        assert mine["index"] == theirs["index"] and mine["ci95"] == theirs["ci95"]
        assert mine["top2_share"] == theirs["top2_share"]
    assert reversed_doc["reliability"] == plain_doc["reliability"]
    q05 = reversed_doc["dimensions"][2]["items"][0]
    ticked = answers[:, 4]
    assert q05["distribution"]["5"] == int(np.sum(ticked == 5)) and q05["distribution"]["1"] == int(np.sum(ticked == 1))
    assert q05["distribution"]["na"] == int(np.sum(ticked == 0))

    complete = reflected[~np.isnan(reflected).any(axis=1) & (reflected > 0).all(axis=1)]
    alpha, _ = pingouin.cronbach_alpha(pd.DataFrame(complete))
    assert reversed_doc["reliability"]["cronbach_alpha"] == pytest.approx(alpha, abs=1e-9)


def test_a_reversed_item_needs_a_mirrored_scale(definition):
    definition["scale"]["options"] = [{"value": 5, "label": "好"}, {"value": 3, "label": "中"},
                                      {"value": 0, "label": "差"}]
    definition["scale"]["not_applicable"] = {"value": 9, "label": "不了解"}
    definition["dimensions"][0]["items"][1]["reverse"] = True
    with pytest.raises(DefinitionError) as caught:
        parse_questionnaire(definition)
    assert caught.value.problems == ["dimensions[0].items[1].reverse: a reversed item needs a mirrored scale "
                                     "(lo + hi - x an option for every option x), got 0, 3, 5"]
    assert caught.value.details[0].code == "reverse_scale"


def test_choices_block_counts_valid_answers_and_lists_other_texts(definition):
    definition["choice_questions"] = [
        {"key": "kind", "text": "中心类型", "kind": "single", "other": True,
         "options": [{"value": 1, "label": "街道"}, {"value": 2, "label": "镇"}]},
        {"key": "channels", "text": "使用渠道", "kind": "multiple",
         "options": [{"value": 1, "label": "互联网"}, {"value": 2, "label": "IPTV"}, {"value": 3, "label": "手机"}]},
    ]
    questionnaire = parse_questionnaire(definition)
    answers = np.full((5, 12), 4.0)
    choices = {"kind": [ChoiceAnswer((1,)), ChoiceAnswer((2,)), ChoiceAnswer((1,)), ChoiceAnswer((), "园区"),
                        ChoiceAnswer()],
               "channels": [ChoiceAnswer((1, 3)), ChoiceAnswer((1,)), ChoiceAnswer((1, 2, 3)), ChoiceAnswer(),
                            ChoiceAnswer()]}
    block = _document(questionnaire, answers, choices=choices)["choices"]
    kind, channels = block
    assert kind["n"] == 4 and [o["count"] for o in kind["options"]] == [2, 1]
    assert [o["share"] for o in kind["options"]] == [0.5, 0.25] and kind["other"] == ["园区"]
    assert channels["n"] == 3 and [o["count"] for o in channels["options"]] == [3, 1, 2]
    assert sum(o["share"] for o in channels["options"]) > 1 and channels["other"] == []


def test_document_without_choice_questions_has_no_choices_block(questionnaire_2017):
    assert "choices" not in _document(questionnaire_2017, np.full((3, 12), 4.0))


def test_choice_question_problems_are_all_named(definition):
    definition["choice_questions"] = [{"key": "q01", "text": "", "kind": "several", "options": [{"value": 1}]}]
    with pytest.raises(DefinitionError) as caught:
        parse_questionnaire(definition)
    assert sorted(caught.value.problems) == sorted([
        "choice_questions[0].kind: must be single or multiple, got 'several'",
        "choice_questions[0].text: required text",
        "choice_questions[0].options: required, a list of at least 2 options",
        "choice_questions[0].key: duplicate 'q01'"])


def test_option_values_stay_within_four_digits(definition):
    definition["scale"]["options"][0]["value"] = 10 ** 12
    with pytest.raises(DefinitionError) as caught:
        parse_questionnaire(definition)
    assert caught.value.problems == [
        "scale.options[0].value: must be an integer from -9999 to 9999, got 1000000000000"]
