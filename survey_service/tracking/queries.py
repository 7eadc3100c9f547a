"""What tracking reads: a survey's progress as SQL aggregates, the centres still to chase, one centre's steps."""
from __future__ import annotations

from dataclasses import astuple, dataclass, fields

from sqlalchemy import Select, and_, case, func, or_, select

from survey_service.audit.models import AuditEvent
from survey_service.extensions import db
from survey_service.paging import PAGE_SIZE
from survey_service.responses.models import INVITATION_SUBMITTED, Response, Validity
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation

#: the stages of a centre that has not submitted, each a condition on its invitation
NON_RESPONDENT_STAGES = {
    "not_opened": Invitation.opened_at.is_(None),
    "opened": and_(Invitation.opened_at.is_not(None), Invitation.started_at.is_(None)),
    "started": Invitation.started_at.is_not(None),
}
NON_RESPONDENT_COLUMNS = ("code", "name", "district", "contact_email", "stage", "emailed_at", "reminded_at", "link")


@dataclass(frozen=True)
class Progress:
    """A survey's counts, overall or for one district; only valid responses count towards the return rate."""

    group: str | None
    issued: int
    emailed: int
    opened: int
    started: int
    submitted: int
    valid: int
    invalid: int

    @property
    def valid_rate(self) -> float | None:
        """问卷回收率: valid ÷ issued (the report's 218 / 221 = 98.64 %; the document's ``valid_rate``)."""
        return self.valid / self.issued if self.issued else None


def _progress_select(*survey_ids: int) -> Select:
    # the response is joined already: its own expression of "submitted" needs no second look-up per invitation
    return (select(func.count(Invitation.id), func.count(Invitation.sent_at), func.count(Invitation.opened_at),
                   func.count(Invitation.started_at), func.count(case((Response.submitted, 1))),
                   func.count(case((and_(Response.submitted, Response.validity == Validity.valid), 1))),
                   func.count(case((and_(Response.submitted, Response.validity == Validity.invalid), 1))))
            .select_from(Invitation)
            .join(RosterUnit, Invitation.unit_id == RosterUnit.id)
            .outerjoin(Response, Response.invitation_id == Invitation.id)
            .where(Invitation.survey_id.in_(survey_ids), Invitation.revoked_at.is_(None)))


def survey_progress(survey_id: int) -> tuple[Progress, list[Progress]]:
    """The overview: overall counts and one row per district, in roster order (one aggregate query)."""
    by_district = [Progress(row[-1], *row[:-1]) for row in db.session.execute(
        _progress_select(survey_id).add_columns(RosterUnit.district)
        .group_by(RosterUnit.district).order_by(func.min(RosterUnit.id)))]
    # every count is a count of invitations, so the districts add up to the whole survey
    totals = [sum(counts) for counts in zip(*(astuple(row)[1:] for row in by_district))] or \
        [0] * (len(fields(Progress)) - 1)
    return Progress(None, *totals), by_district


def progress_by_survey(survey_ids: list[int]) -> dict[int, Progress]:
    """The overall counts of several surveys (the dashboard), by survey id."""
    if not survey_ids:
        return {}
    rows = db.session.execute(_progress_select(*survey_ids).add_columns(Invitation.survey_id)
                              .group_by(Invitation.survey_id)).all()
    return {row[-1]: Progress(None, *row[:-1]) for row in rows}


def non_respondents(survey_id: int, district: str | None = None, stage: str | None = None) -> list:
    """Centres that have not submitted, with their contact and how far they got, in roster order."""
    return db.session.execute(non_respondent_query(survey_id, district, stage)).all()


def non_respondent_query(survey_id: int, district: str | None = None, stage: str | None = None) -> Select:
    """The rows of :func:`non_respondents` as a query, for a page of them."""
    query = (select(RosterUnit.code, RosterUnit.name, RosterUnit.district, RosterUnit.contact_email,
                    Invitation.sent_at, Invitation.reminded_at, Invitation.opened_at, Invitation.started_at,
                    Invitation.token)
             .join(RosterUnit, Invitation.unit_id == RosterUnit.id)
             .where(Invitation.survey_id == survey_id, Invitation.revoked_at.is_(None), ~INVITATION_SUBMITTED)
             .order_by(RosterUnit.id))
    if district:
        query = query.where(RosterUnit.district == district)
    if stage:
        query = query.where(NON_RESPONDENT_STAGES[stage])
    return query


def stage_of(row) -> str:
    """The stage key of a non-respondent row."""
    if row.started_at is not None:
        return "started"
    return "opened" if row.opened_at is not None else "not_opened"


def find_centres(survey_id: int, text: str, limit: int = PAGE_SIZE) -> list:
    """Centres of a survey whose code is TEXT or whose name contains it, in roster order, with how far they got."""
    text = text.strip()
    return db.session.execute(
        select(RosterUnit.code, RosterUnit.name, RosterUnit.district, Invitation.opened_at, Invitation.started_at,
               Response.submitted_at)
        .join(Invitation, Invitation.unit_id == RosterUnit.id)
        .outerjoin(Response, and_(Response.invitation_id == Invitation.id, Response.submitted))
        .where(Invitation.survey_id == survey_id,
               (RosterUnit.code == text) | RosterUnit.name.contains(text, autoescape=True))
        .order_by(RosterUnit.id).limit(limit)).all()


def centre_invitation(survey_id: int, code: str) -> Invitation | None:
    """The invitation of centre CODE in a survey; None for a centre of another survey."""
    return db.session.scalar(select(Invitation).join(RosterUnit, Invitation.unit_id == RosterUnit.id)
                             .where(Invitation.survey_id == survey_id, RosterUnit.code == code))


def centre_timeline(invitation: Invitation, response: Response | None) -> list[tuple[str, object]]:
    """A centre's steps in order (issued, e-mailed, opened, started, submitted, reviewed), each with its time or
    None while it has not happened."""
    return [("issued", invitation.created_at), ("emailed", invitation.sent_at), ("opened", invitation.opened_at),
            ("started", invitation.started_at),
            ("submitted", response.submitted_at if response is not None and response.submitted else None),
            ("reviewed", response.reviewed_at if response is not None else None)]


def centre_history(invitation: Invitation) -> list:
    """What the audit log holds of a centre's link and response: reissued links, entries, corrections, decisions."""
    response_id = db.session.scalar(select(Response.id).filter_by(invitation_id=invitation.id))
    objects = [and_(AuditEvent.object_type == Invitation.__tablename__, AuditEvent.object_id == str(invitation.id))]
    if response_id is not None:
        objects.append(and_(AuditEvent.object_type == Response.__tablename__, AuditEvent.object_id == str(response_id)))
    return db.session.execute(select(AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.details)
                              .where(or_(*objects)).order_by(AuditEvent.id)).all()
