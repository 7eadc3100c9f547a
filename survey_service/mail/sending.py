"""SMTP: compose the Chinese invitation and reminder e-mails and hand them to the configured server."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import render_template
from flask_babel import force_locale

from survey_service.surveys.models import Invitation

#: seconds to wait for the SMTP server before a delivery counts as failed
SMTP_TIMEOUT = 30


def compose(invitation: Invitation, kind: str, recipient: str, config) -> EmailMessage:
    """The e-mail of ``kind`` (invitation | reminder) for one centre, in Chinese, with its link under BASE_URL."""
    context = {"survey": invitation.survey, "unit": invitation.unit, "link": invitation.link(config["BASE_URL"])}
    with force_locale("zh"):  # centres read Chinese whatever the evaluator's console language
        subject = render_template(f"mail/{kind}_subject.txt", **context).strip()
        body = render_template(f"mail/{kind}.txt", **context)
    message = EmailMessage()
    message["Subject"] = header_text(subject)
    message["From"] = header_text(config["MAIL_FROM"])
    message["To"] = header_text(recipient)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rpartition("@")[2] or None)
    message.set_content(body, charset="utf-8")
    return message


def header_text(value: str) -> str:
    """A header value on one line: a survey title or name may hold line breaks (the e-mail library refuses them,
    which stopped the whole batch) or control characters; every run of whitespace becomes one space."""
    return " ".join("".join(ch if ch.isprintable() or ch.isspace() else " " for ch in value).split())


class SmtpSession:
    """One SMTP connection for a whole batch, opened on the first message and reopened after the server drops it."""

    def __init__(self, config):
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        """Hand one message over; raises ``smtplib.SMTPException`` or ``OSError`` when it is not accepted."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except (smtplib.SMTPServerDisconnected, OSError):
            self._smtp = None
            raise

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass  # the server went away first; nothing is left to close
            self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        host, port, tls = self.config["SMTP_HOST"], int(self.config["SMTP_PORT"]), self.config["SMTP_TLS"]
        if tls == "ssl":
            smtp = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
            if tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if self.config.get("SMTP_USER"):
            smtp.login(self.config["SMTP_USER"], self.config.get("SMTP_PASSWORD") or "")
        return smtp

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
