"""Issuing: create a survey, open and close it, export the personal links and the QR-code sheet."""
import segno
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms.fields import SelectChoice

from survey_service.audit.operations import record
from survey_service.auth.access import role_required
from survey_service.auth.forms import EmptyForm
from survey_service.auth.models import Role
from survey_service.console.downloads import table_download
from survey_service.console.forms import SurveyForm
from survey_service.console.queries import non_respondents, survey_by_key, survey_districts
from survey_service.extensions import db
from survey_service.problems import ProblemList
from survey_service.questionnaires.models import QuestionnaireVersion
from survey_service.roster.models import Roster
from survey_service.surveys.models import SurveyState
from survey_service.surveys.operations import change_state, create_survey
from survey_service.surveys.queries import INVITATION_COLUMNS, invitation_rows

blueprint = Blueprint("surveys", __name__, url_prefix="/surveys")

#: what each lifecycle button asks for, and what the console says when it is done or refused
TRANSITIONS = {
    "open": (SurveyState.open,
             lambda: _("The survey is open: centres can answer through their links."),
             lambda state: _("Only a draft survey can be opened; this one is %(state)s.", state=state)),
    "close": (SurveyState.closed,
              lambda: _("The survey is closed; its figures are final."),
              lambda state: _("Only an open survey can be closed; this one is %(state)s.", state=state)),
}


@blueprint.route("/new", methods=["GET", "POST"])
@role_required(Role.evaluator)
def new():
    form = SurveyForm()
    form.questionnaire.choices = [SelectChoice(v.id, f"{v.title} ({v.label})") for v in db.session.scalars(
        select(QuestionnaireVersion).order_by(QuestionnaireVersion.key, QuestionnaireVersion.version.desc()))]
    form.roster.choices = [SelectChoice(r.id, r.name)
                           for r in db.session.scalars(select(Roster).order_by(Roster.created_at.desc()))]
    problems: list[str] = []
    if form.validate_on_submit():
        opens_at, closes_at = form.window()
        try:
            survey = create_survey(form.key.data, db.get_or_404(QuestionnaireVersion, form.questionnaire.data),
                                   db.get_or_404(Roster, form.roster.data), title=form.title.data or None,
                                   opens_at=opens_at, closes_at=closes_at,
                                   allow_corrections=form.allow_corrections.data)
        except ProblemList as exc:
            problems = exc.problems
        else:
            flash(_("Survey created with %(count)s personal links. Open it when the centres may answer.",
                    count=len(survey.invitations)), "success")
            return redirect(url_for("tracking.overview", key=survey.key))
    status = 422 if problems or form.errors else 200
    return render_template("console/survey_new.html", form=form, problems=problems), status


@blueprint.route("/<key>/<any(open, close):action>", methods=["POST"])
@role_required(Role.evaluator)
def change(key: str, action: str):
    survey = survey_by_key(key)
    if EmptyForm().validate_on_submit():
        target, done, refused = TRANSITIONS[action]
        try:
            change_state(survey, target)
        except ProblemList:
            # the labels the pages use for a state, so the message names it in the reader's language
            flash(refused(str(current_app.jinja_env.globals["state_labels"][survey.status])), "error")
        else:
            flash(done(), "success")
    return redirect(url_for("tracking.overview", key=key))


@blueprint.route("/<key>/invitations")
@role_required(Role.evaluator)
def links(key: str):
    survey = survey_by_key(key)
    return render_template("console/links.html", survey=survey, districts=survey_districts(survey.id),
                           count=len(survey.invitations))


@blueprint.route("/<key>/invitations.<any(csv, xlsx):fmt>")
@role_required(Role.evaluator)
def invitations_export(key: str, fmt: str):
    survey = survey_by_key(key)
    rows = invitation_rows(survey, current_app.config["BASE_URL"])
    return table_download(fmt, f"{survey.key}-invitations", INVITATION_COLUMNS, rows,
                          audited_as="invitations.export", obj=survey)


#: QR cards on an A4 page: two columns of six, each 93 × 42 mm (static/css/console.css prints that grid)
QR_CARDS_PER_PAGE = 12


@blueprint.route("/<key>/invitations/qr")
@role_required(Role.evaluator)
def qr_sheet(key: str):
    survey = survey_by_key(key)
    districts = survey_districts(survey.id)
    district = request.args.get("district") if request.args.get("district") in districts else None
    # ?pending=1: only the centres still to answer, the sheet an evaluator takes along when chasing
    pending = request.args.get("pending") == "1"
    waiting = {row.token for row in non_respondents(survey.id, district)} if pending else None
    cards = [(name, unit_district, link, segno.make(link, error="m").svg_inline(scale=4, omitsize=True, border=2))
             for _code, name, unit_district, _email, link in invitation_rows(survey, current_app.config["BASE_URL"])
             if (district is None or unit_district == district)
             and (waiting is None or link.rsplit("/", 1)[1] in waiting)]
    record("invitations.qr_sheet", survey, district=district, pending=pending, cards=len(cards))
    return render_template("console/qr_sheet.html", survey=survey, cards=cards, districts=districts,
                           district=district, pending=pending, cards_per_page=QR_CARDS_PER_PAGE)
