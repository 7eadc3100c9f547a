from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, exists
from flask_babel import lazy_gettext as _l
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_service.extensions import db
from survey_service.questionnaires.models import Question
from survey_service.surveys.models import Invitation
from survey_service.timestamps import UTCDateTime, utcnow


class ResponseState(enum.Enum):
    draft = "draft"
    submitted = "submitted"


class Mode(enum.Enum):
    """How a questionnaire was collected (the JSON's ``counts.by_mode``)."""

    #: answered by the centre through its personal link
    online = "online"
    #: 纸质问卷 — entered by an evaluator from the paper form
    paper = "paper"
    #: 电话访问 — entered by an evaluator during a phone interview
    phone = "phone"
    #: read from a responses file
    import_ = "import"


#: modes an evaluator enters by hand in the console (代录)
ENTERED_MODES = (Mode.paper, Mode.phone)
#: each mode as the pages, exports' readers and the report name it
MODE_LABELS = {Mode.online: _l("Online"), Mode.paper: _l("Paper"), Mode.phone: _l("Phone"),
               Mode.import_: _l("Imported from a file")}


class Validity(enum.Enum):
    valid = "valid"
    invalid = "invalid"


class Response(db.Model):
    """A centre's questionnaire. The unique invitation makes a second response for the same centre impossible."""

    __tablename__ = "responses"
    # a survey's responses in id order: the exports read them a thousand at a time after the last id seen
    __table_args__ = (Index("ix_responses_survey_id_id", "survey_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), unique=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    state: Mapped[ResponseState] = mapped_column(
        Enum(ResponseState, name="response_state", native_enum=False, length=10), default=ResponseState.draft)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: set with the state ``submitted``, once: the one record of when the centre submitted
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: receipt number shown to the centre after submission
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    #: how the answers were collected: online (the personal link), paper, phone (代录) or import
    mode: Mapped[Mode] = mapped_column(Enum(Mode, name="response_mode", native_enum=False, length=10,
                                            values_callable=lambda modes: [m.value for m in modes]),
                                       default=Mode.online)
    #: the evaluator who entered or imported the answers on the centre's behalf; null when the centre answered
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: when the evaluator entered or imported them
    entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: 有效问卷 — only valid responses are counted in any figure; set at submission by the questionnaire's rules
    validity: Mapped[Validity | None] = mapped_column(
        Enum(Validity, name="response_validity", native_enum=False, length=10))
    #: why a response is invalid (a rule's code such as ``too_few_answered``, or the reviewer's words)
    validity_reason: Mapped[str | None] = mapped_column(Text)
    #: share of Likert items answered (N/A counts) at submission
    answered_share: Mapped[float | None]
    #: rule findings that ask a person to look (e.g. ``straight_lining``); cleared only by a review
    flags: Mapped[list] = mapped_column(JSON, default=list)
    #: set when an evaluator decided the validity; the decision is audited
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    invitation: Mapped[Invitation] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    entered_by = relationship("User", foreign_keys=[entered_by_id])

    @hybrid_property
    def submitted(self) -> bool:
        """Submitted, and so counted: the one home of the fact, in Python and in SQL."""
        return self.state is ResponseState.submitted

    @submitted.inplace.expression
    @classmethod
    def _submitted_expression(cls):
        return cls.state == ResponseState.submitted

    @property
    def needs_review(self) -> bool:
        return self.submitted and bool(self.flags) and self.reviewed_at is None


#: "this invitation's centre has submitted", for queries over invitations (in Python: ``invitation.submitted``)
INVITATION_SUBMITTED = exists().where(Response.invitation_id == Invitation.id, Response.submitted)


class Answer(db.Model):
    """One answer: an option value for a Likert item (null = left blank), the text of an open question, or the
    option(s) ticked of a choice question (``value`` for single, ``choices`` for multiple) with its 其他 ``text``."""

    __tablename__ = "answers"
    # its index serves every look-up of a response's answers too: no second index on response_id (each answer
    # written would write it)
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_questions.id"))
    #: the option value, or the not-applicable value (不了解)
    value: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    #: the option values ticked of a multiple-choice question, in the options' order
    choices: Mapped[list | None] = mapped_column(JSON(none_as_null=True))

    response: Mapped[Response] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()


class PaperEntry(db.Model):
    """双录 — a paper questionnaire entered twice by two evaluators before it counts: the first entry waits here for
    the second; when they differ, both wait for a person to choose, question by question."""

    __tablename__ = "paper_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: one questionnaire in double entry per centre at a time
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), unique=True)
    #: the first evaluator's answers by question key (option values and texts; blanks left out)
    first_answers: Mapped[dict] = mapped_column(JSON)
    first_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    first_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the second evaluator's answers, kept only when they differ from the first (waiting for resolution)
    second_answers: Mapped[dict | None] = mapped_column(JSON)
    second_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    second_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invitation: Mapped[Invitation] = relationship()
    first_by = relationship("User", foreign_keys=[first_by_id])
    second_by = relationship("User", foreign_keys=[second_by_id])


class ImportFile(db.Model):
    """A responses file whose import runs as a job (responses/importing.py); kept only until that job ends."""

    __tablename__ = "import_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
