from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_service.extensions import db
from survey_service.problems import Refusal
from survey_service.questionnaires.models import QuestionnaireVersion
from survey_service.roster.models import Roster, RosterUnit
from survey_service.timestamps import UTCDateTime, utcnow

if TYPE_CHECKING:
    from survey_service.responses.models import Response

#: 32 random bytes: 256 bits, well above the 128 the brief asks for
TOKEN_BYTES = 32


class SurveyState(enum.Enum):
    """draft → open ⇄ closed ⇄ archived; each move is a method of :class:`Survey` that refuses the others."""

    draft = "draft"
    open = "open"
    closed = "closed"
    #: 已归档 — read-only and left out of the default lists
    archived = "archived"


class TransitionError(Refusal, ValueError):
    """A lifecycle change the survey's state does not allow."""


class Survey(db.Model):
    """A questionnaire version issued to a roster (一次问卷调查)."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable slug used by the API and the CLI, e.g. ``remote-edu-ops-2017``
    key: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"), index=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("rosters.id"), index=True)
    state: Mapped[SurveyState] = mapped_column(
        Enum(SurveyState, name="survey_state", native_enum=False, length=10), default=SurveyState.draft)
    #: the answering window; outside it nothing is accepted even while the state is open
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: whether a centre may correct its submitted answers until the survey closes
    allow_corrections: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when it was last closed; cleared on reopening (every close and reopen stays in the audit log)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: raised by one in every transaction that can move a figure (a submission, a review decision, a revocation…;
    #: see ``surveys.operations.touch``): the document cache and the API's ETag check read it instead of
    #: aggregating the responses
    data_version: Mapped[int] = mapped_column(default=0, server_default="0")

    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    roster: Mapped[Roster] = relationship()
    invitations: Mapped[list[Invitation]] = relationship(back_populates="survey", cascade="all, delete-orphan")

    def open(self, now: datetime | None = None) -> None:
        """Start accepting answers; a closed survey stays closed."""
        if self.state is not SurveyState.draft:
            raise TransitionError(f"survey {self.key} is {self.state.value}; only a draft survey can be opened")
        self.state = SurveyState.open
        self.opened_at = now or utcnow()

    def close(self, now: datetime | None = None) -> None:
        """Stop accepting answers for good; its figures become final."""
        if self.state is not SurveyState.open:
            raise TransitionError(f"survey {self.key} is {self.state.value}; only an open survey can be closed")
        self.state = SurveyState.closed
        self.closed_at = now or utcnow()

    def reopen(self) -> None:
        """Take answers again after closing (the reason is the operation's to record)."""
        if self.state is not SurveyState.closed:
            raise TransitionError(f"survey {self.key} is {self.state.value}; only a closed survey can be reopened")
        self.state = SurveyState.open
        self.closed_at = None

    def archive(self, now: datetime | None = None) -> None:
        """Put a closed survey away: read-only, out of the default lists."""
        if self.state is not SurveyState.closed:
            raise TransitionError(f"survey {self.key} is {self.state.value}; only a closed survey can be archived")
        self.state = SurveyState.archived
        self.archived_at = now or utcnow()

    def restore(self) -> None:
        """Bring an archived survey back to the lists, closed."""
        if self.state is not SurveyState.archived:
            raise TransitionError(f"survey {self.key} is {self.state.value}; only an archived survey can be restored")
        self.state = SurveyState.closed
        self.archived_at = None

    @property
    def editable(self) -> bool:
        """Title and dates can change while the survey is a draft or open (an extended deadline, say)."""
        return self.state in (SurveyState.draft, SurveyState.open)

    @property
    def read_only(self) -> bool:
        """An archived survey changes no more: no answers, corrections, imports or reviews."""
        return self.state is SurveyState.archived

    def accepting_answers(self, now: datetime | None = None) -> bool:
        """Open, and inside the answering window."""
        return accepting_answers(self.state, self.opens_at, self.closes_at, now)

    @property
    def status(self) -> str:
        return self.state.value


def accepting_answers(state: SurveyState, opens_at: datetime | None, closes_at: datetime | None,
                      now: datetime | None = None) -> bool:
    """Whether a survey in ``state`` with that answering window takes answers ``now``: open, and inside the window
    (:meth:`Survey.accepting_answers`; the centres' pages read the three columns alone)."""
    now = now or utcnow()
    return (state is SurveyState.open and (opens_at is None or now >= opens_at)
            and (closes_at is None or now < closes_at))


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class Invitation(db.Model):
    """One respondent unit's personal link to one survey; at most one per unit per survey."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("survey_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("roster_units.id"), index=True)
    #: the secret in the personal link ``BASE_URL/s/<token>``
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    #: a revoked link is answered like an unknown one
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: first invitation e-mail accepted by the SMTP server
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: latest reminder accepted by the SMTP server
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: first time the link was opened
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: first answer saved
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    survey: Mapped[Survey] = relationship(back_populates="invitations")
    unit: Mapped[RosterUnit] = relationship()
    #: the centre's questionnaire, once it saved an answer; whether it submitted is asked of it alone
    response: Mapped[Response | None] = relationship("Response", uselist=False, viewonly=True)

    @property
    def submitted(self) -> bool:
        """Whether the centre has submitted (in SQL: ``responses.models.INVITATION_SUBMITTED``)."""
        return self.response is not None and self.response.submitted

    def link(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/s/{self.token}"
