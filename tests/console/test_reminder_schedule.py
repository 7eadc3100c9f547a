"""Scheduled reminders: sent by the clock loop at their moments to non-respondents only, audited, moved or stopped
with the survey's closing; the clock is injected so the test moves the calendar."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from survey_service.audit.models import AuditEvent
from survey_service.extensions import db
from survey_service.jobs.clock import tick
from survey_service.mail.models import MailBatch, ReminderRule, ReminderRun
from survey_service.mail.schedule import due_at
from survey_service.surveys.models import Survey, SurveyState
from tests.conftest import post_form
from tests.console.conftest import submit
from tests.console.smtp_server import wait_for_batches

MAIL_PAGE = "/surveys/small-2018/mail"
#: the small survey closes 2018-06-18 18:00 Beijing time = 10:00 UTC
CLOSES = datetime(2018, 6, 18, 10, 0, tzinfo=timezone.utc)


class Calendar:
    """The injected clock: a time the test sets and moves."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def calendar(app, start: datetime) -> Calendar:
    clock = app.extensions["clock"] = Calendar(start)
    return clock


def test_moments_are_counted_back_from_the_closing_day_in_beijing_time():
    rule = ReminderRule(days_before=5, at_time="09:00")
    assert due_at(rule, CLOSES) == datetime(2018, 6, 13, 1, 0, tzinfo=timezone.utc)
    # closing at 00:30 Beijing time is still the 18th there (16:30 UTC on the 17th)
    assert due_at(ReminderRule(days_before=0, at_time="09:00"), datetime(2018, 6, 17, 16, 30, tzinfo=timezone.utc)) \
        == datetime(2018, 6, 18, 1, 0, tzinfo=timezone.utc)


def test_the_schedule_reminds_non_respondents_at_its_moments_only(app, client, login, small_survey, smtp):
    clock = calendar(app, datetime(2018, 6, 10, 0, 0, tzinfo=timezone.utc))
    login("evaluator")
    assert "没有已设定的定时提醒" in client.get(MAIL_PAGE).get_data(as_text=True)
    post_form(client, MAIL_PAGE + "/schedule/suggested", {}, page=MAIL_PAGE)
    page = client.get(MAIL_PAGE).get_data(as_text=True)
    assert "截止前 5 天 09:00" in page and "截止当天 09:00" in page and "2018年6月13日 09:00" in page
    overview = client.get("/surveys/small-2018").get_data(as_text=True)
    assert "下一次向未提交单位发送定时提醒：2018年6月13日 09:00" in overview
    with app.app_context():
        tick()
        assert db.session.scalar(select(MailBatch)) is None  # nothing due yet
    submit(app, small_survey, "310101013")
    clock.now = datetime(2018, 6, 13, 1, 0, 30, tzinfo=timezone.utc)  # 5 days before, 09:00:30 Beijing
    with app.app_context():
        tick()
        tick()  # a second clock loop in the same minute records nothing twice
    wait_for_batches(app)
    assert sorted(smtp.recipients) == ["dj310101002@example.org", "dj310104003@example.org"]
    assert all(m["Subject"].startswith("【提醒】") for m in smtp.messages)
    submit(app, small_survey, "310101002")
    clock.now = datetime(2018, 6, 16, 1, 5, tzinfo=timezone.utc)  # 2 days before
    with app.app_context():
        tick()
    wait_for_batches(app)
    assert sorted(smtp.recipients) == ["dj310101002@example.org", "dj310104003@example.org",
                                       "dj310104003@example.org"]
    with app.app_context():
        runs = db.session.scalars(select(ReminderRun.outcome).order_by(ReminderRun.id)).all()
        assert runs == ["sent", "sent"]
        starts = db.session.scalars(select(AuditEvent).filter_by(action="mail.start")).all()
        assert [event.actor for event in starts] == ["schedule", "schedule"]
        assert [e.actor for e in db.session.scalars(select(AuditEvent).filter_by(action="mail.send"))] == \
            ["schedule", "schedule"]
    page = client.get(MAIL_PAGE).get_data(as_text=True)
    assert page.count(">已发送</a>") == 2 and "即将发送" in page


def test_closing_the_survey_stops_its_reminders_and_a_new_closing_time_moves_them(app, client, login,
                                                                                 small_survey, smtp):
    clock = calendar(app, datetime(2018, 6, 10, 0, 0, tzinfo=timezone.utc))
    login("evaluator")
    post_form(client, MAIL_PAGE + "/schedule", {"days_before": "2", "at_time": "09:00"}, page=MAIL_PAGE)
    with app.app_context():
        survey = db.session.scalar(select(Survey).filter_by(key=small_survey))
        survey.closes_at = CLOSES + timedelta(days=7)  # extended by a week: the reminder moves to the 23rd
        db.session.commit()
    clock.now = datetime(2018, 6, 16, 2, 0, tzinfo=timezone.utc)
    with app.app_context():
        tick()
        assert db.session.scalar(select(MailBatch)) is None
        survey = db.session.scalar(select(Survey).filter_by(key=small_survey))
        survey.state = SurveyState.closed
        db.session.commit()
    clock.now = datetime(2018, 6, 23, 2, 0, tzinfo=timezone.utc)
    with app.app_context():
        tick()
        assert db.session.scalar(select(MailBatch)) is None  # closed: no reminder
        survey = db.session.scalar(select(Survey).filter_by(key=small_survey))
        survey.state = SurveyState.open
        db.session.commit()
        tick()
    wait_for_batches(app)
    assert len(smtp.messages) == 3


def test_moments_missed_while_no_worker_ran_send_only_the_latest(app, client, login, small_survey, smtp):
    clock = calendar(app, datetime(2018, 6, 10, 0, 0, tzinfo=timezone.utc))
    login("evaluator")
    post_form(client, MAIL_PAGE + "/schedule/suggested", {}, page=MAIL_PAGE)
    clock.now = datetime(2018, 6, 16, 3, 0, tzinfo=timezone.utc)  # past 5 and 2 days before
    with app.app_context():
        tick()
    wait_for_batches(app)
    assert len(smtp.messages) == 3
    with app.app_context():
        assert sorted(db.session.scalars(select(ReminderRun.outcome))) == ["missed", "sent"]


def test_a_bad_time_is_refused_and_a_rule_can_be_removed(app, client, login, small_survey):
    login("evaluator")
    page = post_form(client, MAIL_PAGE + "/schedule", {"days_before": "2", "at_time": "9 am"}, page=MAIL_PAGE,
                     follow_redirects=True).get_data(as_text=True)
    assert "请填写时间，如 09:00" in page
    post_form(client, MAIL_PAGE + "/schedule", {"days_before": "1", "at_time": "14:30"}, page=MAIL_PAGE)
    with app.app_context():
        rule_id = db.session.scalar(select(ReminderRule.id))
    assert "截止前 1 天 14:30" in client.get(MAIL_PAGE).get_data(as_text=True)
    post_form(client, f"{MAIL_PAGE}/schedule/{rule_id}/delete", {}, page=MAIL_PAGE)
    with app.app_context():
        assert db.session.scalar(select(ReminderRule)) is None
        assert [e.action for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.action.like("reminder.%")).order_by(AuditEvent.id))] == ["reminder.schedule",
                                                                               "reminder.unschedule"]
