"""``survey-service demo``: the README's demo data set, the story of the 2017 evaluation report and after.

Three surveys of the shared questionnaire on the 221-centre roster, so the year-over-year comparison has data:
- 2016 (closed, June 2017, about 215 valid), simulated;
- 2017 (closed, 8–18 June 2018): 220 returned, 2 invalid, 218 valid of 221 — answers constructed so that the
  figures are the report's own: 综合满意度 81.65%, 资源栏目内容丰富度 84.17%, 系统运行稳定性 79.93%,
  投诉处理服务能力 78.90% (linear scoring), hence C4-1 = 8 × 81.65% = 6.53; the report's scorecard is loaded and
  scored live from it, 91.13 → 优;
- 2025 (open now, about 200 submitted, a few flagged for review, the rest to chase), simulated.
Simulated answers come from a seeded generator with district-level differences, N/A answers and open comments.
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
from analysis.rounding import round_half_up
from survey_service.responses.models import Response, Validity
from survey_service.responses.operations import decide_validity, save_answers
from survey_service.scorecard.models import StoredScorecard
from survey_service.scorecard.operations import store_scorecard
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


#: the 2017 report's figures (DOMAIN.md) the constructed answers reproduce; the other dimensions are chosen so the
#: six average to the report's 81.65
REPORT_2017 = {"overall": 81.65, "resources": 84.17, "access": 83.02, "stability": 79.93, "live": 82.46,
               "support": None, "complaints": 78.90}
REPORT_VALID, REPORT_RETURNED = 218, 220
CHINA_2018 = timezone(timedelta(hours=8))


def load_demo(seed: int = 2018) -> dict:
    """Create the demo data once; later calls only reset the demo accounts' passwords."""
    version, _ = import_questionnaire(demo_file("questionnaire-2017.yaml").read_bytes(), "questionnaire-2017.yaml",
                                      actor="demo")
    roster = db.session.scalar(select(Roster).filter_by(name=ROSTER_NAME))
    if roster is None:
        roster = import_roster(demo_file("roster-shanghai.csv").read_bytes(), "roster-shanghai.csv", ROSTER_NAME,
                               actor="demo")
    accounts = []
    for email, role in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(9)
        user = find_user(email)
        if user is None:
            create_user(email, role.value, password, actor="demo")
        else:
            user.set_password(password)
        accounts.append((email, password))
    rng = np.random.default_rng(seed)
    district_effect = {district: rng.normal(0, 0.25) for district in sorted({u.district for u in roster.units})}
    now = utcnow()
    surveys = []
    plans = (
        ("remote-edu-ops-2016", "2016年度远程教育网络体系运维满意度调查", datetime(2017, 6, 5, 9, tzinfo=CHINA_2018),
         datetime(2017, 6, 16, 18, tzinfo=CHINA_2018), "simulated", 215, 0, -0.12, True),
        ("remote-edu-ops-2017", None, datetime(2018, 6, 8, 9, tzinfo=CHINA_2018),
         datetime(2018, 6, 18, 18, tzinfo=CHINA_2018), "report", REPORT_RETURNED, 0, 0.0, True),
        ("remote-edu-ops-2025", "2025年度远程教育网络体系运维满意度调查", now - timedelta(days=10), now + timedelta(days=14),
         "simulated", 200, 6, 0.08, False),
    )
    for key, title, opens_at, closes_at, answers, submitted, drafts, shift, close in plans:
        surveys.append(key)
        if db.session.scalar(select(Survey.id).filter_by(key=key)) is not None:
            continue
        opens_at, closes_at = opens_at.astimezone(timezone.utc), closes_at.astimezone(timezone.utc)
        survey = create_survey(key, version, roster, title=title, opens_at=opens_at, closes_at=closes_at,
                               actor="demo")
        change_state(survey, SurveyState.open, actor="demo")
        if answers == "report":
            _reproduce_report(survey, rng, district_effect, opens_at, closes_at)
        else:
            _simulate(survey, rng, district_effect, shift, submitted, drafts, opens_at, min(closes_at, now))
        if close:
            change_state(survey, SurveyState.closed, actor="demo")
    if db.session.scalar(select(StoredScorecard.id).filter_by(filename="scorecard-2017.yaml")) is None:
        store_scorecard(demo_file("scorecard-2017.yaml").read_bytes(), "scorecard-2017.yaml")
    open_survey = db.session.scalar(select(Survey).filter_by(key="remote-edu-ops-2025"))
    # a centre that has not opened its link yet, so the questionnaire starts empty (else one still to submit)
    waiting = [i for i in open_survey.invitations if not i.submitted and i.revoked_at is None]
    chase = next((i for i in waiting if i.started_at is None), waiting[0] if waiting else None)
    base_url = current_app.config["BASE_URL"]
    return {"accounts": accounts, "surveys": surveys, "sample_link": chase.link(base_url) if chase else None}


def item_plan(targets: dict[str, float | None], overall: float, dimensions: dict[str, list[str]], respondents: int,
              rng: np.random.Generator) -> dict[str, tuple[int, int]]:
    """Per item, (rated answers n, Σ(option − 1)) whose linear indexes 25·Σ/n give each dimension its target and the
    six dimensions (equal weights, two equal items each) the target overall, all rounded half up to 2 places.

    The N/A answers (respondents − n) are what makes the exact figures reachable: with every item at n = 218 a
    dimension moves in steps of 0.057, wider than the 0.01 a printed figure allows.
    """
    plan: dict[str, tuple[int, int]] = {}
    chosen: dict[str, float] = {}

    def solve(keys: list[str], target: float, tolerance: float) -> float | None:
        for missing in (rng.permutation(9)):
            for other in range(9):
                n1, n2 = respondents - int(missing), respondents - other
                centre1 = round((target + 0.6) * n1 / 25)
                for s1 in range(centre1 - 2, centre1 + 3):
                    s2 = round((2 * target - 25 * s1 / n1) * n2 / 25)
                    value = (25 * s1 / n1 + 25 * s2 / n2) / 2
                    if abs(value - target) <= tolerance:
                        plan[keys[0]], plan[keys[1]] = (n1, s1), (n2, s2)
                        return value
        return None

    for key, target in targets.items():
        if target is not None:
            chosen[key] = solve(dimensions[key], target, 0.004)
    free = next(key for key, target in targets.items() if target is None)
    needed = overall * len(dimensions) - sum(chosen.values())
    chosen[free] = solve(dimensions[free], needed, 0.015)
    total = sum(chosen.values()) / len(dimensions)
    if round_half_up(total, 2) != overall or abs(total - overall) > 0.004:
        raise RuntimeError("the demo's answers do not reproduce the report's figure")  # a seed that fails is a bug
    return plan


def _counts(n: int, points: int) -> dict[int, int]:
    """Answers 5…1 for n respondents whose options sum to ``points`` + n: mostly 5 and 4, a tenth 3, a few 2."""
    two, three = round(0.01 * n), round(0.09 * n)
    while True:
        rest, rest_points = n - two - three, points - two - 2 * three
        five = rest_points - 3 * rest
        if 0 <= five <= rest:
            return {5: five, 4: rest - five, 3: three, 2: two}
        three += 1 if five < 0 else -1


def _reproduce_report(survey: Survey, rng: np.random.Generator, district_effect: dict[str, float],
                      opens_at: datetime, closes_at: datetime) -> None:
    """The 2017 survey as the report tells it: 218 valid, 2 invalid, 1 not returned, the report's figures."""
    questionnaire = survey.questionnaire_version.questionnaire
    dimensions = {d.key: [item.key for item in d.items] for d in questionnaire.dimensions}
    plan = item_plan({k: v for k, v in REPORT_2017.items() if k != "overall"}, REPORT_2017["overall"], dimensions,
                     REPORT_VALID, rng)
    everyone = list(survey.invitations)
    invitations = [everyone[i] for i in rng.permutation(len(everyone))]
    valid, invalid = invitations[:REPORT_VALID], invitations[REPORT_VALID:REPORT_RETURNED]
    # a centre's latent satisfaction (its district's effect and its own), shared by its items: answers agree
    latent = np.array([district_effect[i.unit.district] + rng.normal(0, 0.35) for i in valid])
    answers: list[dict[str, int | None]] = [{} for _ in valid]
    for item in questionnaire.items:
        n, points = plan[item.key]
        not_applicable = set(rng.choice(len(valid), size=REPORT_VALID - n, replace=False).tolist())
        rated = [r for r in range(len(valid)) if r not in not_applicable]
        ranked = sorted(rated, key=lambda r: latent[r] + rng.normal(0, 0.6), reverse=True)
        values = [value for value, count in _counts(n, points).items() for _ in range(count)]
        for respondent, value in zip(ranked, values):
            answers[respondent][item.key] = value
        for respondent in not_applicable:
            answers[respondent][item.key] = questionnaire.na_value
    span = (closes_at - opens_at).total_seconds()
    comments = questionnaire.open_questions[0].key if questionnaire.open_questions else None
    for invitation, likert in zip(valid, answers):
        texts = {comments: COMMENTS[int(rng.integers(len(COMMENTS)))]} if comments and rng.random() < 0.2 else {}
        _submit(invitation, likert, texts, opens_at + timedelta(seconds=float(rng.uniform(0.02, 0.97)) * span))
    items = [item.key for item in questionnaire.items]
    # one returned half empty (invalid by the questionnaire's rule), one straight-lined and judged invalid on review
    _submit(invalid[0], dict.fromkeys(items[:6], 4), {}, opens_at + timedelta(days=9))
    straight = _submit(invalid[1], dict.fromkeys(items, 5), {}, opens_at + timedelta(days=9, hours=3))
    reviewer = find_user("evaluator@example.org")
    decide_validity(straight, Validity.invalid, "全部题项选择同一选项，经电话核实为代填", reviewer)


def _submit(invitation, likert: dict, texts: dict, when: datetime) -> Response:
    """A centre's answers submitted at ``when``, its invitation e-mailed on the survey's first day."""
    invitation.sent_at = invitation.survey.opens_at
    invitation.opened_at = when - timedelta(minutes=9)
    return save_answers(invitation, likert, texts, submit=True, now=when)


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
