"""Survey lifecycle, invitations, one response per centre, exactly one submission, the append-only audit log."""
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from survey_service.audit.models import AuditEvent
from survey_service.extensions import db
from survey_service.problems import ProblemList
from survey_service.responses.models import Response, ResponseState, Validity
from survey_service.responses.operations import AlreadySubmitted, save_answers
from survey_service.surveys.models import Invitation, Survey, SurveyState, TOKEN_BYTES
from survey_service.surveys.operations import change_state, find_survey

ANSWERS = {f"q{n:02d}": v for n, v in zip(range(1, 13), [5, 4, 4, 3, 5, 4, 4, 3, 2, 4, 5, 4])}


def first_invitation(key="remote-edu-ops-2017") -> Invitation:
    return db.session.scalar(select(Invitation).join(Survey).where(Survey.key == key).order_by(Invitation.id))


def test_survey_has_one_unguessable_link_per_unit(app, issued_survey):
    with app.app_context():
        survey = find_survey(issued_survey)
        tokens = [i.token for i in survey.invitations]
        assert len(tokens) == 221 == len(set(tokens))
        assert all(len(t) >= 43 for t in tokens)  # 32 random bytes in URL-safe base64
        assert TOKEN_BYTES * 8 >= 128


def test_lifecycle_refuses_illegal_transitions(app, issued_survey):
    with app.app_context():
        survey = find_survey(issued_survey)
        assert survey.state is SurveyState.open
        with pytest.raises(ProblemList, match="only a draft survey can be opened"):
            change_state(survey, SurveyState.open)
        change_state(survey, SurveyState.closed)
        with pytest.raises(ProblemList, match="only an open survey can be closed"):
            change_state(survey, SurveyState.closed)
        with pytest.raises(ProblemList):
            change_state(survey, SurveyState.open)
        db.session.commit()
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions[-2:] == ["survey.open", "survey.closed"]


def test_cli_lifecycle(app, runner, issued_survey):
    assert runner.invoke(args=["survey", "close", issued_survey]).exit_code == 0
    result = runner.invoke(args=["survey", "open", issued_survey])
    assert result.exit_code == 2 and "only a draft survey can be opened" in result.stderr


def test_draft_then_single_submission(app, issued_survey):
    with app.app_context():
        invitation = first_invitation()
        save_answers(invitation, {"q01": 5}, {}, submit=False)
        db.session.commit()
        response = save_answers(invitation, ANSWERS, {"suggestions": "很好"}, submit=True)
        db.session.commit()
        assert response.state is ResponseState.submitted and response.validity is Validity.valid
        assert len(response.reference) == 10 and invitation.submitted
        with pytest.raises(AlreadySubmitted):
            save_answers(invitation, ANSWERS, {}, submit=True)
        db.session.rollback()
        assert db.session.scalar(select(func.count(Response.id))) == 1
        assert len(db.session.get(Response, response.id).answers) == 13


def test_database_refuses_a_second_response_for_a_centre(app, issued_survey):
    with app.app_context():
        invitation = first_invitation()
        db.session.add(Response(invitation_id=invitation.id, survey_id=invitation.survey_id))
        db.session.flush()
        db.session.add(Response(invitation_id=invitation.id, survey_id=invitation.survey_id))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_incomplete_submission_is_kept_but_invalid(app, issued_survey):
    with app.app_context():
        invitation = first_invitation()
        response = save_answers(invitation, {"q01": 5, "q02": 4}, {}, submit=True)
        db.session.commit()
        assert response.validity is Validity.invalid and response.validity_reason == "too_few_answered"
        assert response.answered_share == pytest.approx(2 / 12)


def test_audit_log_is_append_only(app, issued_survey):
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).limit(1))
        event.action = "tampered"
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(AuditEvent).limit(1)))
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()


def test_invitation_export_uses_the_configured_base_url(app, runner, issued_survey, tmp_path):
    out = tmp_path / "links.csv"
    result = runner.invoke(args=["invitations", "export", "--survey", issued_survey, "--output", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text("utf-8-sig").splitlines()
    assert lines[0] == "code,name,district,contact_email,link"
    assert len(lines) == 222 and lines[1].startswith("310101002,南京东路街道,黄浦区,dj310101002@example.org,"
                                                     "https://survey.example.test/s/")


def test_survey_create_cli(app, runner, tmp_path):
    from tests.conftest import QUESTIONNAIRE, ROSTER

    runner.invoke(args=["questionnaire", "import", str(QUESTIONNAIRE)])
    runner.invoke(args=["roster", "import", str(ROSTER), "--name", "sh"])
    result = runner.invoke(args=["survey", "create", "--key", "s-2017", "--questionnaire", "remote-edu-ops-2017:1",
                                 "--roster", "sh", "--opens", "2018-06-08T09:00", "--closes", "2018-06-18T18:00"])
    assert result.exit_code == 0, result.output
    assert "221 invitations" in result.stderr
    bad = runner.invoke(args=["survey", "create", "--key", "s-2017", "--questionnaire", "nope", "--roster", "nope"])
    assert bad.exit_code == 2
    assert 'questionnaire: no questionnaire "nope" has been imported' in bad.stderr
    with app.app_context():
        survey = find_survey("s-2017")
        assert survey.opens_at.isoformat() == "2018-06-08T01:00:00+00:00"  # 09:00 China Standard Time
