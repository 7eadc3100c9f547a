"""Bearer-token authentication for the API (tokens are created and revoked in the console)."""
from __future__ import annotations

import functools

from flask import g, request
from sqlalchemy import select

from survey_service.auth.models import ApiToken
from survey_service.extensions import db
from survey_service.timestamps import utcnow


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
            return api_error(401, "a valid API token is required")
        token.last_used_at = utcnow()
        g.api_user = token.user
        return view(*args, **kwargs)

    return guarded
