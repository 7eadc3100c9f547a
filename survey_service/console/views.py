from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from analysis.questionnaire import DefinitionError
from survey_service.auth.access import role_required
from survey_service.auth.models import Role
from survey_service.console.forms import QuestionnaireUploadForm, RosterUploadForm
from survey_service.console.queries import progress_by_survey
from survey_service.extensions import db
from survey_service.problems import ProblemList
from survey_service.questionnaires.drafting import described_problems
from survey_service.questionnaires.models import QuestionnaireDraft, QuestionnaireVersion
from survey_service.questionnaires.operations import import_questionnaire
from survey_service.roster.models import Roster, RosterUnit
from survey_service.roster.operations import import_roster
from survey_service.surveys.models import Survey, SurveyState

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


@blueprint.route("/questionnaires", methods=["GET", "POST"])
@role_required(Role.evaluator)
def questionnaires():
    form = QuestionnaireUploadForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            version, new = import_questionnaire(upload.read(), upload.filename or "questionnaire.yaml",
                                                user=current_user)
        except DefinitionError as exc:
            problems = described_problems(exc)
        except ProblemList as exc:
            problems = exc.problems
        else:
            message = _("Imported %(key)s version %(version)s.") if new else \
                _("%(key)s version %(version)s was imported before; nothing changed.")
            flash(message % {"key": version.key, "version": version.version}, "success")
            return redirect(url_for(".questionnaires"))
    versions = db.session.scalars(select(QuestionnaireVersion)
                                  .order_by(QuestionnaireVersion.key, QuestionnaireVersion.version.desc())).all()
    status = 422 if problems else 200
    drafts = db.session.scalars(select(QuestionnaireDraft).order_by(QuestionnaireDraft.updated_at.desc())).all()
    return render_template("console/questionnaires.html", form=form, versions=versions, problems=problems,
                           drafts=drafts), status


@blueprint.route("/rosters", methods=["GET", "POST"])
@role_required(Role.evaluator)
def rosters():
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
            return redirect(url_for(".rosters"))
    listing = db.session.execute(
        select(Roster, func.count(RosterUnit.id), func.count(func.distinct(RosterUnit.district)))
        .outerjoin(RosterUnit).group_by(Roster.id).order_by(Roster.created_at.desc())).all()
    status = 422 if problems else 200
    return render_template("console/rosters.html", form=form, rosters=listing, problems=problems), status
