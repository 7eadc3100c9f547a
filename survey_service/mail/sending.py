"""SMTP: compose the Chinese invitation and reminder e-mails, hand them to the configured server, and say in plain
words why a hand-over failed.

Failures come in two sizes. A server that cannot be reached (refused, timed out, TLS or sign-in failed, dropped)
fails every message alike, so a batch stops its pass and tries again later; a server that answers one message
with a code decides for that message alone: 4xx means "try again later", 5xx means "never".
"""
from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask_babel import lazy_gettext as _l

#: seconds to wait for the SMTP server before a delivery counts as failed
SMTP_TIMEOUT = 30

#: why a hand-over failed, in the reader's language; the server's own words are kept beside it
REASONS = {
    "connection_refused": _l("Cannot connect to the mail server (connection refused)"),
    "timeout": _l("Cannot connect to the mail server (no answer in time)"),
    "host_not_found": _l("Cannot connect to the mail server (host name not found)"),
    "connection_failed": _l("Cannot connect to the mail server"),
    "tls": _l("Cannot set up an encrypted connection with the mail server"),
    "authentication": _l("The mail server refused the user name or password"),
    "disconnected": _l("The mail server closed the connection"),
    "deferred": _l("The mail server asked to try again later"),
    "recipient_refused": _l("The mail server refused this address"),
    "sender_refused": _l("The mail server refused the sender address (MAIL_FROM)"),
    "message_refused": _l("The mail server refused the message"),
}


@dataclass(frozen=True)
class Failure:
    """Why one hand-over failed: a key of REASONS, the server's raw answer, and whether to try again."""

    reason: str
    raw: str
    transient: bool
    #: the server could not be reached at all: every other message would fail the same way
    whole_server: bool = False


class ServerUnreachable(Exception):
    """Connecting, TLS or signing in failed; ``__cause__`` is what smtplib or the socket raised."""


def smtp_configured(config) -> bool:
    """Whether an operator has named a mail server (``config``: mail/settings.py's ``mail_config``); nothing is
    sent before that."""
    return bool(config.get("SMTP_HOST"))


def header_text(value: str) -> str:
    """A header value on one line: line breaks and other control characters (a title pasted with a newline)
    would otherwise make the message invalid or inject headers."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())


def new_message(subject: str, text: str, html: str | None, recipient: str, config) -> EmailMessage:
    """A UTF-8 message with a plain-text part (and an HTML alternative when given)."""
    message = EmailMessage()
    message["Subject"] = header_text(subject)
    message["From"] = header_text(config["MAIL_FROM"])
    message["To"] = header_text(recipient)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=parseaddr(config["MAIL_FROM"])[1].rpartition("@")[2] or None)
    message.set_content(text, charset="utf-8")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8")
    return message


def classify(exc: BaseException) -> Failure:
    """What a failed hand-over means (see the module docstring)."""
    if isinstance(exc, ServerUnreachable):
        cause = exc.__cause__ or exc
        if isinstance(cause, smtplib.SMTPAuthenticationError):
            return Failure("authentication", _raw(cause), True, True)
        reason = ("connection_refused" if isinstance(cause, ConnectionRefusedError)
                  else "timeout" if isinstance(cause, (socket.timeout, TimeoutError))
                  else "host_not_found" if isinstance(cause, socket.gaierror)
                  else "tls" if isinstance(cause, ssl.SSLError)
                  else "disconnected" if isinstance(cause, smtplib.SMTPServerDisconnected)
                  else "connection_failed")
        return Failure(reason, _raw(cause), True, True)
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code, text = next(iter(exc.recipients.values()))
        return _coded("recipient_refused", code, text)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return _coded("sender_refused", exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return Failure("disconnected", _raw(exc), True, True)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _coded("message_refused", exc.smtp_code, exc.smtp_error)
    if isinstance(exc, OSError):
        return Failure("connection_failed", _raw(exc), True, True)
    return Failure("message_refused", _raw(exc), False)


def _coded(permanent_reason: str, code: int, text) -> Failure:
    raw = f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"
    if 400 <= code < 500:
        return Failure("deferred", raw, True)
    return Failure(permanent_reason, raw, False)


def _raw(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"{exc.smtp_code} {text}"
    return f"{type(exc).__name__}: {exc}"


class SmtpSession:
    """One SMTP connection for a whole batch, opened on the first message and reopened after the server drops it."""

    def __init__(self, config):
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        """Hand one message over; raises ``ServerUnreachable``, ``smtplib.SMTPException`` or ``OSError``."""
        if self._smtp is None:
            self._smtp = self.connect()
        try:
            self._smtp.send_message(message)
        except (smtplib.SMTPServerDisconnected, OSError):
            self._smtp = None
            raise

    def transcript(self, message: EmailMessage, answers: list[str]) -> None:
        """Send one message step by step, appending each of the server's answers (the admins' test message)."""
        smtp = self.connect(answers)
        sender, recipient = message["From"], message["To"]
        steps = ((lambda: smtp.mail(sender), lambda code, text: smtplib.SMTPSenderRefused(code, text, sender)),
                 (lambda: smtp.rcpt(recipient),
                  lambda code, text: smtplib.SMTPRecipientsRefused({recipient: (code, text)})),
                 (lambda: smtp.data(message.as_bytes()), smtplib.SMTPDataError))
        try:
            for step, refusal in steps:
                code, text = step()
                answers.append(f"{code} {text.decode('utf-8', 'replace')}")
                if code >= 400:
                    raise refusal(code, text)
        finally:
            self._smtp = smtp
            self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass  # the server went away first; nothing is left to close
            self._smtp = None

    def connect(self, answers: list[str] | None = None) -> smtplib.SMTP:
        host, port, tls = self.config["SMTP_HOST"], int(self.config["SMTP_PORT"]), self.config["SMTP_TLS"]
        try:
            if tls == "ssl":
                smtp = smtplib.SMTP_SSL(timeout=SMTP_TIMEOUT, context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(timeout=SMTP_TIMEOUT)
            code, text = smtp.connect(host, port)
            if answers is not None:
                answers.append(f"{code} {text.decode('utf-8', 'replace')}")
            smtp.ehlo_or_helo_if_needed()
            if tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if self.config.get("SMTP_USER"):
                code, text = smtp.login(self.config["SMTP_USER"], self.config.get("SMTP_PASSWORD") or "")
                if answers is not None:
                    answers.append(f"{code} {text.decode('utf-8', 'replace')}")
        except (smtplib.SMTPException, OSError) as exc:
            raise ServerUnreachable(str(exc)) from exc
        return smtp

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
