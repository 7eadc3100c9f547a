"""Preview writes nothing and shows the centre's own form and receipt; saving never changes a version in use."""
from __future__ import annotations

from sqlalchemy import select

from survey_service.extensions import db
from survey_service.surveys.models import Invitation, Survey
from tests.conftest import count_rows
from tests.questionnaires.form_fields import form_fields

ANSWERS = {f"item-q{n:02d}": "4" for n in range(1, 13)}


def written_rows(app) -> tuple:
    with app.app_context():
        opened = db.session.scalar(select(Invitation).where(Invitation.opened_at.is_not(None)))
        return count_rows("responses"), count_rows("answers"), opened


def test_preview_of_a_draft_checks_answers_and_shows_the_receipt_without_storing(app, client, start_builder,
                                                                                 issued_survey):
    builder = start_builder(start="copy", version="1")
    frames = client.get(builder.url + "/preview").get_data(as_text=True)
    assert frames.count(f'src="{builder.url}/preview/form?in=zh"') == 2 and 'width="390"' in frames
    form_url = f"{builder.url}/preview/form?in=zh"
    page = client.get(form_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "预览：与中心所见一致，不保存任何内容。" in html
    assert "远教平台课件资源栏目内容的丰富程度" in html and "data-autosave-url" not in html
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN" and "frame-ancestors 'self'" in page.headers[
        "Content-Security-Policy"]
    fields = form_fields(html, "respond-form")
    missing = client.post(form_url, data={**fields, "item-q01": "5", "action": "submit"})
    assert missing.status_code == 422 and "第 2 题：请回答此题。" in missing.get_data(as_text=True)
    receipt = client.post(form_url, data={**fields, **ANSWERS, "action": "submit"}).get_data(as_text=True)
    assert "问卷已提交" in receipt and "（预览：不生成回执编号）" in receipt
    english = client.get(f"{builder.url}/preview/form?in=en").get_data(as_text=True)
    assert "How rich the course resources on the platform are" in english and "远教平台" not in english
    assert written_rows(app) == (0, 0, None)


def test_preview_of_an_open_survey_opens_no_link(app, client, evaluator, issued_survey):
    page = client.get(f"/questionnaires/remote-edu-ops-2017/versions/1/preview/form?survey={issued_survey}")
    assert page.status_code == 200 and "示例中心" in page.get_data(as_text=True)
    frames = client.get("/questionnaires/remote-edu-ops-2017/versions/1/preview?survey=" + issued_survey)
    assert frames.status_code == 200
    assert written_rows(app) == (0, 0, None)


def test_editing_a_version_in_use_makes_the_next_and_the_survey_keeps_its_own(app, client, start_builder,
                                                                            issued_survey):
    builder = start_builder(start="copy", version="1")
    saved = builder.press("save", {"dimensions-0-items-0-text": "课件资源是否丰富"})
    assert saved.status_code == 302
    with app.app_context():
        survey = db.session.scalar(select(Survey).filter_by(key=issued_survey))
        assert survey.questionnaire_version.version == 1
        assert survey.questionnaire_version.questionnaire.items[0].text == "远教平台课件资源栏目内容的丰富程度"
        token = survey.invitations[0].token
    centre = app.test_client().get(f"/s/{token}").get_data(as_text=True)
    assert "远教平台课件资源栏目内容的丰富程度" in centre and "课件资源是否丰富" not in centre
    listing = client.get("/questionnaires/remote-edu-ops-2017").get_data(as_text=True)
    assert "题项 q01 的表述由“远教平台课件资源栏目内容的丰富程度”改为“课件资源是否丰富”。" in listing
    assert listing.count("/surveys/remote-edu-ops-2017") == 1  # only version 1 is used by the survey


def test_a_surveys_page_links_to_its_preview(app, client, evaluator, issued_survey):
    page = client.get(f"/surveys/{issued_survey}").get_data(as_text=True)
    preview = f"/questionnaires/remote-edu-ops-2017/versions/1/preview?survey={issued_survey}"
    assert f'href="{preview}">按中心所见预览</a>' in page
    assert client.get(preview).status_code == 200
