from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from survey_service.audit.operations import record
from survey_service.auth.models import Role, User
from survey_service.extensions import db
from survey_service.problems import ProblemList

MIN_PASSWORD_LENGTH = 10


def create_user(email: str, role: str, password: str, *, actor: str | None = None) -> User:
    """A console account; the e-mail is the login name."""
    problems = []
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        problems.append(f"email: \"{email}\" is not an e-mail address")
    if role not in Role.__members__:
        problems.append(f"role: \"{role}\" is not one of {', '.join(Role.__members__)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    if not problems and find_user(email) is not None:
        problems.append(f"email: an account for {email} exists already")
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
