from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import NamedTuple

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from analysis.questionnaire import Questionnaire, parse_questionnaire
from survey_service.extensions import db
from survey_service.timestamps import UTCDateTime, utcnow


#: what a process keeps of each stored version (its parsed questionnaire, its question ids by key), by
#: :meth:`StoredVersion.kept_as`; a version never changes once imported
_PARSED: dict[tuple, Questionnaire] = {}
_QUESTION_IDS: dict[tuple, dict[str, int]] = {}
VERSIONS_KEPT = 64


def _kept(cache: dict, key: tuple, make):
    """``cache[key]``, made once; the oldest entry goes when the cache is full."""
    value = cache.get(key)
    if value is None:
        if len(cache) >= VERSIONS_KEPT:
            cache.pop(next(iter(cache)), None)
        value = cache[key] = make()
    return value


class StoredVersion(NamedTuple):
    """What tells a stored questionnaire version apart in the process's caches — its id, key, number and creation
    time — and what the centres' pages read through it (the parsed questionnaire, the questions' ids), without
    loading the version's row: their look-up reads these four columns alone (``respond.queries.find_link``)."""

    id: int
    key: str
    version: int
    created_at: datetime

    def kept_as(self) -> tuple:
        """The version's key in the process's caches: its key, number and creation time tell it from another
        version that a database recreated under the running process gives the same id."""
        return db.engine.url.render_as_string(), *self

    @property
    def questionnaire(self) -> Questionnaire:
        """The parsed definition, parsed once per process and version (validated at import, so parsing again
        cannot fail)."""
        return _kept(_PARSED, self.kept_as(), lambda: parse_questionnaire(db.session.scalar(
            select(QuestionnaireVersion.definition).where(QuestionnaireVersion.id == self.id))))

    def question_ids(self) -> dict[str, int]:
        """The stored questions' ids by their key in the definition, read from the database once per process: a
        submission's answers and the results' pivot both find their columns by key."""
        return _kept(_QUESTION_IDS, self.kept_as(), lambda: dict(db.session.execute(
            select(Question.key, Question.id).where(Question.questionnaire_version_id == self.id)).all()))


class QuestionnaireVersion(db.Model):
    """One immutable version of a questionnaire definition (问卷); editing a questionnaire imports a new version."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable slug shared by all versions, e.g. ``remote-edu-ops-2017``
    key: Mapped[str] = mapped_column(String(100))
    #: increases when the content changes
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(500))
    #: the evaluated year (评价年度)
    year: Mapped[int | None]
    #: linear | points | top_box
    scheme: Mapped[str] = mapped_column(String(20))
    #: the definition as imported (docs/questionnaire-format.md); the single source the form and the analysis read.
    #: Loaded when read: the centres' pages take the parsed questionnaire from the process's cache instead.
    definition: Mapped[dict] = mapped_column(JSON, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: who saved this version in the console's builder or upload (null: the command line or the demo)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by = relationship("User")

    dimensions: Mapped[list[Dimension]] = relationship(
        back_populates="questionnaire_version", order_by="Dimension.position", cascade="all, delete-orphan")
    questions: Mapped[list[Question]] = relationship(
        back_populates="questionnaire_version", order_by="Question.position", cascade="all, delete-orphan")

    @cached_property
    def questionnaire(self) -> Questionnaire:
        """The parsed definition (validated at import, so parsing again cannot fail), parsed once per process and
        version (:class:`StoredVersion`)."""
        if self.id is None:  # not stored yet
            return parse_questionnaire(self.definition)
        return _kept(_PARSED, self.stored().kept_as(), lambda: parse_questionnaire(self.definition))

    def question_ids(self) -> dict[str, int]:
        """The stored questions' ids by their key (:meth:`StoredVersion.question_ids`)."""
        return self.stored().question_ids()

    def stored(self) -> StoredVersion:
        """What tells this version apart in the process's caches (:class:`StoredVersion`)."""
        return StoredVersion(self.id, self.key, self.version, self.created_at)

    @property
    def label(self) -> str:
        return f"{self.key}:{self.version}"


class Dimension(db.Model):
    """A dimension (维度) of a questionnaire version."""

    __tablename__ = "questionnaire_dimensions"
    __table_args__ = (UniqueConstraint("questionnaire_version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id", ondelete="CASCADE"))
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(500))
    title_en: Mapped[str | None] = mapped_column(String(500))
    #: 权重 within the overall index
    weight: Mapped[float]

    questionnaire_version: Mapped[QuestionnaireVersion] = relationship(back_populates="dimensions")


class Question(db.Model):
    """A Likert item (题项, ``kind='likert'``), an open question (``kind='open'``) or a choice question
    (``kind='choice'``) of a questionnaire version."""

    __tablename__ = "questionnaire_questions"
    __table_args__ = (UniqueConstraint("questionnaire_version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id", ondelete="CASCADE"))
    #: the Likert item's dimension; null for open and choice questions
    dimension_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire_dimensions.id", ondelete="CASCADE"))
    #: questionnaire order, across dimensions; choice questions, then open questions follow the Likert items
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text)
    weight: Mapped[float] = mapped_column(default=1.0)
    required: Mapped[bool] = mapped_column(default=True)
    #: for open questions, the longest answer accepted
    max_length: Mapped[int | None]

    questionnaire_version: Mapped[QuestionnaireVersion] = relationship(back_populates="questions")
    dimension: Mapped[Dimension | None] = relationship()


class QuestionnaireDraft(db.Model):
    """A questionnaire being edited in the console's builder; saving it validates it and makes a new version."""

    __tablename__ = "questionnaire_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the definition as edited so far (docs/questionnaire-format.md), not yet valid
    definition: Mapped[dict] = mapped_column(JSON)
    #: earlier states of ``definition``, newest last: what 撤销 (undo) goes back to
    history: Mapped[list] = mapped_column(JSON, default=list)
    #: the version it was copied from (null: started from scratch or from a file)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire_versions.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    based_on: Mapped[QuestionnaireVersion | None] = relationship()
    created_by = relationship("User")
