"""A survey's lifecycle in the console and on the command line: edit, close and reopen, archive, delete a draft."""
from datetime import timedelta

from sqlalchemy import select

from survey_service.audit.models import AuditEvent
from survey_service.extensions import db
from survey_service.mail.wording import compose
from survey_service.surveys.models import Invitation, Survey, SurveyState
from survey_service.timestamps import utcnow
from tests.conftest import post_form
from tests.console.conftest import make_survey, submit


def audit_of(app, key: str) -> list[tuple[str, dict]]:
    with app.app_context():
        return [(event.action, event.details) for event in db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_id == key).order_by(AuditEvent.id))]


def survey_of(app, key: str) -> Survey:
    with app.app_context():
        return db.session.scalar(select(Survey).filter_by(key=key))


def test_extending_the_deadline_reaches_the_centres_page_and_the_reminder(app, client, login, small_survey):
    login("evaluator")
    overview = f"/surveys/{small_survey}"
    page = client.get(f"{overview}/edit").get_data(as_text=True)
    assert 'value="2018-06-18T18:00"' in page and "修改标题和时间" in page
    extended = post_form(client, f"{overview}/edit", {"title": "2018年度满意度调查（延期）", "opens": "",
                                                      "closes": "2030-06-25T17:30"})
    assert extended.status_code == 302
    assert "已保存调查的标题和时间" in client.get(overview).get_data(as_text=True)
    with app.app_context():
        survey = db.session.scalar(select(Survey).filter_by(key=small_survey))
        assert survey.closes_at.isoformat() == "2030-06-25T09:30:00+00:00" and survey.accepting_answers()
        invitation = survey.invitations[0]
        reminder = compose(invitation, "reminder", "x@example.org", app.config).get_body(("plain",)).get_content()
        assert "2030年6月25日 17:30" in reminder
        token = invitation.token
    centre_page = app.test_client().get(f"/s/{token}").get_data(as_text=True)
    assert "2030年6月25日 17:30" in centre_page and "2018年度满意度调查（延期）" in centre_page
    [(action, details)] = [entry for entry in audit_of(app, small_survey) if entry[0] == "survey.edit"]
    assert details["before"] == {"title": "2018年度远程教育运维满意度调查", "closes_at": "2018-06-18T10:00:00+00:00"}
    assert details["after"] == {"title": "2018年度满意度调查（延期）", "closes_at": "2030-06-25T09:30:00+00:00"}


def test_a_bad_edit_changes_nothing(app, client, login, small_survey):
    login("evaluator")
    bad = post_form(client, f"/surveys/{small_survey}/edit",
                    {"title": "", "opens": "2018-06-20T09:00", "closes": "2018-06-19T09:00"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "结束时间必须晚于开始时间" in page
    assert survey_of(app, small_survey).title == "2018年度远程教育运维满意度调查"
    assert "survey.edit" not in [action for action, _ in audit_of(app, small_survey)]


def test_close_and_reopen_with_a_reason(app, client, login, small_survey):
    login("evaluator")
    overview = f"/surveys/{small_survey}"
    closed = post_form(client, f"{overview}/close", {"reason": "收齐"}, page=overview, follow_redirects=True)
    assert "调查已结束" in closed.get_data(as_text=True)
    page = client.get(overview).get_data(as_text=True)
    assert "重新开启调查" in page and "重新开启须填写原因" in page
    no_reason = post_form(client, f"{overview}/reopen", {"reason": "  "}, page=overview, follow_redirects=True)
    assert "请填写重新开启的原因" in no_reason.get_data(as_text=True)
    assert survey_of(app, small_survey).state is SurveyState.closed
    reopened = post_form(client, f"{overview}/reopen", {"reason": "两个中心寄来纸质问卷", "closes": "2030-07-01T18:00"},
                         page=overview, follow_redirects=True).get_data(as_text=True)
    assert "调查已重新开启" in reopened
    survey = survey_of(app, small_survey)
    assert survey.state is SurveyState.open and survey.closed_at is None and survey.accepting_answers()
    actions = audit_of(app, small_survey)
    assert ("survey.closed", {"before": "open", "after": "closed", "reason": "收齐"}) in actions
    assert ("survey.reopen", {"before": "closed", "after": "open", "reason": "两个中心寄来纸质问卷"}) in actions
    assert [a for a, _ in actions][-2:] == ["survey.reopen", "survey.edit"]


def test_reopening_with_the_deadline_passed_says_to_extend_it(app, client, login):
    with app.app_context():
        make_survey("late-2018", state="closed", closes="2018-06-18T18:00")
    login("evaluator")
    page = post_form(client, "/surveys/late-2018/reopen", {"reason": "补录"}, page="/surveys/late-2018",
                     follow_redirects=True).get_data(as_text=True)
    assert "调查已重新开启" in page and "截止时间已过：请延长截止时间" in page


def test_archived_surveys_are_read_only_and_hidden_by_default(app, client, login, small_survey):
    with app.app_context():
        make_survey("old-2017", state="closed")
    login("evaluator")
    refused = post_form(client, f"/surveys/{small_survey}/archive", {}, page=f"/surveys/{small_survey}",
                        follow_redirects=True).get_data(as_text=True)
    assert "只有已结束的调查才能归档；本调查当前状态为“进行中”" in refused
    assert "调查已归档" in post_form(client, "/surveys/old-2017/archive", {}, page="/surveys/old-2017",
                                      follow_redirects=True).get_data(as_text=True)
    listing = client.get("/").get_data(as_text=True)
    assert "/surveys/old-2017" not in listing and "显示已归档的调查（1）" in listing
    assert "/surveys/old-2017" in client.get("/?archived=1").get_data(as_text=True)
    overview = client.get("/surveys/old-2017").get_data(as_text=True)
    assert "已归档：只读" in overview and "修改标题和时间" not in overview
    assert client.get("/surveys/old-2017/edit").status_code == 302
    with app.app_context():
        token = db.session.scalar(select(Invitation.token).join(Survey).where(Survey.key == "old-2017"))
    assert "问卷调查已结束" in app.test_client().get(f"/s/{token}").get_data(as_text=True)
    assert "调查已从归档中恢复" in post_form(client, "/surveys/old-2017/restore", {}, page="/surveys/old-2017",
                                          follow_redirects=True).get_data(as_text=True)
    assert survey_of(app, "old-2017").state is SurveyState.closed
    assert [a for a, _ in audit_of(app, "old-2017")][-2:] == ["survey.archived", "survey.restored"]


def test_delete_a_draft_but_never_a_survey_with_responses(app, client, login):
    with app.app_context():
        make_survey("mistake-2018", state="draft")
        make_survey("answered-2018", state="draft")
    submit(app, "answered-2018", "310101002")
    login("evaluator")
    page = client.get("/surveys/answered-2018").get_data(as_text=True)
    assert "删除草稿" in page and "已有答卷的调查不能删除" in page
    refused = post_form(client, "/surveys/answered-2018/delete", {}, page="/surveys/answered-2018",
                        follow_redirects=True).get_data(as_text=True)
    assert "已有答卷的调查不能删除" in refused and survey_of(app, "answered-2018") is not None
    deleted = post_form(client, "/surveys/mistake-2018/delete", {}, page="/surveys/mistake-2018")
    assert deleted.status_code == 302 and deleted.location.endswith("/")
    assert survey_of(app, "mistake-2018") is None
    with app.app_context():
        assert db.session.scalar(select(Invitation.id).join(Survey).where(Survey.key == "mistake-2018")) is None
    assert [a for a, _ in audit_of(app, "mistake-2018")] == ["survey.create", "survey.delete"]
    open_survey = make_open(app)
    refused = post_form(client, f"/surveys/{open_survey}/delete", {}, page=f"/surveys/{open_survey}",
                        follow_redirects=True).get_data(as_text=True)
    assert "只有草稿状态的调查才能删除" in refused


def make_open(app) -> str:
    with app.app_context():
        return make_survey("running-2018")


def test_viewers_see_no_lifecycle_buttons(app, client, login, small_survey):
    login("viewer")
    page = client.get(f"/surveys/{small_survey}").get_data(as_text=True)
    assert "结束调查" not in page and "修改标题和时间" not in page


def test_the_command_line_moves_a_survey_along_its_lifecycle(app, runner, small_survey):
    def run(*args):
        return runner.invoke(args=["survey", *args])

    assert run("edit", small_survey, "--closes", "2030-01-31T18:00").exit_code == 0
    assert survey_of(app, small_survey).closes_at.isoformat() == "2030-01-31T10:00:00+00:00"
    assert run("close", small_survey, "--reason", "done").exit_code == 0
    refused = run("edit", small_survey, "--title", "x")
    assert refused.exit_code == 2 and "only a draft or open survey can be edited" in refused.stderr
    missing = run("reopen", small_survey)
    assert missing.exit_code == 2 and "--reason" in missing.stderr
    assert run("reopen", small_survey, "--reason", "late paper forms").exit_code == 0
    assert run("close", small_survey).exit_code == 0
    archived = run("archive", small_survey)
    assert archived.exit_code == 0 and f"archived survey {small_survey}" in archived.stderr
    assert run("restore", small_survey).exit_code == 0
    deleted = run("delete", small_survey)
    assert deleted.exit_code == 2 and "only a draft survey can be deleted" in deleted.stderr
    assert [a for a, _ in audit_of(app, small_survey)][1:] == [
        "survey.open", "survey.edit", "survey.closed", "survey.reopen", "survey.closed", "survey.archived",
        "survey.restored"]
    assert audit_of(app, small_survey)[4][1]["reason"] == "late paper forms"
    with app.app_context():
        assert db.session.scalar(select(Survey.closes_at).filter_by(key=small_survey)) > utcnow() - timedelta(days=1)
