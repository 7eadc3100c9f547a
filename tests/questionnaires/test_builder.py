"""The builder: a questionnaire made from scratch in the console is the same questionnaire as the hand-written YAML;
rows are added, moved and removed; undo goes back; problems stand next to their fields, in Chinese."""
from __future__ import annotations

import yaml
from sqlalchemy import select

from analysis.questionnaire import load_questionnaire, parse_questionnaire
from survey_service.audit.models import AuditEvent
from survey_service.extensions import db
from survey_service.questionnaires.models import QuestionnaireDraft, QuestionnaireVersion
from tests.conftest import QUESTIONNAIRE
from tests.questionnaires.conftest import seed_fields


def build_seed(builder, seed) -> None:
    """From a blank draft to the seed questionnaire: the rows first (as an evaluator clicks 添加), then the text."""
    for _ in range(len(seed["dimensions"]) - 1):
        assert builder.press("add:dimensions").status_code == 302
    for d in range(len(seed["dimensions"])):
        assert builder.press(f"add:dimensions[{d}].items").status_code == 302
    assert builder.press("add:open_questions").status_code == 302
    assert builder.press("apply", seed_fields(seed)).status_code == 302


def test_the_seed_questionnaire_built_from_scratch_is_the_hand_written_one(app, client, start_builder,
                                                                         seed_definition):
    builder = start_builder()
    build_seed(builder, seed_definition)
    saved = builder.press("save")
    assert saved.status_code == 302 and saved.headers["Location"] == "/questionnaires/remote-edu-ops-2017"
    with app.app_context():
        version = db.session.scalar(select(QuestionnaireVersion))
        assert version.version == 1 and version.created_by.email == "evaluator@example.org"
        assert parse_questionnaire(version.definition) == load_questionnaire(QUESTIONNAIRE.read_bytes())
        assert db.session.scalar(select(QuestionnaireDraft)) is None
        event = db.session.scalar(select(AuditEvent).filter_by(action="questionnaire.save"))
        assert event.actor == "evaluator@example.org" and event.details["version"] == 1
    page = client.get("/questionnaires/remote-edu-ops-2017").get_data(as_text=True)
    assert "evaluator@example.org" in page and "已保存" in page


def test_rows_move_and_undo_restores_the_step_before(app, start_builder):
    builder = start_builder()
    builder.press("add:dimensions[0].items", {"dimensions-0-items-0-text": "第一题"})
    builder.press("apply", {"dimensions-0-items-1-text": "第二题"})
    builder.press("up:dimensions[0].items[1]")
    fields = builder.fields()
    assert (fields["dimensions-0-items-0-text"], fields["dimensions-0-items-1-text"]) == ("第二题", "第一题")
    builder.press("remove:dimensions[0].items[0]")
    fields = builder.fields()
    assert fields["dimensions-0-items-0-text"] == "第一题" and "dimensions-0-items-1-text" not in fields
    assert builder.press("undo").status_code == 302
    fields = builder.fields()
    assert (fields["dimensions-0-items-0-text"], fields["dimensions-0-items-1-text"]) == ("第二题", "第一题")
    builder.press("undo")
    assert builder.fields()["dimensions-0-items-0-text"] == "第一题"


def test_problems_stand_next_to_their_fields_in_chinese_and_nothing_is_saved(app, start_builder):
    builder = start_builder()
    builder.press("add:dimensions[0].items")
    page = builder.press("save", {"key": "Bad Key", "title": "满意度", "dimensions-0-title": "服务",
                                  "dimensions-0-items-0-text": "响应速度", "dimensions-0-items-1-key": "q01",
                                  "dimensions-0-items-1-text": "处理结果", "dimensions-0-weight": "0"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert '<p class="field-error" id="dimensions-0-weight-error">必须是大于 0 的数，当前为 0</p>' in html
    assert '<p class="field-error" id="dimensions-0-items-1-key-error">重复：&#39;q01&#39;</p>' in html
    assert 'id="key-error">必填，只能使用小写字母、数字和“-”，当前为 &#39;Bad Key&#39;</p>' in html
    assert "维度 1 · 题项 2 · key：重复：&#39;q01&#39;" in html
    with app.app_context():
        assert db.session.scalar(select(QuestionnaireVersion)) is None


def test_saving_an_edited_copy_makes_the_next_version(app, client, start_builder, seed_definition):
    from survey_service.questionnaires.operations import import_questionnaire

    with app.app_context():
        first, _ = import_questionnaire(QUESTIONNAIRE.read_bytes(), QUESTIONNAIRE.name)
        db.session.commit()
        first_id = first.id
    builder = start_builder(start="copy", version=str(first_id))
    assert builder.fields()["dimensions-2-items-1-text"] == "终端站点设备运行的稳定程度"
    builder.press("save", {"dimensions-2-items-1-text": "终端站点设备经常出现故障", "dimensions-2-items-1-reverse": "y",
                           "dimensions-0-weight": "2"})
    with app.app_context():
        versions = db.session.scalars(select(QuestionnaireVersion).order_by(QuestionnaireVersion.version)).all()
        assert [v.version for v in versions] == [1, 2]
        assert versions[0].definition == yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))
        assert versions[1].questionnaire.items[5].reverse
    diff = client.get("/questionnaires/remote-edu-ops-2017?old=1&new=2").get_data(as_text=True)
    assert "题项 q06 的表述由“终端站点设备运行的稳定程度”改为“终端站点设备经常出现故障”。" in diff
    assert "题项 q06 改为反向计分。" in diff and "维度 resources 的权重由 1 改为 2。" in diff


def test_a_draft_left_unsaved_is_listed_to_come_back_to(app, client, start_builder):
    builder = start_builder()
    builder.press("apply", {"title": "2018年度满意度调查问卷", "key": "survey-2018"})
    listing = client.get("/questionnaires").get_data(as_text=True)
    assert "编辑中的草稿" in listing and f'<a href="{builder.url}">2018年度满意度调查问卷</a>' in listing


def test_a_dragged_row_moves_to_where_it_was_dropped(app, start_builder):
    builder = start_builder()
    for _ in range(2):
        builder.press("add:dimensions[0].items")
    builder.press("apply", {f"dimensions-0-items-{n}-text": text for n, text in enumerate(["甲", "乙", "丙"])})
    builder.press("move:dimensions[0].items[2]>0")
    fields = builder.fields()
    assert [fields[f"dimensions-0-items-{n}-text"] for n in range(3)] == ["丙", "甲", "乙"]
    builder.press("move:dimensions[0].items[0]>7")  # nowhere to go: nothing changes
    # the CSRF token is signed with the time it was made, which may have moved on by a second
    assert {**builder.fields(), "csrf_token": None} == {**fields, "csrf_token": None}
