from __future__ import annotations

from sqlalchemy import select

from survey_service.audit.operations import record
from survey_service.extensions import db
from survey_service.problems import ProblemList, problem_text as _
from survey_service.roster.models import Roster, RosterUnit
from survey_service.roster.parsing import parse_roster


def import_roster(data: bytes, filename: str, name: str, *, actor: str | None = None) -> Roster:
    """Store a roster file under a new name; a file with any bad row stores nothing."""
    name = name.strip()
    if not name:
        raise ProblemList([_("name: a roster needs a name")])
    units = parse_roster(data, filename)
    if db.session.scalar(select(Roster.id).filter_by(name=name)) is not None:
        raise ProblemList([_("name: a roster named \"%(name)s\" exists already; choose another name", name=name)])
    # the file's name is only a record: one longer than the column keeps its start
    roster = Roster(name=name, source_filename=filename[:Roster.__table__.c.source_filename.type.length])
    roster.units = [RosterUnit(code=u.code, name=u.name, district=u.district, district_code=u.district_code,
                               district_en=u.district_en, kind=u.kind, contact_email=u.contact_email,
                               attributes=u.attributes) for u in units]
    db.session.add(roster)
    db.session.flush()
    record("roster.import", roster, actor=actor, filename=filename, name=name, units=len(units),
           districts=len({u.district for u in units}))
    return roster


def find_roster(name: str) -> Roster:
    roster = db.session.scalar(select(Roster).filter_by(name=name))
    if roster is None:
        raise ProblemList([_("roster: no roster named \"%(name)s\"", name=name)])
    return roster
