"""Scheduled reminders: non-respondents are reminded at set moments before a survey closes, by the clock loop.

Each rule says "N days before closing, at HH:MM Beijing time". The clock loop (survey_service.jobs.clock) calls
:func:`start_due_reminders` every few seconds; a rule whose moment has passed and has not run for that moment
starts a reminder batch — to the centres that have not submitted, as a manual reminder would, and audited the
same way with the actor ``schedule``. Only open surveys are reminded: closing a survey stops its reminders, and
reopening it with a new closing time moves them. When several moments passed unseen (no worker was running),
only the latest is sent; the earlier ones are recorded as missed rather than sent in a burst.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from survey_service.audit.operations import record
from survey_service.database import begin_writing
from survey_service.extensions import db
from survey_service.jobs.clock import now
from survey_service.mail.models import ReminderRule, ReminderRun
from survey_service.mail.operations import SendRefused, start_batch
from survey_service.surveys.models import Survey, SurveyState

BEIJING = ZoneInfo("Asia/Shanghai")
#: the schedule offered with one click: 5 and 2 days before closing and the last morning, at 09:00
SUGGESTED = ((5, "09:00"), (2, "09:00"), (0, "09:00"))
ACTOR = "schedule"


def due_at(rule: ReminderRule, closes_at: datetime) -> datetime:
    """The moment of a rule for a closing time, in UTC."""
    closing_day = closes_at.astimezone(BEIJING).date()
    hours, minutes = (int(part) for part in rule.at_time.split(":"))
    local = datetime.combine(closing_day - timedelta(days=rule.days_before), time(hours, minutes), BEIJING)
    return local.astimezone(ZoneInfo("UTC"))


def rules_of(survey: Survey) -> list[ReminderRule]:
    return db.session.scalars(select(ReminderRule).filter_by(survey_id=survey.id)
                              .order_by(ReminderRule.days_before.desc(), ReminderRule.at_time)).all()


def schedule_rows(survey: Survey) -> list[dict]:
    """Each rule with its moment for the current closing time and what happened at it, for the mail page."""
    runs = {(run.rule_id, run.due_at): run for run in db.session.scalars(
        select(ReminderRun).join(ReminderRule).where(ReminderRule.survey_id == survey.id))}
    current = now()
    rows = []
    for rule in rules_of(survey):
        moment = due_at(rule, survey.closes_at) if survey.closes_at else None
        run = runs.get((rule.id, moment))
        usable = moment is not None and moment < survey.closes_at
        rows.append({"rule": rule, "due_at": moment, "run": run,
                     "upcoming": usable and run is None and moment > current and survey.state is SurveyState.open,
                     "after_closing": moment is not None and not usable})
    return rows


def add_rule(survey: Survey, days_before: int, at_time: str) -> ReminderRule | None:
    """Add a rule unless the same one exists; returns it (None when it was there already)."""
    if db.session.scalar(select(ReminderRule).filter_by(survey_id=survey.id, days_before=days_before,
                                                        at_time=at_time)):
        return None
    rule = ReminderRule(survey_id=survey.id, days_before=days_before, at_time=at_time)
    db.session.add(rule)
    db.session.flush()
    record("reminder.schedule", survey, days_before=days_before, at_time=at_time)
    return rule


def remove_rule(survey: Survey, rule_id: int) -> bool:
    rule = db.session.get(ReminderRule, rule_id)
    if rule is None or rule.survey_id != survey.id:
        return False
    record("reminder.unschedule", survey, days_before=rule.days_before, at_time=rule.at_time)
    db.session.delete(rule)
    db.session.flush()
    return True


def start_due_reminders() -> int:
    """The clock loop's step: start the reminders that have come due; returns how many batches started."""
    current = now()
    surveys = db.session.scalars(select(Survey).where(
        Survey.state == SurveyState.open, Survey.closes_at.is_not(None), Survey.closes_at > current,
        Survey.id.in_(select(ReminderRule.survey_id)))).all()
    due_by_survey = []
    for survey in surveys:
        done = {(run.rule_id, run.due_at) for run in db.session.scalars(
            select(ReminderRun).join(ReminderRule).where(ReminderRule.survey_id == survey.id))}
        due = sorted(((due_at(rule, survey.closes_at), rule.id) for rule in rules_of(survey)
                      if (rule.id, due_at(rule, survey.closes_at)) not in done
                      and due_at(rule, survey.closes_at) <= current), reverse=True)
        if due:
            due_by_survey.append((survey.id, due))
    db.session.rollback()
    return sum(_start(survey_id, due) for survey_id, due in due_by_survey)


def _start(survey_id: int, due: list[tuple[datetime, int]]) -> int:
    """Record the due moments of one survey (the latest sent, the others missed) and start its batch."""
    begin_writing()
    survey = db.session.get(Survey, survey_id)
    (latest, rule_id), earlier = due[0], due[1:]
    for moment, missed_rule in earlier:
        db.session.add(ReminderRun(rule_id=missed_rule, due_at=moment, outcome="missed"))
    run = ReminderRun(rule_id=rule_id, due_at=latest, outcome="sent")
    db.session.add(run)
    try:
        db.session.flush()  # the unique key: another clock loop recorded this moment first
    except IntegrityError:
        db.session.rollback()
        return 0
    try:
        run.batch_id = start_batch(survey, "reminder", None, actor=ACTOR).id
    except SendRefused as refused:
        run.outcome = refused.reason
        record("reminder.skip", survey, actor=ACTOR, reason=refused.reason)
    db.session.commit()
    return int(run.batch_id is not None)


def next_reminder(survey: Survey) -> datetime | None:
    """The next moment a scheduled reminder goes out, for the survey's overview."""
    upcoming = [row["due_at"] for row in schedule_rows(survey) if row["upcoming"]]
    return min(upcoming, default=None)
