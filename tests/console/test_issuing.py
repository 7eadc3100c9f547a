"""Issuing in the console: create a survey, open and close it, export the links and the QR-code sheet."""
import io

from openpyxl import load_workbook
from sqlalchemy import select

from survey_service.audit.models import AuditEvent
from survey_service.extensions import db
from survey_service.questionnaires.models import QuestionnaireVersion
from survey_service.roster.models import Roster
from survey_service.surveys.models import Survey, SurveyState
from tests.conftest import BASE_URL, post_form
from tests.console.conftest import make_survey


def survey_form(app, **overrides) -> dict:
    with app.app_context():
        version_id = db.session.scalar(select(QuestionnaireVersion.id))
        roster_id = db.session.scalar(select(Roster.id))
    return {"key": "ops-2018", "title": "", "questionnaire": version_id, "roster": roster_id,
            "opens": "2018-06-08T09:00", "closes": "2018-06-18T18:00", "allow_corrections": "y", **overrides}


def test_create_a_survey_in_beijing_time(app, client, login, small_survey):
    login("evaluator")
    response = post_form(client, "/surveys/new", survey_form(app))
    assert response.status_code == 302 and response.location.endswith("/surveys/ops-2018")
    assert "共生成 4 个专属链接" in client.get(response.location).get_data(as_text=True)
    with app.app_context():
        survey = db.session.scalar(select(Survey).filter_by(key="ops-2018"))
        assert survey.state is SurveyState.draft and survey.allow_corrections and len(survey.invitations) == 4
        assert survey.opens_at.isoformat() == "2018-06-08T01:00:00+00:00"
        assert survey.closes_at.isoformat() == "2018-06-18T10:00:00+00:00"
        assert survey.title == survey.questionnaire_version.title


def test_a_bad_survey_form_says_what_is_wrong(app, client, login, small_survey):
    login("evaluator")
    bad = post_form(client, "/surveys/new", survey_form(app, key="Bad Key", closes="2018-06-01T09:00"))
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "只能使用小写字母" in page and "结束时间必须晚于开始时间" in page
    taken = post_form(client, "/surveys/new", survey_form(app, key=small_survey))
    assert taken.status_code == 422 and f"标识：调查“{small_survey}”已存在" in taken.get_data(as_text=True)


def test_open_and_close_with_illegal_transitions_refused(app, client, login):
    with app.app_context():
        make_survey("draft-2018", state="draft")
    login("evaluator")
    page = "/surveys/draft-2018"
    refused = post_form(client, f"{page}/close", {}, page=page, follow_redirects=True).get_data(as_text=True)
    assert "只有进行中的调查才能结束；本调查当前状态为“草稿”" in refused
    assert "调查已开启" in post_form(client, f"{page}/open", {}, page=page, follow_redirects=True).get_data(as_text=True)
    again = post_form(client, f"{page}/open", {}, page=page, follow_redirects=True).get_data(as_text=True)
    assert "只有草稿状态的调查才能开启；本调查当前状态为“进行中”" in again
    assert "调查已结束" in post_form(client, f"{page}/close", {}, page=page, follow_redirects=True).get_data(as_text=True)
    assert client.post(f"{page}/open").status_code == 400  # no CSRF token
    with app.app_context():
        assert db.session.scalar(select(Survey.state).filter_by(key="draft-2018")) is SurveyState.closed
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == "draft-2018")).all()
        assert actions == ["survey.create", "survey.open", "survey.closed"]


def test_invitation_list_as_csv_and_xlsx(app, client, login, small_survey):
    login("evaluator")
    csv = client.get(f"/surveys/{small_survey}/invitations.csv")
    assert csv.headers["Content-Disposition"] == 'attachment; filename="small-2018-invitations.csv"'
    lines = csv.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "code,name,district,contact_email,link" and len(lines) == 5
    assert lines[4].startswith(f"310104004,湖南路街道,徐汇区,,{BASE_URL}/s/")
    sheet = load_workbook(io.BytesIO(client.get(f"/surveys/{small_survey}/invitations.xlsx").data)).active
    rows = list(sheet.values)
    assert rows[0] == ("code", "name", "district", "contact_email", "link") and len(rows) == 5
    assert rows[1][4].startswith(f"{BASE_URL}/s/")
    with app.app_context():
        exports = db.session.scalars(select(AuditEvent).filter_by(action="invitations.export")).all()
        assert [e.details["format"] for e in exports] == ["csv", "xlsx"]


def test_qr_sheet_has_one_card_per_centre(app, client, login, small_survey):
    login("evaluator")
    page = client.get(f"/surveys/{small_survey}/invitations/qr").get_data(as_text=True)
    assert page.count('class="qr-card"') == 4 and page.count("<svg") == 4
    assert "天平路街道" in page and f"{BASE_URL}/s/" in page and "请于 2018年6月18日 前完成填写" in page
    xuhui = client.get(f"/surveys/{small_survey}/invitations/qr?district=徐汇区").get_data(as_text=True)
    assert xuhui.count('class="qr-card"') == 2 and "外滩街道" not in xuhui
    with open("static/css/console.css", encoding="utf-8") as css:
        assert "size: A4" in css.read()


def test_links_page_offers_every_export(app, client, login, small_survey):
    login("evaluator")
    page = client.get(f"/surveys/{small_survey}/invitations").get_data(as_text=True)
    for target in ("invitations.csv", "invitations.xlsx", "invitations/qr"):
        assert f"/surveys/{small_survey}/{target}" in page
