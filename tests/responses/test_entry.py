"""Entry on a centre's behalf (代录) and an evaluator's correction: the centre's form, counted, audited, refused
where it must be, exactly one winner when two evaluators enter the same centre."""
from __future__ import annotations

import csv
import io
import re
import threading

import pytest
from sqlalchemy import select

from survey_service.audit.models import AuditEvent
from survey_service.extensions import db
from survey_service.questionnaires.models import Question
from survey_service.responses.models import Answer, Mode, Response, ResponseState
from survey_service.results.documents import survey_document
from survey_service.surveys.models import Invitation, Survey
from survey_service.timestamps import utcnow
from tests.conftest import count_rows, create_account, csrf_token, log_in, post_form
from tests.console.conftest import ANSWERS, make_survey, submit

FORM = {f"item-{key}": str(value) for key, value in ANSWERS.items()}


def entry_url(key: str, code: str) -> str:
    return f"/surveys/{key}/centres/{code}/entry"


def audit(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)).all()


def test_a_paper_questionnaire_counts_and_shows_as_paper_everywhere(app, client, login, small_survey):
    email = login("evaluator")
    url = entry_url(small_survey, "310101002")
    form = client.get(url).get_data(as_text=True)
    assert "代南京东路街道录入问卷" in form and "远教平台课件资源栏目内容的丰富程度" in form and 'value="paper"' in form
    entered = post_form(client, url, {**FORM, "mode": "paper", "open-suggestions": "纸质问卷，字迹清楚",
                                      "action": "submit"})
    assert entered.status_code == 302 and "/responses/" in entered.location
    page = client.get(entered.location).get_data(as_text=True)
    assert "已代录南京东路街道的问卷（纸质），计为已提交" in page and f"由 {email} 于" in page
    with app.app_context():
        response = db.session.scalar(select(Response))
        invitation = db.session.get(Invitation, response.invitation_id)
        assert response.state is ResponseState.submitted and response.mode is Mode.paper
        assert response.entered_by.email == email and response.entered_at is not None
        assert invitation.submitted and response.validity.value == "valid"
        document = survey_document(db.session.scalar(select(Survey).filter_by(key=small_survey)))
        assert document["counts"]["by_mode"] == {"paper": 1} and document["counts"]["submitted"] == 1
        token = invitation.token
    [event] = audit(app, "response.enter")
    assert event.actor == email and event.details == {"mode": "paper", "centre": "310101002", "answers": 13}
    overview = client.get(f"/surveys/{small_survey}").get_data(as_text=True)
    assert "有效问卷按收集方式：" in overview and "纸质 1" in overview
    listing = client.get(f"/surveys/{small_survey}/responses").get_data(as_text=True)
    assert 'class="badge mode-paper">纸质' in listing
    rows = list(csv.DictReader(io.StringIO(
        client.get(f"/surveys/{small_survey}/results/responses.csv").data.decode("utf-8-sig"))))
    assert [(row["centre_code"], row["mode"], row["entered_by"]) for row in rows] == [("310101002", "paper", email)]
    assert "问卷已提交" in app.test_client().get(f"/s/{token}").get_data(as_text=True)
    again = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert "单位 310101002 已提交问卷" in again


def test_an_incomplete_entry_is_refused_and_nothing_is_saved(app, client, login, small_survey):
    login("evaluator")
    url = entry_url(small_survey, "310101002")
    incomplete = post_form(client, url, {**FORM, "item-q05": "", "action": "submit"})
    page = incomplete.get_data(as_text=True)
    assert incomplete.status_code == 422 and "收集方式" in page and "第5题" in page.replace(" ", "")
    with app.app_context():
        assert count_rows("responses") == 0


@pytest.mark.parametrize("case", ["closed", "revoked", "other-survey", "archived"])
def test_entry_is_refused_with_a_clear_message(app, client, login, small_survey, case):
    with app.app_context():
        make_survey("other-2018")
        survey = db.session.scalar(select(Survey).filter_by(key=small_survey))
        if case in ("closed", "archived"):
            survey.close()
        if case == "archived":
            survey.archive()
        if case == "revoked":
            survey.invitations[0].revoked_at = utcnow()
        db.session.commit()
    login("evaluator")
    code = {"other-survey": "999999999"}.get(case, "310101002")
    url = entry_url(small_survey, code)
    shown = client.get(url, follow_redirects=True).get_data(as_text=True)
    expected = {"closed": "只有进行中的调查才能代录问卷", "archived": "只有进行中的调查才能代录问卷",
                "revoked": "单位 310101002 的专属链接已作废", "other-survey": "单位 999999999 不属于本调查"}[case]
    assert expected in shown
    token = csrf_token(client, f"/surveys/{small_survey}")
    posted = client.post(url, data={"csrf_token": token, **FORM, "mode": "paper", "action": "submit"},
                         follow_redirects=True)
    assert expected in posted.get_data(as_text=True)
    with app.app_context():
        assert count_rows("responses") == 0 and not audit(app, "response.enter")


def test_two_evaluators_entering_the_same_centre_keep_exactly_one(app, small_survey):
    url = entry_url(small_survey, "310101013")
    evaluators = []
    for n, value in enumerate(["5", "2"]):
        client = app.test_client()
        email, password = create_account(app, "evaluator", f"evaluator{n}@example.org")
        assert log_in(client, email, password).status_code == 302
        evaluators.append((client, csrf_token(client, url), value))
    start = threading.Barrier(len(evaluators))
    outcomes = []

    def enter(client, token, value):
        start.wait()
        answers = {**{f"item-q{n:02d}": value for n in range(1, 13)}, "open-suggestions": f"录入 {value}"}
        response = client.post(url, data={"csrf_token": token, **answers, "mode": "phone", "action": "submit"})
        outcomes.append((response.status_code, response.location, client.get(response.location).get_data(as_text=True)))

    threads = [threading.Thread(target=enter, args=evaluator) for evaluator in evaluators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [status for status, _, _ in outcomes] == [302, 302]
    won = [page for _, location, page in outcomes if "计为已提交" in page]
    told = [page for _, location, page in outcomes if "单位 310101013 已提交问卷（可能刚由另一位评价人员代录）" in page]
    assert len(won) == 1 and len(told) == 1
    with app.app_context():
        assert count_rows("responses") == 1 and len(audit(app, "response.enter")) == 1
        values = set(db.session.scalars(select(Answer.value).where(Answer.value.is_not(None))))
        texts = set(db.session.scalars(select(Answer.text).where(Answer.text.is_not(None))))
        assert values in ({5}, {2}) and texts == {f"录入 {values.pop()}"}  # one evaluator's answers, never a mixture


def test_a_correction_needs_a_reason_and_keeps_the_old_answers(app, client, login, small_survey):
    response_id = submit(app, small_survey, "310101002", {**ANSWERS, "q03": 1})
    email = login("evaluator")
    page = f"/surveys/{small_survey}/responses/{response_id}"
    with app.app_context():
        before = survey_document(db.session.scalar(select(Survey).filter_by(key=small_survey)))["overall"]["index"]
    form = client.get(f"{page}/correction").get_data(as_text=True)
    assert "更正南京东路街道的答案" in form and re.search(r'id="item-q03-1"[^>]*checked', form)
    assert not re.search(r'id="item-q03-4"[^>]*checked', form)
    corrected = {**FORM, "item-q03": "4", "action": "submit"}
    no_reason = post_form(client, f"{page}/correction", {**corrected, "reason": " "})
    assert no_reason.status_code == 422 and "更正原因" in no_reason.get_data(as_text=True)
    unchanged = post_form(client, f"{page}/correction", {**FORM, "item-q03": "1", "reason": "核对", "action": "submit"},
                          follow_redirects=True)
    assert "答案没有变化，未保存任何内容" in unchanged.get_data(as_text=True)
    done = post_form(client, f"{page}/correction", {**corrected, "reason": "纸质原件为4，录入笔误"})
    assert done.status_code == 302 and done.location.endswith(page)
    shown = client.get(page).get_data(as_text=True)
    assert "已更正 1 个答案" in shown and "答案已更正：纸质原件为4，录入笔误" in shown
    assert '<td class="before">1</td>' in shown and '<td class="after">4</td>' in shown and "第 3 题" in shown
    [event] = audit(app, "response.correct")
    assert event.actor == email and event.details == {
        "reason": "纸质原件为4，录入笔误", "centre": "310101002", "before": {"q03": 1}, "after": {"q03": 4}}
    with app.app_context():
        survey = db.session.scalar(select(Survey).filter_by(key=small_survey))
        assert survey_document(survey)["overall"]["index"] > before  # the figures follow the corrected answer
        assert db.session.scalar(select(Answer.value).join(Question, Answer.question_id == Question.id).where(
            Answer.response_id == response_id, Question.key == "q03")) == 4


def test_an_archived_survey_refuses_corrections_and_reviews(app, client, login, small_survey):
    response_id = submit(app, small_survey, "310101002")
    with app.app_context():
        survey = db.session.scalar(select(Survey).filter_by(key=small_survey))
        survey.close()
        survey.archive()
        db.session.commit()
    login("evaluator")
    page = f"/surveys/{small_survey}/responses/{response_id}"
    shown = client.get(page).get_data(as_text=True)
    assert "更正答案" not in shown and "保存审核结果" not in shown
    refused = client.get(f"{page}/correction", follow_redirects=True).get_data(as_text=True)
    assert "本调查已归档，只读" in refused
    token = csrf_token(client, f"/surveys/{small_survey}")
    client.post(f"{page}/validity", data={"csrf_token": token, "validity": "invalid", "reason": "x"})
    with app.app_context():
        assert db.session.get(Response, response_id).reviewed_at is None


def test_a_centres_own_correction_keeps_the_old_answers_too(app, small_survey):
    with app.app_context():
        survey = db.session.scalar(select(Survey).filter_by(key=small_survey))
        survey.allow_corrections = True
        db.session.commit()
    submit(app, small_survey, "310101002")
    with app.app_context():
        from survey_service.responses.operations import save_answers

        invitation = db.session.scalar(select(Invitation).join(Survey).where(Survey.key == small_survey)
                                       .order_by(Invitation.id))
        save_answers(invitation, {**ANSWERS, "q12": 1}, {}, submit=True, correcting=True)
        db.session.commit()
    [event] = audit(app, "response.correct")
    assert event.actor == "centre:310101002" and event.details == {"before": {"q12": 4}, "after": {"q12": 1}}


def evaluator_client(app, name: str):
    client = app.test_client()
    email, password = create_account(app, "evaluator", f"{name}@example.org")
    assert log_in(client, email, password).status_code == 302
    return client


def test_double_entry_counts_once_two_evaluators_agree(app, small_survey):
    first, second = evaluator_client(app, "first"), evaluator_client(app, "second")
    url = entry_url(small_survey, "310101002")
    answers = {**FORM, "mode": "paper", "open-suggestions": "纸质", "action": "submit"}
    saved = post_form(first, url, {**answers, "double_entry": "y"}, follow_redirects=True).get_data(as_text=True)
    assert "第一次录入已保存" in saved and "纸质问卷已录入一次，等待第二次录入" in saved
    with app.app_context():
        assert count_rows("responses") == 0 and count_rows("paper_entries") == 1
    again = first.get(url).get_data(as_text=True)
    assert 'data-testid="second-entry"' in again and "first@example.org" in again
    refused = post_form(first, url, answers, follow_redirects=True).get_data(as_text=True)
    assert "第二次录入须由另一位评价人员完成" in refused
    agreed = post_form(second, url, {**answers, "mode": "phone"}, follow_redirects=True).get_data(as_text=True)
    assert "计为已提交" in agreed and 'data-testid="mode">纸质' in agreed
    with app.app_context():
        assert count_rows("responses") == 1 and count_rows("paper_entries") == 0
        [event] = audit(app, "response.double_entry")
        assert event.details == {"centre": "310101002", "first_by": "first@example.org",
                                 "second_by": "second@example.org"}


def test_differing_entries_are_resolved_question_by_question(app, small_survey):
    first, second = evaluator_client(app, "first"), evaluator_client(app, "second")
    url = entry_url(small_survey, "310101013")
    answers = {**FORM, "mode": "paper", "open-suggestions": "意见甲", "action": "submit"}
    post_form(first, url, {**answers, "double_entry": "y"})
    differs = post_form(second, url, {**answers, "item-q03": "2", "open-suggestions": "意见乙"})
    assert differs.status_code == 302 and differs.location.endswith("/entry/resolve")
    page = second.get(differs.location).get_data(as_text=True)
    table = page[page.index('data-testid="differences"'):page.index("</table>")]
    assert table.count("<tr>") == 3 and "第 3 题" in table and "意见甲" in table and "意见乙" in table
    with app.app_context():
        assert count_rows("responses") == 0
    missing = post_form(second, differs.location, {"choice-q03": "first"}, follow_redirects=True)
    assert "请为每处不一致选择答案" in missing.get_data(as_text=True)
    resolved = post_form(second, differs.location, {"choice-q03": "first", "choice-suggestions": "second"},
                         follow_redirects=True).get_data(as_text=True)
    assert "计为已提交" in resolved
    with app.app_context():
        values = dict(db.session.execute(select(Question.key, Answer.value)
                                         .join(Answer, Answer.question_id == Question.id)
                                         .where(Answer.value.is_not(None))).all())
        assert values["q03"] == ANSWERS["q03"] and db.session.scalar(select(Answer.text).where(
            Answer.text.is_not(None))) == "意见乙"
        assert count_rows("paper_entries") == 0 and len(audit(app, "response.second_entry")) == 1
