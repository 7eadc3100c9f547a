"""What the questionnaire page reads: the link and the invitation behind it, the centre's saved answers, the form's
parts."""
from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from analysis.choices import ChoiceAnswer
from analysis.questionnaire import ChoiceQuestion, Dimension, OpenQuestion, Questionnaire
from survey_service.database import writes_at_once
from survey_service.extensions import db
from survey_service.respond.openings import note_first_opening
from survey_service.questionnaires.models import QuestionnaireVersion, StoredVersion
from survey_service.responses.models import Response, ResponseState
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation, Survey, SurveyState, accepting_answers
from survey_service.timestamps import utcnow

# new_token() gives 43 URL-safe characters; anything far from that shape is not worth a database look-up.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


class Section(NamedTuple):
    """One part of the form: a dimension's Likert items (``likert``), a choice question (``choice``) or an open
    question (``open``)."""

    kind: str
    content: Dimension | ChoiceQuestion | OpenQuestion


class Link(NamedTuple):
    """What every page of a personal link reads, from one row: the invitation, its centre, its survey's answering
    window and settings, the questionnaire version it answers and the centre's response so far (``response_*``
    None when there is none; ``opened_at`` as it was before this look-up). A plain row rather than the models: the
    look-up is on every request of every centre, and building five model objects would cost it more than the
    database does. The pages that need more (a saved draft, a correction, a page outside the window) read the
    models too (:func:`find_invitation`)."""

    invitation_id: int
    token: str
    survey_id: int
    opened_at: datetime | None
    started_at: datetime | None
    unit_name: str
    district: str
    district_en: str | None
    survey_state: SurveyState
    opens_at: datetime | None
    closes_at: datetime | None
    allow_corrections: bool
    survey_title: str
    version: StoredVersion
    response_id: int | None
    response_state: ResponseState | None
    reference: str | None
    submitted_at: datetime | None

    @property
    def submitted(self) -> bool:
        """Whether the centre had submitted when the link was looked up (``Invitation.submitted``)."""
        return self.response_state is ResponseState.submitted

    def accepting_answers(self) -> bool:
        """``Survey.accepting_answers`` of the link's survey."""
        return accepting_answers(self.survey_state, self.opens_at, self.closes_at)


@cache
def _link_lookup(noting_opening: bool = False):
    """The look-up behind every page of a personal link, built once per process (on first use: the models'
    mappers are complete only then). ``noting_opening``: the same statement notes the link's first opening too
    (PostgreSQL: an UPDATE in a CTE). No parameter is named after a column of invitations: SQLAlchemy would add it
    to the UPDATE's SET clause."""
    invitation, survey, unit = Invitation.__table__.c, Survey.__table__.c, RosterUnit.__table__.c
    version, response = QuestionnaireVersion.__table__.c, Response.__table__.c
    # in the order of Link's fields, the version's four as one
    lookup = (select(invitation.id, invitation.token, invitation.survey_id, invitation.opened_at,
                     invitation.started_at, unit.name, unit.district, unit.district_en, survey.state,
                     survey.opens_at, survey.closes_at, survey.allow_corrections, survey.title, version.id,
                     version.key, version.version, version.created_at, response.id, response.state,
                     response.reference, response.submitted_at)
              .select_from(Invitation.__table__.join(Survey.__table__, survey.id == invitation.survey_id)
                           .join(QuestionnaireVersion.__table__, version.id == survey.questionnaire_version_id)
                           .join(RosterUnit.__table__, unit.id == invitation.unit_id)
                           .outerjoin(Response.__table__, response.invitation_id == invitation.id))
              .where(invitation.token == bindparam("link_token"), invitation.revoked_at.is_(None)))
    if not noting_opening:
        return lookup
    return lookup.add_cte(update(Invitation.__table__)
                          .where(invitation.token == bindparam("link_token"), invitation.revoked_at.is_(None),
                                 invitation.opened_at.is_(None))
                          .values(opened_at=bindparam("opening_time")).cte("opening"))


def find_link(token: str, *, opening: bool = False) -> Link | None:
    """The live invitation of a personal link (:class:`Link`); None for an unknown, revoked or malformed token
    alike.

    ``opening``: a person opens the link, and its first opening is to be noted. Where the request's statements
    commit by themselves (``database.writes_at_once``: PostgreSQL) the look-up notes it in the same statement;
    elsewhere (SQLite) it is noted in the process and written in a batch (``respond.openings``)."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    noting = opening and writes_at_once()
    parameters = {"link_token": token, "opening_time": utcnow()} if noting else {"link_token": token}
    row = db.session.execute(_link_lookup(noting_opening=noting), parameters).first()
    if row is None:
        return None
    link = Link(*row[:13], StoredVersion(*row[13:17]), *row[17:])
    if opening and not noting and link.opened_at is None:
        note_first_opening(link.invitation_id)
    return link


@cache
def _invitation_lookup():
    """The models behind a link, for the pages that need more than its :class:`Link`: the invitation with its
    survey, questionnaire version, unit and response, in one query."""
    return (select(Invitation)
            .where(Invitation.token == bindparam("link_token"), Invitation.revoked_at.is_(None))
            .options(joinedload(Invitation.survey).joinedload(Survey.questionnaire_version),
                     joinedload(Invitation.unit), joinedload(Invitation.response)))


def find_invitation(token: str) -> Invitation | None:
    """The live invitation of a personal link as a model, with its survey, questionnaire version, unit and response
    read in the same query; None for an unknown, revoked or malformed token alike."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    return db.session.scalar(_invitation_lookup(), {"link_token": token})


def saved_answers(response: Response | None) -> tuple[dict[str, int], dict[str, str], dict[str, ChoiceAnswer]]:
    """The response's Likert values, open texts and choice answers by question key (empty when nothing was
    saved)."""
    if response is None:
        return {}, {}, {}
    likert, texts, choices = {}, {}, {}
    for answer in response.answers:
        key = answer.question.key
        if answer.question.kind == "choice":
            choices[key] = ChoiceAnswer(tuple(answer.choices or ()), answer.text)
        elif answer.value is not None:
            likert[key] = answer.value
        elif answer.text:
            texts[key] = answer.text
    return likert, texts, choices


def sections(questionnaire: Questionnaire) -> list[Section]:
    """The form's parts in questionnaire order: dimensions first, then the choice and the open questions."""
    return ([Section("likert", dimension) for dimension in questionnaire.dimensions]
            + [Section("choice", question) for question in questionnaire.choice_questions]
            + [Section("open", question) for question in questionnaire.open_questions])


def answering_window(survey: Survey, now: datetime | None = None) -> str:
    """Why a survey takes no answers: ``closed`` (closed or archived, or past its closing time) or
    ``not_yet_open``."""
    now = now or utcnow()
    if survey.state in (SurveyState.closed, SurveyState.archived) or \
            (survey.closes_at is not None and now >= survey.closes_at):
        return "closed"
    return "not_yet_open"
