"""A survey title with line breaks (or a header injection attempt) must not break or extend an e-mail's headers."""
from __future__ import annotations

from email import message_from_bytes, policy

from sqlalchemy import select

from survey_service.extensions import db
from survey_service.mail.sending import header_text
from survey_service.mail.wording import compose
from survey_service.surveys.models import Invitation, Survey
from tests.console.conftest import make_survey


def test_header_text_is_one_line_without_control_characters():
    assert header_text("第一行\n第二行\r\nBcc: evil@example.org\u2028\x07末尾 ") == \
        "第一行 第二行 Bcc: evil@example.org 末尾"


def test_a_title_with_line_breaks_gives_one_subject_line_and_no_extra_header(app):
    with app.app_context():
        key = make_survey()
        survey = db.session.scalar(select(Survey).filter_by(key=key))
        survey.title = "2018年度\n满意度调查\r\nBcc: evil@example.org"
        invitation = db.session.scalar(select(Invitation).filter_by(survey_id=survey.id).order_by(Invitation.id))
        message = compose(invitation, "invitation", "dj310101002@example.org", app.config)
        sent = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert sent["Subject"] == "【满意度调查】2018年度 满意度调查 Bcc: evil@example.org"
    assert sent["Bcc"] is None and sent["To"] == "dj310101002@example.org"
