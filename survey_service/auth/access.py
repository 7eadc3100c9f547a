"""Access control for console routes, by role."""
from __future__ import annotations

import functools

from flask import abort
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
