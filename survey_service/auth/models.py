from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from survey_service.extensions import db
from survey_service.timestamps import UTCDateTime, utcnow


class Role(enum.Enum):
    #: users and settings, and everything an evaluator does
    admin = "admin"
    #: runs surveys: import, issue, remind, review, export
    evaluator = "evaluator"
    #: reads results
    viewer = "viewer"


ROLE_RANK = {Role.viewer: 1, Role.evaluator: 2, Role.admin: 3}


class User(UserMixin, db.Model):
    """A console account (评价人员)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, name="user_role", native_enum=False, length=10))
    active: Mapped[bool] = mapped_column(default=True)
    #: changes on logout and password change, so every session cookie issued before stops working
    session_nonce: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.session_nonce = secrets.token_hex(16)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    @property
    def is_active(self) -> bool:
        return self.active

    def has_role(self, role: Role) -> bool:
        """At least the rights of ``role`` (admin ⊇ evaluator ⊇ viewer)."""
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


class ApiToken(db.Model):
    """A per-user bearer token for the API; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    #: sha256 of the token; the token itself is shown once, at creation
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: first characters of the token, to tell tokens apart in the console
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
