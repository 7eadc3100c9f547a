"""One submission per centre, a receipt, corrections only when allowed, nothing accepted outside the window."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from survey_service.extensions import db
from survey_service.responses.models import Answer, Response, ResponseState
from survey_service.surveys.models import SurveyState
from survey_service.timestamps import utcnow
from tests.conftest import count_rows, csrf_token, post_form
from tests.respond.conftest import COMPLETE_ANSWERS, invitation_of, issue_survey, survey_of


def submitted_responses(app) -> list[tuple[ResponseState, str, int]]:
    """(state, reference, number of answers) of every response."""
    with app.app_context():
        return [(response.state, response.reference, len(response.answers))
                for response in db.session.scalars(select(Response))]


def answer_values(app) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(Answer.value).where(Answer.value.is_not(None))))


def test_submitting_shows_a_receipt_with_the_time_in_china_standard_time(app, client, tokens, link):
    submitted = post_form(client, link, {**COMPLETE_ANSWERS, "action": "submit"})
    assert submitted.status_code == 302 and submitted.headers["Location"] == link
    [(state, reference, answers)] = submitted_responses(app)
    assert state is ResponseState.submitted and len(reference) == 10 and answers == 13
    with app.app_context():
        when = db.session.scalar(select(Response.submitted_at))
    receipt = client.get(link).get_data(as_text=True)
    assert "问卷已提交" in receipt and reference in receipt
    shanghai = when + timedelta(hours=8)
    assert f"{shanghai.year}年{shanghai.month}月{shanghai.day}日 {shanghai:%H:%M}" in receipt
    assert 'name="action"' not in receipt and "修改答案" not in receipt
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert response.validity.value == "valid" and response.answered_share == 1.0


def test_a_second_submission_changes_nothing(app, client, link):
    token = csrf_token(client, link)
    post_form(client, link, {**COMPLETE_ANSWERS, "action": "submit"})
    first = submitted_responses(app)
    for action in ("submit", "save"):
        again = client.post(link, data={"csrf_token": token, **COMPLETE_ANSWERS, "item-q01": "1", "action": action})
        assert again.status_code == 302
        assert "本问卷已提交，无需重复提交" in client.get(link).get_data(as_text=True)
    autosave = client.post(f"{link}/draft", data={"csrf_token": token, "item-q01": "1"})
    assert autosave.status_code == 409
    assert submitted_responses(app) == first
    assert 1 not in answer_values(app)


@pytest.mark.parametrize("with_draft", [False, True], ids=["no-draft", "draft"])
def test_concurrent_submissions_from_two_devices_keep_exactly_one(app, tokens, link, with_draft):
    devices = [app.test_client(), app.test_client()]
    tokens_by_device = [csrf_token(device, link) for device in devices]
    if with_draft:
        post_form(devices[0], link, {"item-q01": "3", "action": "save"})
    start = threading.Barrier(len(devices))
    statuses = []

    def submit(device, token, value):
        start.wait()
        answers = {**{f"item-q{n:02d}": value for n in range(1, 13)}, "open-suggestions": f"设备 {value}"}
        statuses.append(device.post(link, data={"csrf_token": token, **answers, "action": "submit"}).status_code)

    threads = [threading.Thread(target=submit, args=(device, token, value))
               for device, token, value in zip(devices, tokens_by_device, ["5", "2"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [302, 302]
    [(state, _, answers)] = submitted_responses(app)
    assert state is ResponseState.submitted and answers == 13
    assert answer_values(app) in ({5}, {2})  # one device's answers, never a mixture
    with app.app_context():
        assert count_rows("responses") == 1
        texts = set(db.session.scalars(select(Answer.text).where(Answer.text.is_not(None))))
        assert texts in ({"设备 5"}, {"设备 2"}) and texts == {f"设备 {answer_values(app).pop()}"}


@pytest.mark.parametrize("window, options", [
    ("closed", {"state": SurveyState.closed}),
    ("closed", {"closes_at": utcnow() - timedelta(minutes=1)}),
    ("not-yet-open", {"state": SurveyState.draft}),
    ("not-yet-open", {"opens_at": utcnow() + timedelta(days=1)}),
])
def test_outside_the_answering_window_the_dates_are_shown_and_nothing_is_accepted(app, client, window, options):
    link = f"/s/{issue_survey(app, 'windowed', **options)[0]}"
    page = client.get(link).get_data(as_text=True)
    heading = {"closed": "问卷调查已结束", "not-yet-open": "问卷调查尚未开始"}[window]
    assert heading in page and "开始时间" in page and "截止时间" in page and 'name="action"' not in page
    token = csrf_token(client, "/login")
    refused = client.post(link, data={"csrf_token": token, **COMPLETE_ANSWERS, "action": "submit"})
    assert refused.status_code == 409 and heading in refused.get_data(as_text=True)
    assert client.post(f"{link}/draft", data={"csrf_token": token, **COMPLETE_ANSWERS}).status_code == 409
    with app.app_context():
        assert count_rows("responses") == 0 and count_rows("answers") == 0


def test_a_submitted_centre_keeps_its_receipt_after_the_survey_closes(app, client, link):
    post_form(client, link, {**COMPLETE_ANSWERS, "action": "submit"})
    with app.app_context():
        survey_of().close()
        db.session.commit()
    assert "问卷已提交" in client.get(link).get_data(as_text=True)


def test_corrections_when_the_survey_allows_them(app, client):
    link = f"/s/{issue_survey(app, 'correctable', allow_corrections=True)[0]}"
    post_form(client, link, {**COMPLETE_ANSWERS, "action": "submit"})
    [(_, reference, _)] = submitted_responses(app)
    receipt = client.get(link).get_data(as_text=True)
    assert f'href="{link}/correction"' in receipt
    form = client.get(f"{link}/correction").get_data(as_text=True)
    assert "提交修改" in form and 'value="save"' not in form and "data-autosave-url" not in form
    incomplete = post_form(client, link, {"item-q01": "1", "action": "save"}, page=f"{link}/correction")
    assert incomplete.status_code == 422  # a correction must be as complete as a submission
    corrected = post_form(client, link, {**COMPLETE_ANSWERS, "item-q01": "1", "action": "submit"},
                          page=f"{link}/correction")
    assert corrected.status_code == 302
    assert "已保存您的修改" in client.get(link).get_data(as_text=True)
    assert submitted_responses(app) == [(ResponseState.submitted, reference, 13)]
    assert 1 in answer_values(app)
    assert client.post(f"{link}/draft", data={"csrf_token": csrf_token(client, f"{link}/correction"),
                                              "item-q01": "2"}).status_code == 409
    with app.app_context():
        survey_of("correctable").close()
        db.session.commit()
    assert client.get(f"{link}/correction").headers["Location"] == link


def test_no_corrections_when_the_survey_does_not_allow_them(app, client, link):
    post_form(client, link, {**COMPLETE_ANSWERS, "action": "submit"})
    assert client.get(f"{link}/correction").headers["Location"] == link
    before = submitted_responses(app)
    assert post_form(client, link, {**COMPLETE_ANSWERS, "item-q01": "1", "action": "submit"},
                     page="/login").status_code == 302
    assert submitted_responses(app) == before and 1 not in answer_values(app)
