"""Saving, restoring and checking answers: only values on the scale and texts within bounds are ever stored."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_service.extensions import db
from survey_service.responses.models import Answer, Response, ResponseState
from tests.conftest import count_rows, csrf_token, post_form
from tests.respond.conftest import COMPLETE_ANSWERS, invitation_of


def stored_answers(app) -> dict[str, int | str]:
    from survey_service.questionnaires.models import Question

    with app.app_context():
        rows = db.session.execute(select(Question.key, Answer.value, Answer.text).join(Answer.question))
        return {key: value if text is None else text for key, value, text in rows}


def response_count(app) -> int:
    with app.app_context():
        return count_rows("responses")


def test_a_saved_draft_is_restored_when_the_link_is_opened_again(app, client, tokens, link):
    saved = post_form(client, link, {"item-q01": "5", "item-q02": "0", "open-suggestions": "多一些 党史 课件",
                                     "action": "save"})
    assert saved.status_code == 302 and saved.headers["Location"] == link
    assert "答案已保存" in client.get(link).get_data(as_text=True)
    html = client.get(link).get_data(as_text=True)
    assert 'value="5"\n         aria-describedby="item-q01-text" checked' in html
    assert 'value="0"\n         aria-describedby="item-q02-text" checked' in html
    assert ">多一些 党史 课件</textarea>" in html
    assert '<strong data-answered>2</strong>' in html
    assert stored_answers(app) == {"q01": 5, "q02": 0, "suggestions": "多一些 党史 课件"}
    with app.app_context():
        assert db.session.scalar(select(Response.state)) is ResponseState.draft
    assert invitation_of(app, tokens[0]).started_at is not None


def test_saving_again_replaces_the_draft(app, client, link):
    post_form(client, link, {"item-q01": "5", "item-q02": "4", "action": "save"})
    post_form(client, link, {"item-q01": "3", "action": "save"})
    assert stored_answers(app) == {"q01": 3}
    assert response_count(app) == 1


def test_submitting_with_questions_missing_names_each_one_and_stores_nothing(app, client, link):
    answers = {key: value for key, value in COMPLETE_ANSWERS.items() if key not in ("item-q04", "item-q09")}
    page = post_form(client, link, {**answers, "action": "submit"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert html.count('class="likert-row has-error"') == 2
    assert '<a href="#item-q04-5">第 4 题：请回答此题。</a>' in html
    assert '<a href="#item-q09-5">第 9 题：请回答此题。</a>' in html
    assert 'value="4"\n         aria-describedby="item-q01-text" checked' in html  # what was given stays on the page
    assert response_count(app) == 0


def test_not_applicable_answers_count_as_answered(app, client, link):
    answers = {f"item-q{n:02d}": "0" for n in range(1, 13)}
    assert post_form(client, link, {**answers, "action": "submit"}).status_code == 302
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert response.state is ResponseState.submitted and response.answered_share == 1.0
        assert response.validity.value == "valid" and response.flags == []


@pytest.mark.parametrize("change, message", [
    ({"item-q01": "6"}, "请从所列选项中选择。"),
    ({"item-q01": "-1"}, "请从所列选项中选择。"),
    ({"item-q01": "4.5"}, "请从所列选项中选择。"),
    ({"item-q01": "很满意"}, "请从所列选项中选择。"),
    ({"item-q01": "99999999999999999999"}, "请从所列选项中选择。"),
    ({"item-q01": ["4", "5"]}, "每题只能选择一个选项。"),
    ({"open-suggestions": "字" * 2001}, "最多可填写 2000 字，当前为 2001 字。"),
    ({"open-suggestions": "意见\x00建议"}, "文字中含有控制字符"),
    ({"item-q13": "5"}, "包含本问卷没有的字段"),
    ({"action": "publish"}, "包含本问卷没有的字段"),
])
@pytest.mark.parametrize("action", ["save", "submit"])
def test_answers_off_the_scale_or_out_of_bounds_are_refused_and_nothing_is_stored(app, client, link, change,
                                                                                   message, action):
    page = post_form(client, link, {**COMPLETE_ANSWERS, "action": action, **change})
    assert page.status_code == 422
    assert message in page.get_data(as_text=True)
    assert response_count(app) == 0


def test_line_breaks_count_once_as_in_the_browser(app, client, link):
    text = "一\r\n" * 666 + "二"  # 1999 characters in the textarea, 2665 bytes on the wire with CRLF
    assert post_form(client, link, {**COMPLETE_ANSWERS, "open-suggestions": text, "action": "save"}).status_code == 302
    assert stored_answers(app)["suggestions"] == "一\n" * 666 + "二"


def test_bytes_that_are_not_utf8_are_refused(app, client, link):
    token = csrf_token(client, link)
    boundary = "survey-boundary"
    parts = [("csrf_token", token.encode()), ("action", b"save"), ("item-q01", b"5"),
             ("open-suggestions", "建议".encode("gbk"))]
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
                    for name, value in parts) + f"--{boundary}--\r\n".encode()
    page = client.post(link, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert page.status_code == 422
    assert "文字中含有无法识别的字符" in page.get_data(as_text=True)
    raw = client.post(link, data=b"csrf_token=" + token.encode() + b"&item-q01=\xff\xfe",
                      content_type="application/x-www-form-urlencoded")
    assert raw.status_code == 400  # Werkzeug drops a body it cannot decode, the CSRF token with it
    assert response_count(app) == 0


def test_markup_in_an_open_answer_is_kept_as_text_and_shown_escaped(app, client, link):
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    post_form(client, link, {"open-suggestions": script, "action": "save"})
    assert stored_answers(app) == {"suggestions": script}
    html = client.get(link).get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_form_without_its_csrf_token_is_refused(app, client, link):
    assert client.post(link, data={**COMPLETE_ANSWERS, "action": "submit"}).status_code == 400
    assert response_count(app) == 0


def test_autosave_keeps_the_draft_and_says_when(app, client, link):
    saved = post_form(client, f"{link}/draft", {"item-q01": "4", "open-suggestions": "草稿"}, page=link)
    assert saved.status_code == 200
    assert saved.json["message"].startswith("已自动保存 ")
    assert stored_answers(app) == {"q01": 4, "suggestions": "草稿"}
    refused = post_form(client, f"{link}/draft", {"item-q01": "9"}, page=link)
    assert refused.status_code == 422 and "未能自动保存" in refused.json["message"]
    assert stored_answers(app) == {"q01": 4, "suggestions": "草稿"}


def test_the_english_page_reads_the_questionnaires_english_text(client, link):
    html = client.get(f"{link}?lang=en").get_data(as_text=True)
    assert "Richness of resource content" in html and "How rich the course resources on the platform are" in html
    assert "Very satisfied" in html and "Don&#39;t know" in html
    assert "Huangpu · 南京东路街道" in html
    assert "资源栏目内容丰富度" not in html and ">保存<" not in html


def test_the_first_visit_is_the_form_of_a_centre_with_an_empty_draft(app, client, link):
    """A centre with nothing saved gets its page without the form's fields being built (``BlankAnswerForm``): it
    must be the very page a centre with an empty draft gets from the full form, but for the signed CSRF token."""
    import re

    def page() -> str:
        html = client.get(link).get_data(as_text=True)
        return re.sub(r'(name="csrf_token" type="hidden" value=")[^"]+', r"\1…", html)

    first = page()
    with app.app_context():
        assert count_rows("responses") == 0
    assert post_form(client, link, {"action": "save"}).status_code == 302
    client.get(link)  # the page that shows the flashed "saved" message
    with app.app_context():
        assert count_rows("responses") == 1
    assert page() == first
    assert first.count('name="csrf_token" type="hidden"') == 1 and 'name="item-q01"' in first
