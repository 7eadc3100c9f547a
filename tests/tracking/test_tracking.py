"""The live overview (SQL aggregates overall and per district, valid ÷ issued) and the non-respondent list."""
import json
import re

from sqlalchemy import select

from survey_service.audit.models import AuditEvent
from survey_service.auth.operations import find_user
from survey_service.tracking.queries import survey_progress
from survey_service.extensions import db
from survey_service.responses.models import Response, Validity
from survey_service.responses.operations import decide_validity, save_answers
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation
from survey_service.surveys.operations import find_survey
from survey_service.timestamps import utcnow
from tests.conftest import BASE_URL
from tests.console.conftest import ANSWERS, submit


def test_the_reports_return_rate_218_of_221(app, client, login, issued_survey):
    with app.app_context():
        survey = find_survey(issued_survey)
        for invitation in survey.invitations[3:]:
            save_answers(invitation, ANSWERS, {}, submit=True)
        db.session.commit()
    login("viewer")
    page = client.get(f"/surveys/{issued_survey}").get_data(as_text=True)
    assert re.search(r'data-testid="return-rate">98\.64%<', page) and "218 / 221" in page
    with app.app_context():
        reviewer = find_user("viewer@example.org")
        response = db.session.scalar(select(Response).order_by(Response.id))
        decide_validity(response, Validity.invalid, "同一中心重复填写", reviewer)
        db.session.commit()
    assert 'data-testid="return-rate">98.19%<' in client.get(f"/surveys/{issued_survey}").get_data(as_text=True)


def test_counts_per_district_follow_each_centre(app, small_survey):
    submit(app, small_survey, "310101002")
    submit(app, small_survey, "310104003", {f"q{n:02d}": 5 for n in range(1, 3)})  # too few answered: invalid
    with app.app_context():
        survey = find_survey(small_survey)
        by_code = {i.unit.code: i for i in survey.invitations}
        by_code["310101013"].sent_at = by_code["310101013"].opened_at = utcnow()
        db.session.commit()
        overall, districts = survey_progress(survey.id)
    assert (overall.issued, overall.emailed, overall.opened, overall.started, overall.submitted,
            overall.valid, overall.invalid) == (4, 1, 1, 2, 2, 1, 1)
    assert overall.valid_rate == 0.25
    assert [(d.group, d.issued, d.submitted, d.valid, d.invalid) for d in districts] == [
        ("黄浦区", 2, 1, 1, 0), ("徐汇区", 2, 1, 0, 1)]


def test_overview_draws_an_offline_plotly_chart(app, client, login, small_survey):
    submit(app, small_survey, "310101002")
    login("viewer")
    page = client.get(f"/surveys/{small_survey}").get_data(as_text=True)
    data = re.search(r'<script type="application/json" id="district-chart-data">(.*?)</script>', page, re.S)
    figure = json.loads(data.group(1))
    assert figure["data"][0]["x"] == ["黄浦区", "徐汇区"] and figure["data"][0]["y"] == [50.0, 0.0]
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert "/assets/plotly.min.js" in scripts and all(src.startswith("/") for src in scripts)
    assert "<script>" not in page  # the CSP forbids inline scripts
    plotly = client.get("/assets/plotly.min.js")
    assert plotly.status_code == 200 and plotly.mimetype == "text/javascript" and b"plotly.js" in plotly.data[:300]


def test_non_respondents_filtered_and_exported(app, client, login, small_survey):
    submit(app, small_survey, "310101002")
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).join(RosterUnit).where(RosterUnit.code == "310104003"))
        invitation.opened_at = utcnow()
        token = invitation.token
        db.session.commit()
    login("evaluator")
    page = client.get(f"/surveys/{small_survey}/non-respondents").get_data(as_text=True)
    assert "3 个单位尚未提交" in page and "南京东路街道" not in page and "dj310101013@example.org" in page
    xuhui = client.get(f"/surveys/{small_survey}/non-respondents?district=徐汇区").get_data(as_text=True)
    assert "2 个单位尚未提交" in xuhui and "外滩街道" not in xuhui
    opened = client.get(f"/surveys/{small_survey}/non-respondents?stage=opened").get_data(as_text=True)
    assert "1 个单位尚未提交" in opened and "天平路街道" in opened
    csv = client.get(f"/surveys/{small_survey}/non-respondents.csv?district=徐汇区").data.decode("utf-8-sig")
    lines = csv.splitlines()
    assert lines[0] == "code,name,district,contact_email,stage,emailed_at,reminded_at,link"
    assert [line.split(",")[:5] for line in lines[1:]] == [
        ["310104003", "天平路街道", "徐汇区", "dj310104003@example.org", "opened"],
        ["310104004", "湖南路街道", "徐汇区", "", "not_opened"]]
    assert lines[1].endswith(f"{BASE_URL}/s/{token}")
    assert client.get(f"/surveys/{small_survey}/non-respondents.xlsx").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).filter_by(action="non_respondents.export")).details["rows"] == 2


def test_unknown_filters_show_everyone(app, client, login, small_survey):
    login("evaluator")
    page = client.get(f"/surveys/{small_survey}/non-respondents?district=火星区&stage=lost").get_data(as_text=True)
    assert "4 个单位尚未提交" in page


def test_dashboard_lists_every_survey_with_its_rate(app, client, login, small_survey):
    submit(app, small_survey, "310101002")
    login("viewer")
    page = client.get("/").get_data(as_text=True)
    assert f'href="/surveys/{small_survey}"' in page and "25.00%" in page
    assert "新建调查" not in page  # a viewer reads; an evaluator issues


def test_non_respondents_ignore_query_keys_that_name_route_arguments(app, client, login, small_survey):
    """?key=… or ?fmt=… once clashed with url_for's own arguments in the download links (a 500)."""
    login("evaluator")
    page = client.get(f"/surveys/{small_survey}/non-respondents?key=x&fmt=pdf&page=7&district=徐汇区")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2 个单位尚未提交" in html
    assert f'href="/surveys/{small_survey}/non-respondents.csv?district=%E5%BE%90%E6%B1%87%E5%8C%BA"' in html
