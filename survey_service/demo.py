"""``survey-service demo``: the README's demo data set.

The 2016 survey (closed, about 215 valid) and the 2017 survey (open, about 200 submitted, a few flagged for
review, the rest still to chase), both on the shared questionnaire and the 221-centre roster. Answers come
from a seeded generator with district-level differences, N/A answers and a few open comments.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click
import numpy as np
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from survey_service.auth.models import Role
from survey_service.auth.operations import create_user, find_user
from survey_service.command_line import say, transactional
from survey_service.extensions import db
from survey_service.questionnaires.operations import import_questionnaire
from survey_service.responses.operations import save_answers
from survey_service.roster.models import Roster
from survey_service.roster.operations import import_roster
from survey_service.surveys.models import Survey, SurveyState
from survey_service.surveys.operations import change_state, create_survey
from survey_service.timestamps import utcnow

#: copies of the shared questionnaire and roster, so the package carries its demo wherever it is installed
DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
ROSTER_NAME = "上海市221个街镇党建服务中心"
DEMO_ACCOUNTS = (("evaluator@example.org", Role.evaluator), ("admin@example.org", Role.admin),
                 ("viewer@example.org", Role.viewer))
COMMENTS = (
    "希望增加基层党务工作实务类课件，更新频率再快一些。",
    "直播课堂偶尔出现卡顿，建议提前做好网络测试。",
    "终端设备使用年限较长，建议分批更新。",
    "热线响应及时，工作人员态度很好。",
    "学习记录报送流程较繁琐，希望简化统计报表。",
    "手机客户端登录有时较慢，希望优化。",
    "建议增加针对老党员的适老化课程和大字版界面。",
    "投诉反馈后处理结果没有及时告知，希望加强回访。",
    "课件内容丰富，贴近基层需求，总体满意。",
    "希望故障报修后能更快到现场处理。",
)


def demo_file(name: str) -> Path:
    return DEMO_DATA / name


@click.command("demo", help="Load the demo data set (idempotent) and print the demo accounts.")
@with_appcontext
@transactional
def demo_command():
    summary = load_demo()
    for email, password in summary["accounts"]:
        say(f"demo account {email}  password {password}")
    say(f"demo data: surveys {', '.join(summary['surveys'])}; roster \"{ROSTER_NAME}\"")
    if summary.get("sample_link"):
        say(f"a centre's personal link (not yet answered): {summary['sample_link']}")


def load_demo(seed: int = 2018) -> dict:
    """Create the demo data once; later calls only reset the demo accounts' passwords."""
    version, _ = import_questionnaire(demo_file("questionnaire-2017.yaml").read_bytes(), "questionnaire-2017.yaml",
                                      actor="demo")
    roster = db.session.scalar(select(Roster).filter_by(name=ROSTER_NAME))
    if roster is None:
        roster = import_roster(demo_file("roster-shanghai.csv").read_bytes(), "roster-shanghai.csv", ROSTER_NAME,
                               actor="demo")
    rng = np.random.default_rng(seed)
    district_effect = {district: rng.normal(0, 0.25) for district in sorted({u.district for u in roster.units})}
    now = utcnow()
    surveys = []
    plans = (
        ("remote-edu-ops-2016", "2016年度远程教育网络体系运维满意度调查", datetime(2017, 6, 5, 1, tzinfo=timezone.utc),
         datetime(2017, 6, 16, 10, tzinfo=timezone.utc), 215, 0, -0.12, True),
        ("remote-edu-ops-2017", None, now - timedelta(days=10), now + timedelta(days=14), 200, 6, 0.0, False),
    )
    for key, title, opens_at, closes_at, submitted, drafts, shift, close in plans:
        surveys.append(key)
        if db.session.scalar(select(Survey.id).filter_by(key=key)) is not None:
            continue
        survey = create_survey(key, version, roster, title=title, opens_at=opens_at, closes_at=closes_at,
                               actor="demo")
        change_state(survey, SurveyState.open, actor="demo")
        _simulate(survey, rng, district_effect, shift, submitted, drafts, opens_at, min(closes_at, now))
        if close:
            change_state(survey, SurveyState.closed, actor="demo")
    accounts = []
    for email, role in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(9)
        user = find_user(email)
        if user is None:
            create_user(email, role.value, password, actor="demo")
        else:
            user.set_password(password)
        accounts.append((email, password))
    open_survey = db.session.scalar(select(Survey).filter_by(key="remote-edu-ops-2017"))
    # a centre that has not opened its link yet, so the questionnaire starts empty (else one still to submit)
    waiting = [i for i in open_survey.invitations if i.submitted_at is None and i.revoked_at is None]
    chase = next((i for i in waiting if i.started_at is None), waiting[0] if waiting else None)
    base_url = current_app.config["BASE_URL"]
    return {"accounts": accounts, "surveys": surveys, "sample_link": chase.link(base_url) if chase else None}


def _simulate(survey: Survey, rng: np.random.Generator, district_effect: dict[str, float], shift: float,
              submitted: int, drafts: int, start: datetime, end: datetime) -> None:
    """Seeded answers: a unit's latent satisfaction, its district's effect, each dimension's own level."""
    questionnaire = survey.questionnaire_version.questionnaire
    dimension_effect = {"resources": 0.35, "access": 0.15, "stability": -0.15, "live": 0.1, "support": 0.0,
                        "complaints": -0.25}
    invitations = list(survey.invitations)
    order = rng.permutation(len(invitations))
    answering = [invitations[i] for i in order[:submitted + drafts]]
    span = (end - start).total_seconds()
    for n, invitation in enumerate(answering):
        unit_level = 4.3 + shift + district_effect[invitation.unit.district] + rng.normal(0, 0.35)
        straight = rng.random() < 0.02
        sparse = rng.random() < 0.015
        likert: dict[str, int | None] = {}
        for dimension in questionnaire.dimensions:
            for item in dimension.items:
                if straight:
                    value = 5
                elif rng.random() < 0.025:
                    value = questionnaire.na_value
                elif sparse and rng.random() < 0.5:
                    value = None
                else:
                    latent = unit_level + dimension_effect.get(dimension.key, 0) + rng.normal(0, 0.55)
                    value = int(np.clip(np.rint(latent), 1, 5))
                likert[item.key] = value
        texts = {}
        if questionnaire.open_questions and rng.random() < 0.3:
            texts[questionnaire.open_questions[0].key] = COMMENTS[int(rng.integers(len(COMMENTS)))]
        when = start + timedelta(seconds=float(rng.uniform(0.05, 0.98)) * span)
        invitation.sent_at = start
        invitation.opened_at = when - timedelta(minutes=9)
        save_answers(invitation, likert, texts, submit=n < submitted, now=when)
