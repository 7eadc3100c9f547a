"""Review: the flagged queue, a response's answers, the evaluator's decision (kept, audited), browsing responses."""
from sqlalchemy import select

from survey_service.audit.models import AuditEvent
from survey_service.extensions import db
from survey_service.responses.models import Response, Validity
from tests.conftest import post_form
from tests.console.conftest import STRAIGHT, make_survey, submit


def test_flagged_responses_wait_in_the_queue(app, client, login, small_survey):
    submit(app, small_survey, "310101002")
    straight = submit(app, small_survey, "310101013", STRAIGHT)
    login("evaluator")
    queue = client.get(f"/surveys/{small_survey}/review").get_data(as_text=True)
    assert "外滩街道" in queue and "所有题目答案相同" in queue and "南京东路街道" not in queue
    assert f"/surveys/{small_survey}/responses/{straight}" in queue
    assert "1 份问卷待审核" in client.get(f"/surveys/{small_survey}").get_data(as_text=True)


def test_a_response_shows_question_texts_and_option_labels(app, client, login, small_survey):
    response_id = submit(app, small_survey, "310101002")
    login("evaluator")
    page = client.get(f"/surveys/{small_survey}/responses/{response_id}").get_data(as_text=True)
    assert "远教平台课件资源栏目内容的丰富程度" in page and "资源栏目内容丰富度" in page
    assert "非常满意" in page and "不满意" in page and "未作答" in page  # the open question was left empty
    english = client.get(f"/surveys/{small_survey}/responses/{response_id}?lang=en").get_data(as_text=True)
    assert "How rich the course resources on the platform are" in english and "Very satisfied" in english


def test_marking_invalid_needs_a_reason_keeps_the_response_and_is_audited(app, client, login, small_survey):
    response_id = submit(app, small_survey, "310101013", STRAIGHT)
    login("evaluator")
    page = f"/surveys/{small_survey}/responses/{response_id}"
    refused = post_form(client, page + "/validity", {"validity": "invalid", "reason": " "}, page=page,
                        follow_redirects=True)
    assert "请填写认定该问卷无效的理由" in refused.get_data(as_text=True)
    done = post_form(client, page + "/validity", {"validity": "invalid", "reason": "全部选择同一选项，系随意填写"},
                     page=page, follow_redirects=True).get_data(as_text=True)
    assert "已将 外滩街道 的问卷认定为无效" in done and "没有待审核的问卷" in done
    with app.app_context():
        response = db.session.get(Response, response_id)
        assert response.validity is Validity.invalid and response.reviewed_by.email == "evaluator@example.org"
        event = db.session.scalar(select(AuditEvent).filter_by(action="response.validity"))
        assert event.details["before"]["validity"] == "valid"
        assert event.details["after"] == {"validity": "invalid", "reason": "全部选择同一选项，系随意填写"}
    detail = client.get(page).get_data(as_text=True)
    assert "全部选择同一选项，系随意填写" in detail and "valid → invalid" in detail
    assert 'data-testid="return-rate">0.00%<' in client.get(f"/surveys/{small_survey}").get_data(as_text=True)


def test_browse_every_submitted_response_with_filters(app, client, login, small_survey):
    submit(app, small_survey, "310101002")
    submit(app, small_survey, "310104003", {"q01": 5})
    login("evaluator")
    listing = f"/surveys/{small_survey}/responses"
    every = client.get(listing).get_data(as_text=True)
    assert "共 2 份已提交问卷" in every and "作答题目过少" in every
    # the rules' reason reads as words, never as the rule's code
    assert every.count("作答题目过少") == 2 and "too_few_answered" not in every
    invalid = client.get(listing + "?shown=invalid").get_data(as_text=True)
    assert "共 1 份已提交问卷" in invalid and "天平路街道" in invalid and "南京东路街道" not in invalid
    assert "共 1 份已提交问卷" in client.get(listing + "?district=黄浦区").get_data(as_text=True)
    assert client.get(listing + "?shown=everything").status_code == 302


def test_a_response_is_found_only_under_its_own_survey(app, client, login, small_survey):
    response_id = submit(app, small_survey, "310101002")
    with app.app_context():
        make_survey("other-2018")
    login("evaluator")
    assert client.get(f"/surveys/other-2018/responses/{response_id}").status_code == 404
    page = f"/surveys/{small_survey}/responses/{response_id}"
    stolen = post_form(client, f"/surveys/other-2018/responses/{response_id}/validity",
                       {"validity": "invalid", "reason": "x"}, page=page)
    assert stolen.status_code == 404
    with app.app_context():
        assert db.session.get(Response, response_id).validity is Validity.valid


def test_drafts_are_not_shown(app, client, login, small_survey):
    from survey_service.responses.operations import save_answers
    from survey_service.surveys.models import Invitation

    with app.app_context():
        draft = save_answers(db.session.scalar(select(Invitation).order_by(Invitation.id)), {"q01": 4}, {},
                             submit=False)
        db.session.commit()
        draft_id = draft.id
    login("evaluator")
    assert client.get(f"/surveys/{small_survey}/responses/{draft_id}").status_code == 404
