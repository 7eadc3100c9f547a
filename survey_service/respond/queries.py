"""What the questionnaire page reads: the invitation behind a link, the centre's saved answers, the form's parts."""
from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from analysis.choices import ChoiceAnswer
from analysis.questionnaire import ChoiceQuestion, Dimension, OpenQuestion, Questionnaire
from survey_service.database import writes_at_once
from survey_service.extensions import db
from survey_service.respond.openings import note_first_opening
from survey_service.responses.models import Response
from survey_service.surveys.models import Invitation, Survey, SurveyState
from survey_service.timestamps import utcnow

# new_token() gives 43 URL-safe characters; anything far from that shape is not worth a database look-up.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


class Section(NamedTuple):
    """One part of the form: a dimension's Likert items (``likert``), a choice question (``choice``) or an open
    question (``open``)."""

    kind: str
    content: Dimension | ChoiceQuestion | OpenQuestion


@cache
def _link_lookup(noting_opening: bool = False):
    """The look-up behind every page of a personal link, built once per process (on first use: the models'
    mappers are complete only then). The survey, its questionnaire version, the unit and the centre's response come
    in the same query, since every one of those pages reads them. ``noting_opening``: the same statement notes the
    link's first opening too (PostgreSQL: an UPDATE in a CTE), which the rows read do not show yet."""
    lookup = (select(Invitation)
              .where(Invitation.token == bindparam("link_token"), Invitation.revoked_at.is_(None))
              .options(joinedload(Invitation.survey).joinedload(Survey.questionnaire_version),
                       joinedload(Invitation.unit), joinedload(Invitation.response)))
    if not noting_opening:
        return lookup
    # no parameter named after a column of invitations: SQLAlchemy would add it to the UPDATE's SET clause
    column = Invitation.__table__.c
    return lookup.add_cte(update(Invitation.__table__)
                          .where(column.token == bindparam("link_token"), column.revoked_at.is_(None),
                                 column.opened_at.is_(None))
                          .values(opened_at=bindparam("opening_time")).cte("opening"))


def find_invitation(token: str, *, opening: bool = False) -> Invitation | None:
    """The live invitation of a personal link, with its response (``Invitation.response``) read in the same query;
    None for an unknown, revoked or malformed token alike.

    ``opening``: a person opens the link, and its first opening is to be noted. Where the request's statements
    commit by themselves (``database.writes_at_once``: PostgreSQL) the look-up notes it in the same statement;
    elsewhere (SQLite) it is noted in the process and written in a batch (``respond.openings``)."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    if not (opening and writes_at_once()):
        invitation = db.session.scalar(_link_lookup(), {"link_token": token})
        if opening and invitation is not None:
            note_first_opening(invitation)
        return invitation
    now = utcnow()
    invitation = db.session.scalar(_link_lookup(noting_opening=True), {"link_token": token, "opening_time": now})
    if invitation is not None and invitation.opened_at is None:
        set_committed_value(invitation, "opened_at", now)  # noted by this statement, or by a racing first opening
    return invitation


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
