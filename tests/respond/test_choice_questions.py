"""Choice questions on the centre's form: one option or several, 其他 with its text, stored and restored."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_service.extensions import db
from survey_service.questionnaires.models import Question
from survey_service.responses.models import Answer
from tests.conftest import DATA, count_rows, post_form
from tests.respond.conftest import COMPLETE_ANSWERS, issue_survey

PROFILE = DATA / "questionnaire-profile.yaml"
LIKERT = {key: value for key, value in COMPLETE_ANSWERS.items() if key.startswith("item-")}


@pytest.fixture
def link(app):
    return f"/s/{issue_survey(app, 'centre-profile-2017', questionnaire=PROFILE)[0]}"


def stored_choices(app) -> dict[str, tuple]:
    with app.app_context():
        rows = db.session.execute(select(Question.key, Answer.value, Answer.choices, Answer.text)
                                  .join(Answer.question).where(Question.kind == "choice"))
        return {key: (value, choices, text) for key, value, choices, text in rows}


def test_form_offers_single_and_multiple_choice_with_other(client, link):
    html = client.get(link).get_data(as_text=True)
    assert '<input type="radio" id="choice-centre_kind-1" name="choice-centre_kind" value="1"' in html
    assert '<input type="checkbox" id="choice-channels-4" name="choice-channels" value="4"' in html
    assert 'name="choice-channels-other"' in html and "（可多选）" in html and ">其他</label>" in html
    assert "13." in html and "15." in html  # choice questions are numbered after the 12 items, before the open one


def test_choices_and_other_texts_are_stored_and_restored(app, client, link):
    answers = {**LIKERT, "choice-centre_kind": "other", "choice-centre_kind-other": "工业园区",
               "choice-channels": ["3", "1"], "action": "save"}
    assert post_form(client, link, answers).status_code == 302
    assert stored_choices(app) == {"centre_kind": (None, [], "工业园区"), "channels": (None, [1, 3], None)}
    html = client.get(link).get_data(as_text=True)
    assert 'id="choice-channels-1" name="choice-channels" value="1" checked' in html
    assert 'id="choice-channels-3" name="choice-channels" value="3" checked' in html
    assert 'value="工业园区"' in html
    assert 'id="choice-centre_kind-other" name="choice-centre_kind" value="other" checked' in html


def test_single_choice_value_is_stored_for_grouping(app, client, link):
    answers = {**LIKERT, "choice-centre_kind": "2", "action": "submit"}
    assert post_form(client, link, answers).status_code == 302
    assert stored_choices(app) == {"centre_kind": (2, [2], None)}


@pytest.mark.parametrize("given, problem", [
    ({"choice-centre_kind": ["1", "2"]}, "每题只能选择一个选项。"),
    ({"choice-centre_kind": "9"}, "请从所列选项中选择。"),
    ({"choice-centre_kind": "other"}, "请说明“其他”的具体内容。"),
    ({}, "请回答此题。"),
])
def test_bad_or_missing_choice_is_named_and_nothing_stored(app, client, link, given, problem):
    page = post_form(client, link, {**LIKERT, **given, "action": "submit"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert f'<a href="#choice-centre_kind-1">第 13 题：{problem}</a>' in html
    with app.app_context():
        assert count_rows("responses") == 0


def test_typing_an_other_text_ticks_other(app, client, link):
    post_form(client, link, {**LIKERT, "choice-centre_kind": "1", "choice-channels-other": "大屏幕",
                             "action": "save"})
    assert stored_choices(app)["channels"] == (None, [], "大屏幕")
