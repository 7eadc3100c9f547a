"""The invitation and reminder e-mails: the words, in Chinese, with the centre's personal link under BASE_URL."""
from __future__ import annotations

from email.message import EmailMessage

from flask import render_template
from flask_babel import force_locale

from survey_service.mail.sending import new_message
from survey_service.surveys.models import Invitation


def compose(invitation: Invitation, kind: str, recipient: str, config) -> EmailMessage:
    """The e-mail of ``kind`` (invitation | reminder) for one centre."""
    context = {"survey": invitation.survey, "unit": invitation.unit, "link": invitation.link(config["BASE_URL"])}
    with force_locale("zh"):  # centres read Chinese whatever the evaluator's console language
        subject = render_template(f"mail/{kind}_subject.txt", **context)
        body = render_template(f"mail/{kind}.txt", **context)
    return new_message(subject, body, None, recipient, config)
