"""Access control for console routes, by role."""
from __future__ import annotations

import functools
import hashlib

from flask import abort, request, session
from flask_login import current_user, login_required

from survey_service.auth.models import Role, User
from survey_service.extensions import db, login_manager


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a session cookie, only while the cookie's nonce is still the account's (logout changes it)."""
    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_nonce != nonce:
        return None
    return user


#: the session's note of the client it was logged in from
CLIENT_KEY = "client"


def client_fingerprint() -> str:
    """The client a session belongs to: its address and browser (as Flask-Login's session protection uses)."""
    seen = f"{request.remote_addr}|{request.headers.get('User-Agent', '')}"
    return hashlib.sha256(seen.encode("utf-8", "surrogateescape")).hexdigest()


def end_sessions_from_elsewhere() -> None:
    """"Strong" session protection: a console session presented by another address or browser than it was
    logged in from ends (the cookie alone, copied elsewhere, is not enough).

    Flask-Login's own "strong" mode only marks permanent sessions as not fresh, and console sessions are permanent
    (for the sliding idle timeout), so the check is made here.
    """
    if "_user_id" in session and session.get(CLIENT_KEY) != client_fingerprint():
        session.clear()


def role_required(role: Role):
    """Logged in with at least ``role``; others get 403 (anonymous users are sent to the login page)."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorator
