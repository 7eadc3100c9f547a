"""Logs without the centres' personal links: a token in a log is a key to that centre's answers.

gunicorn's access log uses :class:`TokenMaskingLogger` (gunicorn.conf.py); the app's own log, where Flask writes
the path of a failed request, has :class:`TokenMaskingFilter`.
"""
from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger

#: a personal link's token, wherever a path appears (request line, path, Referer)
PERSONAL_LINK = re.compile(r"/s/[^/?#\s\"]+")
MASKED_LINK = "/s/<token>"


def mask_tokens(text: str) -> str:
    """``text`` with every personal-link token replaced by ``<token>``."""
    return PERSONAL_LINK.sub(MASKED_LINK, text)


class TokenMaskingLogger(Logger):
    """gunicorn's logger, with personal-link tokens masked in every access-log field."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {name: mask_tokens(value) if isinstance(value, str) else value for name, value in atoms.items()}


class TokenMaskingFilter(logging.Filter):
    """Masks personal-link tokens in every record of the logger it is added to."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_tokens(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
