"""Bearer-token authentication for the API (tokens are created and revoked in the console)."""
from __future__ import annotations

import functools
from datetime import timedelta

from flask import g, request
from sqlalchemy import or_, select, update

from survey_service.auth.models import ApiToken
from survey_service.database import write_after_response
from survey_service.extensions import FailedAttempts, db
from survey_service.timestamps import utcnow

#: how stale a token's "last used" may get: noted at most this often, so a busy client is no stream of writes
LAST_USED_RESOLUTION = timedelta(minutes=5)

#: refused bearer tokens per client address (``RATELIMIT_TOKEN_FAILURES``), counted as personal links count failed
#: look-ups: guessing is throttled, while a valid token is never refused for its own use nor for another client's
#: guesses from the same address (the API-wide limit of the blueprint still counts every request)
refused_tokens = FailedAttempts("api-token", "RATELIMIT_TOKEN_FAILURES")


def api_error(status: int, message: str, **extra):
    """A JSON error body; a 401 says which scheme to use."""
    headers = {"WWW-Authenticate": 'Bearer realm="survey-service"'} if status == 401 else {}
    return {"error": message, "status": status, **extra}, status, headers


def token_required(view):
    """An active user's unrevoked token in ``Authorization: Bearer …``; else 401 with no hint which part failed."""

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        token = None
        if scheme.lower() == "bearer" and secret.strip():
            token = db.session.scalar(select(ApiToken).filter_by(token_hash=ApiToken.hash(secret.strip())))
        if token is None or token.revoked_at is not None or not token.user.active:
            refused_tokens.count()  # past the limit: 429 instead of the 401
            return api_error(401, "a valid API token is required")
        _note_use(token)
        g.api_user = token.user
        return view(*args, **kwargs)

    return guarded


def _note_use(token: ApiToken) -> None:
    """Note the token's use after the response is made (a read stays a reader), at most once per resolution; the
    conditional UPDATE keeps concurrent requests of one client from writing it twice."""
    now = utcnow()
    stale = now - LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > stale:
        return
    write_after_response(lambda: db.session.execute(
        update(ApiToken).where(ApiToken.id == token.id,
                               or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= stale))
        .values(last_used_at=now)))
