"""A small data set of our own for the tests that write (exports are audited) or need hostile comments."""
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from survey_service.extensions import db
from survey_service.questionnaires.operations import import_questionnaire
from survey_service.responses.operations import save_answers
from survey_service.roster.operations import import_roster
from survey_service.surveys.models import SurveyState
from survey_service.surveys.operations import change_state, create_survey
from tests.conftest import QUESTIONNAIRE, ROSTER, create_account, fresh_postgres_database, log_in, make_app

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(1)>"
FORMULA = "=1+1"
EARLIER, LATER = "survey-2016", "survey-2017"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def report_app(request, tmp_path_factory):
    """Two surveys of the shared questionnaire: 2016 (40 answers) and 2017 (60, with a hostile and a formula-like
    comment); one module's own database."""
    if request.param == "sqlite":
        databases = iter([f"sqlite:///{tmp_path_factory.mktemp('report') / 'report.db'}"])
    else:
        databases = fresh_postgres_database()
    application = make_app(next(databases))
    with application.app_context():
        db.create_all()
        _populate()
        db.session.commit()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    next(databases, None)


def _populate() -> None:
    version, _ = import_questionnaire(QUESTIONNAIRE.read_bytes(), QUESTIONNAIRE.name)
    roster = import_roster(ROSTER.read_bytes(), ROSTER.name, "上海市街镇党建服务中心")
    questionnaire = version.questionnaire
    rng = np.random.default_rng(7)
    plans = ((EARLIER, "2016年度满意度调查", datetime(2017, 6, 5, tzinfo=timezone.utc), 40, 3.9),
             (LATER, "2017年度满意度调查", datetime(2018, 6, 8, tzinfo=timezone.utc), 60, 4.2))
    for key, title, opens_at, answered, level in plans:
        survey = create_survey(key, version, roster, title=title, opens_at=opens_at,
                               closes_at=opens_at + timedelta(days=10))
        change_state(survey, SurveyState.open)
        for n, invitation in enumerate(list(survey.invitations)[:answered]):
            likert = {item.key: int(np.clip(np.rint(level + rng.normal(0, 0.7)), 1, 5)) for item in questionnaire.items}
            texts = {}
            if key == LATER and n < 4:
                texts = {"suggestions": (HOSTILE, FORMULA, "希望增加课件。", "网络偶尔卡顿。")[n]}
            save_answers(invitation, likert, texts, submit=True, now=opens_at + timedelta(hours=n + 1))


@pytest.fixture(scope="module")
def report_client(report_app):
    """An evaluator's client on the report data set (downloads of responses are theirs), logged in once."""
    client = report_app.test_client()
    email, password = create_account(report_app, "evaluator")
    assert log_in(client, email, password).status_code == 302
    return client
