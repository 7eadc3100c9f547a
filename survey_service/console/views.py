from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from survey_service.auth.access import role_required
from survey_service.auth.models import Role
from survey_service.extensions import db
from survey_service.surveys.models import Survey, SurveyState
from survey_service.tracking.queries import progress_by_survey

blueprint = Blueprint("console", __name__)


@blueprint.route("/")
@role_required(Role.viewer)
def dashboard():
    """Every survey, newest first; archived ones only when asked for (``?archived=1``)."""
    show_archived = request.args.get("archived") == "1"
    query = select(Survey).order_by(Survey.created_at.desc())
    if not show_archived:
        query = query.where(Survey.state != SurveyState.archived)
    surveys = db.session.scalars(query).all()
    archived = db.session.scalar(select(func.count(Survey.id)).where(Survey.state == SurveyState.archived))
    return render_template("console/dashboard.html", surveys=surveys, show_archived=show_archived,
                           archived=archived, progress=progress_by_survey([survey.id for survey in surveys]))
