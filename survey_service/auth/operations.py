from __future__ import annotations

import functools
import secrets

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from survey_service.audit.operations import record
from survey_service.auth.models import ApiToken, Role, User
from survey_service.extensions import db
from survey_service.problems import ProblemList, ReasonedRefusal, problem_text as _
from survey_service.timestamps import utcnow

MIN_PASSWORD_LENGTH = 10
#: tells an API token apart from other secrets (in logs, in a secret scanner)
API_TOKEN_PREFIX = "ssk_"
#: 32 random bytes: 256 bits, twice the 128 an API token needs
API_TOKEN_BYTES = 32


def create_user(email: str, role: str, password: str, *, actor: str | None = None) -> User:
    """A console account; the e-mail is the login name."""
    problems = []
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        problems.append(_("email: \"%(email)s\" is not an e-mail address", email=email))
    if role not in Role.__members__:
        problems.append(_("role: \"%(role)s\" is not one of %(roles)s", role=role, roles=", ".join(Role.__members__)))
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_("password: at least %(length)s characters", length=MIN_PASSWORD_LENGTH))
    if not problems and find_user(email) is not None:
        problems.append(_("email: an account for %(email)s exists already", email=email))
    if problems:
        raise ProblemList(problems)
    user = User(email=email, role=Role[role])
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record("user.create", user, actor=actor, email=email, role=role)
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The active account with this e-mail and password, else None.

    An unknown or inactive account costs one password hash too (of a throwaway password), so how long a login
    takes does not tell whether the account exists.
    """
    user = find_user(email)
    if user is None or not user.active:
        check_password_hash(_throwaway_hash(), password)
        return None
    return user if user.check_password(password) else None


@functools.cache
def _throwaway_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


class AccountChangeRefused(ReasonedRefusal):
    """An account change the console refuses; ``reason`` is a code the console words for the user."""


def change_password(user: User, current: str, new: str) -> None:
    """One's own new password, given the current one; every other session of the account ends."""
    if not user.check_password(current):
        raise AccountChangeRefused("wrong_password")
    user.set_password(new)
    db.session.flush()
    record("user.password_change", user, email=user.email)


def reset_password(user: User, new: str, *, by: User) -> None:
    """An administrator sets an account's password (to hand over in person); every session of it ends."""
    user.set_password(new)
    db.session.flush()
    record("user.password_reset", user, email=user.email, by=by.email)


def change_role(user: User, role: Role, *, by: User) -> None:
    """Give an account another role; an administrator cannot demote themselves (the console needs one)."""
    if user.id == by.id:
        raise AccountChangeRefused("own_account")
    before = user.role
    user.role = role
    db.session.flush()
    record("user.role", user, email=user.email, before=before.value, after=role.value)


def set_active(user: User, active: bool, *, by: User) -> None:
    """Deactivate (every session ends at once) or reactivate an account; nobody deactivates themselves."""
    if user.id == by.id:
        raise AccountChangeRefused("own_account")
    user.active = active
    if not active:
        user.session_nonce = secrets.token_hex(16)
    db.session.flush()
    record("user.activate" if active else "user.deactivate", user, email=user.email)


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for ``user``; returns it with the secret, which is shown once and stored only as sha256."""
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(API_TOKEN_BYTES)
    token = ApiToken(user_id=user.id, name=name.strip(), token_hash=ApiToken.hash(secret),
                     prefix=secret[:len(API_TOKEN_PREFIX) + 8])
    db.session.add(token)
    db.session.flush()
    record("api_token.create", token, email=user.email, name=token.name, prefix=token.prefix)
    return token, secret


def revoke_api_token(token: ApiToken) -> None:
    """Stop a token from working; the row stays so the audit log and the list keep its prefix."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        record("api_token.revoke", token, email=token.user.email, prefix=token.prefix)
