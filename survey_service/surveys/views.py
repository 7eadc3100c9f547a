"""Issuing: create a survey, edit it and move it along its lifecycle, export the personal links and the QR-code sheet."""
import segno
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms.fields import SelectChoice

from analysis.china_time import from_wall_clock, wall_clock
from survey_service.audit.operations import record_download
from survey_service.auth.access import role_required
from survey_service.auth.forms import EmptyForm
from survey_service.auth.models import Role
from survey_service.downloads import table_download
from survey_service.extensions import db
from survey_service.problems import ProblemList
from survey_service.questionnaires.models import QuestionnaireVersion
from survey_service.roster.models import Roster
from survey_service.surveys.forms import StateChangeForm, SurveyEditForm, SurveyForm
from survey_service.surveys.operations import LifecycleRefused, change_state, create_survey, delete_survey, edit_survey
from survey_service.surveys.queries import INVITATION_COLUMNS, invitation_rows, survey_by_key, survey_districts
from survey_service.tracking.queries import non_respondents

blueprint = Blueprint("surveys", __name__, url_prefix="/surveys")

#: what the console says when a lifecycle move is done, and when the survey's state refuses it
TRANSITIONS = {
    "open": (lambda: _("The survey is open: centres can answer through their links."),
             lambda state: _("Only a draft survey can be opened; this one is %(state)s.", state=state)),
    "close": (lambda: _("The survey is closed; its figures are final."),
              lambda state: _("Only an open survey can be closed; this one is %(state)s.", state=state)),
    "reopen": (lambda: _("The survey is open again: centres can answer through their links."),
               lambda state: _("Only a closed survey can be reopened; this one is %(state)s.", state=state)),
    "archive": (lambda: _("The survey is archived: read-only, and listed only under “show archived”."),
                lambda state: _("Only a closed survey can be archived; this one is %(state)s.", state=state)),
    "restore": (lambda: _("The survey is back in the list, closed."),
                lambda state: _("Only an archived survey can be restored; this one is %(state)s.", state=state)),
}
#: why an edit or a deletion was refused, in the reader's language
REFUSALS = {
    "not_editable": lambda: _("Only a draft or open survey can be edited; reopen a closed survey first."),
    "closes_before_opens": lambda: _("The survey must close after it opens."),
    "not_draft": lambda: _("Only a draft survey can be deleted; close and archive it instead."),
    "has_responses": lambda: _("A survey that has responses cannot be deleted."),
}


def _state_label(survey) -> str:
    # the labels the pages use for a state, so a message names it in the reader's language
    return str(current_app.jinja_env.globals["state_labels"][survey.status])


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


@blueprint.route("/<key>/edit", methods=["GET", "POST"])
@role_required(Role.evaluator)
def edit(key: str):
    survey = survey_by_key(key)
    if request.method == "GET":
        form = SurveyEditForm(title=survey.title, opens=wall_clock(survey.opens_at),
                              closes=wall_clock(survey.closes_at))
    else:
        form = SurveyEditForm()
    if not survey.editable:
        flash(REFUSALS["not_editable"](), "error")
        return redirect(url_for("tracking.overview", key=key))
    if form.validate_on_submit():
        opens_at, closes_at = form.window()
        try:
            changed = edit_survey(survey, title=form.title.data, opens_at=opens_at, closes_at=closes_at)
        except LifecycleRefused as refused:
            flash(REFUSALS[refused.reason](), "error")
        else:
            flash(_("Saved the survey's title and dates.") if changed else _("Nothing changed."),
                  "success" if changed else "info")
            return redirect(url_for("tracking.overview", key=key))
    return render_template("console/survey_edit.html", survey=survey, form=form), 422 if form.errors else 200


@blueprint.route("/<key>/<any(open, close, reopen, archive, restore):action>", methods=["POST"])
@role_required(Role.evaluator)
def change(key: str, action: str):
    survey = survey_by_key(key)
    form = StateChangeForm()
    if not form.validate_on_submit():
        return redirect(url_for("tracking.overview", key=key))
    done, refused = TRANSITIONS[action]
    if action == "reopen" and not (form.reason.data or "").strip():
        flash(_("Say why the survey is reopened; the reason goes into the audit log."), "error")
        return redirect(url_for("tracking.overview", key=key))
    try:
        change_state(survey, action, reason=form.reason.data)
        if action == "reopen" and form.closes.data:
            edit_survey(survey, title=survey.title, opens_at=survey.opens_at,
                        closes_at=from_wall_clock(form.closes.data))
    except ProblemList:
        flash(refused(_state_label(survey)), "error")
    except LifecycleRefused as refusal:
        db.session.rollback()
        flash(REFUSALS[refusal.reason](), "error")
    else:
        flash(done(), "success")
        if action == "reopen" and not survey.accepting_answers():
            flash(_("The closing time has passed: extend it so that centres can answer."), "info")
    return redirect(url_for("tracking.overview", key=key))


@blueprint.route("/<key>/delete", methods=["POST"])
@role_required(Role.evaluator)
def delete(key: str):
    survey = survey_by_key(key)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("tracking.overview", key=key))
    try:
        delete_survey(survey)
    except LifecycleRefused as refused:
        flash(REFUSALS[refused.reason](), "error")
        return redirect(url_for("tracking.overview", key=key))
    flash(_("Deleted the draft survey %(key)s.", key=key), "success")
    return redirect(url_for("console.dashboard"))


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
    record_download("invitations.qr_sheet", survey, district=district, pending=pending, cards=len(cards))
    return render_template("console/qr_sheet.html", survey=survey, cards=cards, districts=districts,
                           district=district, pending=pending, cards_per_page=QR_CARDS_PER_PAGE)
