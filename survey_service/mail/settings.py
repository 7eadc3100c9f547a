"""The mail server settings in effect: the environment's when it names a server, else those saved in the console.

The environment wins as a whole (``SMTP_HOST`` set: every ``SMTP_*`` and ``MAIL_FROM`` come from it), so a
deployment that configures mail by environment variables is never half overridden from a web page. The settings
are read from the database each time a batch or a test message needs them, so a worker process (which has no
request) sees a change at once, without a restart.

The password is encrypted at rest with Fernet under a key derived from ``SECRET_KEY`` (HKDF-SHA256): a copy of the
database alone does not reveal it. A password saved under another ``SECRET_KEY`` cannot be read; it then counts as
missing and the console asks for it again.
"""
from __future__ import annotations

import base64
from email.headerregistry import Address

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from survey_service.extensions import db
from survey_service.mail.models import MailServer

#: the one row of mail_settings
ROW_ID = 1


def from_environment() -> bool:
    """Whether the environment (or the app's configuration) names a mail server, which then wins."""
    return bool(current_app.config.get("SMTP_HOST"))


def saved_server() -> MailServer | None:
    return db.session.get(MailServer, ROW_ID)


def mail_config() -> dict:
    """The app's settings with the mail server's in effect (SMTP_HOST None: no server configured)."""
    config = current_app.config
    server = None if from_environment() else saved_server()
    if server is None:
        return dict(config)
    return {**config, "SMTP_HOST": server.host, "SMTP_PORT": server.port, "SMTP_TLS": server.security,
            "SMTP_USER": server.username, "SMTP_PASSWORD": decrypt_password(server.password_encrypted),
            # "名称 <address>" as typed: the message encodes the name when it is sent, the page shows it readable
            "MAIL_FROM": str(Address(display_name=server.sender_name or "", addr_spec=server.sender_address))}


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"survey-service smtp password").derive(
        current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_password(password: str) -> str:
    return _fernet().encrypt(password.encode()).decode("ascii")


def decrypt_password(token: str | None) -> str | None:
    """The saved password; None when there is none or it was saved under another SECRET_KEY."""
    if not token:
        return None
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        return None
