"""The rosters: every roster with its size, and the upload of a new one (every problem of a bad file at once)."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from survey_service.auth.access import role_required
from survey_service.auth.models import Role
from survey_service.extensions import db
from survey_service.problems import ProblemList
from survey_service.roster.forms import RosterUploadForm
from survey_service.roster.models import Roster, RosterUnit
from survey_service.roster.operations import import_roster

blueprint = Blueprint("rosters", __name__, url_prefix="/rosters")


@blueprint.route("", methods=["GET", "POST"])
@role_required(Role.evaluator)
def index():
    form = RosterUploadForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            roster = import_roster(upload.read(), upload.filename or "roster.csv", form.name.data)
        except ProblemList as exc:
            problems = exc.problems
        else:
            flash(_("Imported roster %(name)s with %(count)s units.") % {"name": roster.name,
                                                                        "count": len(roster.units)}, "success")
            return redirect(url_for(".index"))
    listing = db.session.execute(
        select(Roster, func.count(RosterUnit.id), func.count(func.distinct(RosterUnit.district)))
        .outerjoin(RosterUnit).group_by(Roster.id).order_by(Roster.created_at.desc())).all()
    status = 422 if problems else 200
    return render_template("console/rosters.html", form=form, rosters=listing, problems=problems), status
