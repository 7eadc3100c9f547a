"""Answers collected beyond the personal link: entry on a centre's behalf (代录), an evaluator's correction, and
the import of a responses file (checked and previewed first, then all or nothing).

Entry and correction use the questionnaire form the centre sees, so a paper questionnaire is typed into the same
questions in the same order, and both are checked as a submission is (every required question answered, values on the
scale). A paper questionnaire may be entered twice by two evaluators (双录); it counts once both entries agree, or once
a person has chosen between them where they differ.
"""
from __future__ import annotations

import base64
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey_service.auth.access import role_required
from survey_service.auth.forms import EmptyForm
from survey_service.auth.models import Role
from survey_service.extensions import db
from survey_service.problems import ProblemList
from survey_service.respond.forms import answer_form, likert_name, open_name
from survey_service.respond.queries import saved_answers, sections
from survey_service.respond.views import localized
from survey_service.responses.forms import CorrectionForm, EntryForm, ImportConfirmForm, ResponseImportForm
from survey_service.responses.importing import (ImportPlan, import_responses, imported_by_job, plan_import,
                                               queue_import)
from survey_service.responses.models import MODE_LABELS, Mode, PaperEntry, Response
from survey_service.responses.operations import (EntryRefused, correct_answers, enter_on_behalf, enter_paper_twice,
                                                 paper_differences, resolve_paper)
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation, Survey, SurveyState
from survey_service.surveys.queries import survey_by_key
from survey_service.tracking.queries import centre_invitation

blueprint = Blueprint("entry", __name__, url_prefix="/surveys/<key>")

#: why an entry or a correction was refused, in the reader's language
REFUSALS = {
    "other_survey": lambda centre: _("Centre %(centre)s is not part of this survey.", centre=centre),
    "link_revoked": lambda centre: _("The link of centre %(centre)s has been revoked; nothing can be entered for "
                                     "it.", centre=centre),
    "survey_not_open": lambda centre: _("Questionnaires can be entered only while the survey is open; reopen it "
                                        "first."),
    "already_submitted": lambda centre: _("Centre %(centre)s has submitted already (perhaps another evaluator "
                                          "entered it just now); nothing was changed. Correct the response "
                                          "instead.", centre=centre),
    "read_only": lambda centre: _("The survey is archived and read-only."),
    "no_reason": lambda centre: _("Give the reason for the correction."),
    "not_submitted": lambda centre: _("Only a submitted response can be corrected."),
    "no_change": lambda centre: _("The answers are unchanged; nothing was saved."),
    "entry_waiting": lambda centre: _("Another evaluator has just made the first entry of centre %(centre)s; "
                                      "enter it again as the second entry.", centre=centre),
    "entry_to_resolve": lambda centre: _("The two entries of centre %(centre)s differ and wait to be resolved.",
                                         centre=centre),
    "same_evaluator": lambda centre: _("You made the first entry of centre %(centre)s; the second must be made by "
                                       "another evaluator.", centre=centre),
    "nothing_to_resolve": lambda centre: _("Centre %(centre)s has no differing entries to resolve.", centre=centre),
    "choose_every_difference": lambda centre: _("Choose an answer for every difference."),
}


def _page(template: str, survey: Survey, form, status: int = 200, **context):
    questionnaire = survey.questionnaire_version.questionnaire
    return render_template(template, survey=survey, form=form, questionnaire=questionnaire,
                           sections=sections(questionnaire), localized=localized, likert_name=likert_name,
                           open_name=open_name, **context), status


@blueprint.route("/centres/<code>/entry", methods=["GET", "POST"])
@role_required(Role.evaluator)
def enter(key: str, code: str):
    """A paper or phone questionnaire typed in by an evaluator; it counts as the centre's submission."""
    survey = survey_by_key(key)
    invitation = centre_invitation(survey.id, code)
    if invitation is None:
        flash(REFUSALS["other_survey"](code), "error")
        return redirect(url_for("centres.search", key=key))
    response = invitation.response
    if response is not None and response.submitted:
        flash(REFUSALS["already_submitted"](code), "info")
        return redirect(url_for("review.response", key=key, response_id=response.id))
    waiting = db.session.scalar(select(PaperEntry).filter_by(invitation_id=invitation.id))
    if waiting is not None and waiting.second_answers is not None:
        return redirect(url_for(".resolve", key=key, code=code))
    form = answer_form(survey.questionnaire_version.questionnaire, base=EntryForm)
    if form.is_submitted():
        if form.validate_answers(complete=True):
            twice = waiting is not None or (form.double_entry.data and form.mode.data == Mode.paper.value)
            try:
                if twice:
                    entered = enter_paper_twice(survey, invitation, form.likert_answers(), form.open_answers(),
                                                by=current_user)
                else:
                    entered = enter_on_behalf(survey, invitation, form.likert_answers(), form.open_answers(),
                                              mode=Mode(form.mode.data), by=current_user)
            except EntryRefused as refused:
                db.session.rollback()
                flash(REFUSALS[refused.reason](code), "error")
                return redirect(url_for("centres.centre", key=key, code=code))
            if isinstance(entered, PaperEntry) and entered.second_answers is not None:
                flash(_("The two entries differ; choose the right answer for each difference."), "info")
                return redirect(url_for(".resolve", key=key, code=code))
            if isinstance(entered, PaperEntry):
                flash(_("First entry saved. It counts once a second evaluator has entered the same questionnaire "
                        "and both agree."), "success")
                return redirect(url_for("centres.centre", key=key, code=code))
            flash(_("Entered the %(mode)s questionnaire of %(centre)s; it counts as submitted.",
                    mode=MODE_LABELS[entered.mode], centre=invitation.unit.name), "success")
            return redirect(url_for("review.response", key=key, response_id=entered.id))
        return _page("console/entry.html", survey, form, 422, invitation=invitation, waiting=waiting)
    if survey.state is not SurveyState.open or invitation.revoked_at is not None:
        reason = "link_revoked" if invitation.revoked_at is not None else "survey_not_open"
        flash(REFUSALS[reason](code), "error")
        return redirect(url_for("centres.centre", key=key, code=code))
    return _page("console/entry.html", survey, form, invitation=invitation, waiting=waiting)


@blueprint.route("/centres/<code>/entry/resolve", methods=["GET", "POST"])
@role_required(Role.evaluator)
def resolve(key: str, code: str):
    """The differences between the two entries of a paper questionnaire, to choose from; then it counts."""
    survey = survey_by_key(key)
    invitation = centre_invitation(survey.id, code)
    waiting = db.session.scalar(select(PaperEntry).filter_by(invitation_id=invitation.id)) if invitation else None
    if waiting is None or waiting.second_answers is None:
        flash(REFUSALS["nothing_to_resolve"](code), "info")
        return redirect(url_for("centres.centre", key=key, code=code) if invitation else url_for("centres.search",
                                                                                                    key=key))
    differing = paper_differences(waiting)
    form = EmptyForm()
    if form.validate_on_submit():
        picks = {key_: request.form.get(f"choice-{key_}") for key_ in differing}
        chosen = {key_: differing[key_][0 if pick == "first" else 1] for key_, pick in picks.items()
                  if pick in ("first", "second")}
        try:
            entered = resolve_paper(survey, invitation, chosen, by=current_user)
        except EntryRefused as refused:
            db.session.rollback()
            flash(REFUSALS[refused.reason](code), "error")
        else:
            flash(_("Entered the %(mode)s questionnaire of %(centre)s; it counts as submitted.",
                    mode=MODE_LABELS[entered.mode], centre=invitation.unit.name), "success")
            return redirect(url_for("review.response", key=key, response_id=entered.id))
    questionnaire = survey.questionnaire_version.questionnaire
    questions = {q.key: (number, localized(q, "text")) for number, q in
                 enumerate([*questionnaire.items, *questionnaire.open_questions], 1)}
    labels = {option.value: localized(option, "label")
              for option in (*questionnaire.options, *filter(None, [questionnaire.not_applicable]))}
    return render_template("console/entry_resolve.html", survey=survey, invitation=invitation, waiting=waiting,
                           differing=differing, questions=questions, labels=labels, form=form)


@blueprint.route("/responses/<int:response_id>/correction", methods=["GET", "POST"])
@role_required(Role.evaluator)
def correct(key: str, response_id: int):
    """Change a submitted response's answers with a reason; the old answers stay in its history."""
    survey = survey_by_key(key)
    response = db.get_or_404(Response, response_id)
    if response.survey_id != survey.id or not response.submitted:
        abort(404)
    if survey.read_only:
        flash(REFUSALS["read_only"](None), "error")
        return redirect(url_for("review.response", key=key, response_id=response_id))
    questionnaire = survey.questionnaire_version.questionnaire
    form = answer_form(questionnaire, *saved_answers(response), base=CorrectionForm)
    if form.is_submitted():
        if form.validate_answers(complete=True):
            try:
                difference = correct_answers(response, form.likert_answers(), form.open_answers(),
                                             reason=form.reason.data, by=current_user)
            except EntryRefused as refused:
                db.session.rollback()
                flash(REFUSALS[refused.reason](response.invitation.unit.code), "error")
            else:
                flash(_("Corrected %(count)s answers; the previous answers are kept in the history.",
                        count=len(difference["after"])), "success")
                return redirect(url_for("review.response", key=key, response_id=response_id))
        else:
            return _page("console/correction.html", survey, form, 422, response=response)
    return _page("console/correction.html", survey, form, response=response)


@blueprint.route("/responses/import", methods=["GET", "POST"])
@role_required(Role.evaluator)
def import_preview(key: str):
    """Upload a responses file and see what importing it would do (new, replaced, every problem); nothing is
    written here."""
    survey = survey_by_key(key)
    form = ResponseImportForm()
    if not form.validate_on_submit():
        return render_template("console/response_import.html", survey=survey, form=form, plan=None,
                               confirm=None), 422 if form.errors else 200
    upload = form.file.data
    data, filename = upload.read(), Path(upload.filename or "responses.csv").name
    plan = plan_import(survey, data, filename, replace=form.replace.data)
    confirm = ImportConfirmForm(prefix="confirm", content=base64.b64encode(data).decode("ascii"), filename=filename,
                                mode=form.mode.data, replace="1" if form.replace.data else "")
    return render_template("console/response_import.html", survey=survey, form=form, plan=plan, confirm=confirm,
                           names=_centre_names(survey)), 422 if plan.problems else 200


@blueprint.route("/responses/import/confirm", methods=["POST"])
@role_required(Role.evaluator)
def import_confirm(key: str):
    """Import the previewed file: checked again, whole, and written in this request's one transaction (a large
    file: by a job, whose page shows its progress and outcome)."""
    survey = survey_by_key(key)
    confirm = ImportConfirmForm(prefix="confirm")
    if not confirm.validate_on_submit():
        flash(_("The file could not be read back; please upload it again."), "error")
        return redirect(url_for(".import_preview", key=key))
    try:
        data = base64.b64decode(confirm.content.data, validate=True)
    except ValueError:
        flash(_("The file could not be read back; please upload it again."), "error")
        return redirect(url_for(".import_preview", key=key))
    filename = Path(confirm.filename.data).name
    if imported_by_job(data, filename):
        job = queue_import(survey, data, filename, mode=Mode(confirm.mode.data), replace=bool(confirm.replace.data),
                           by=current_user, language=str(get_locale()))
        return redirect(url_for("review.import_job", key=key, import_id=job.id))
    try:
        plan = import_responses(survey, data, filename, mode=Mode(confirm.mode.data),
                                replace=bool(confirm.replace.data), by=current_user)
    except ProblemList as exc:
        db.session.rollback()
        form = ResponseImportForm(formdata=None, mode=confirm.mode.data, replace=bool(confirm.replace.data))
        return render_template("console/response_import.html", survey=survey, form=form,
                               plan=ImportPlan(filename, problems=exc.problems), confirm=None), 422
    flash(_("Imported %(new)s new responses and replaced %(replaced)s from %(file)s.", new=len(plan.new),
            replaced=len(plan.replaced), file=filename), "success")
    return redirect(url_for("review.responses", key=key))


def _centre_names(survey: Survey) -> dict[str, str]:
    return dict(db.session.execute(select(RosterUnit.code, RosterUnit.name)
                                   .join(Invitation, Invitation.unit_id == RosterUnit.id)
                                   .where(Invitation.survey_id == survey.id)).all())
