"""Review: the queue of flagged responses, every submitted response, the evaluator's validity decision, and the
progress of a large file's import."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey_service.auth.access import role_required
from survey_service.auth.models import Role
from survey_service.extensions import db
from survey_service.form_choices import choice_labels, district_choices
from survey_service.jobs.models import Job
from survey_service.paging import paginate
from survey_service.problems import ProblemList
from survey_service.responses.forms import ResponseFilterForm, ValidityForm
from survey_service.responses.models import Response, Validity
from survey_service.responses.operations import decide_validity
from survey_service.responses.queries import answer_rows, response_history, response_query
from survey_service.surveys.models import Survey
from survey_service.surveys.queries import survey_by_key, survey_districts

blueprint = Blueprint("review", __name__, url_prefix="/surveys/<key>")


@blueprint.route("/review")
@role_required(Role.evaluator)
def queue(key: str):
    survey = survey_by_key(key)
    rows = db.session.execute(response_query(survey.id, "needs_review")).all()
    return render_template("console/review_queue.html", survey=survey, rows=rows)


@blueprint.route("/responses")
@role_required(Role.evaluator)
def responses(key: str):
    survey = survey_by_key(key)
    form = ResponseFilterForm(request.args)
    form.district.choices = district_choices(survey_districts(survey.id))
    if not form.validate():
        return redirect(url_for(".responses", key=key))
    page = paginate(response_query(survey.id, form.shown.data, form.district.data or None),
                    request.args.get("page", 1, type=int))
    return render_template("console/responses.html", survey=survey, form=form, page=page)


def _submitted_response(survey: Survey, response_id: int) -> Response:
    """A submitted response of this survey; any other id is not found (no peeking across surveys)."""
    response = db.get_or_404(Response, response_id)
    if response.survey_id != survey.id or not response.submitted:
        abort(404)
    return response


@blueprint.route("/responses/<int:response_id>")
@role_required(Role.evaluator)
def response(key: str, response_id: int):
    survey = survey_by_key(key)
    shown = _submitted_response(survey, response_id)
    form = ValidityForm(validity=shown.validity.value if shown.validity else None)
    questionnaire = survey.questionnaire_version.questionnaire
    scale = (*questionnaire.options, *filter(None, [questionnaire.not_applicable]))
    answers = answer_rows(shown)
    # the history names a question by its number in the form, as the paper questionnaire does
    numbers = {row.key: _("Question %(number)s", number=number) for number, row in enumerate(answers, 1)}
    return render_template("console/response.html", survey=survey, response=shown, form=form,
                           answers=answers, history=response_history(shown.id),
                           options={option.value: option for option in scale}, question_numbers=numbers,
                           question_texts={row.key: row.text for row in answers},
                           questionnaire=questionnaire)


@blueprint.route("/responses/<int:response_id>/validity", methods=["POST"])
@role_required(Role.evaluator)
def decide(key: str, response_id: int):
    survey = survey_by_key(key)
    reviewed = _submitted_response(survey, response_id)
    form = ValidityForm()
    if survey.read_only:
        flash(_("The survey is archived and read-only."), "error")
    elif form.validate_on_submit():
        try:
            decide_validity(reviewed, Validity(form.validity.data), form.reason.data, current_user)
        except ProblemList as exc:
            flash("; ".join(exc.problems), "error")
        else:
            flash(_("Marked %(centre)s as %(decision)s.", centre=reviewed.invitation.unit.name,
                    decision=choice_labels(form.validity)[form.validity.data]), "success")
            return redirect(url_for(".queue", key=key))
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for(".response", key=key, response_id=response_id))


def _import_job(survey: Survey, import_id: int) -> Job:
    job = db.session.get(Job, import_id)
    if job is None or job.kind != "response_import" or job.survey_id != survey.id:
        abort(404)
    return job


@blueprint.route("/responses/imports/<int:import_id>")
@role_required(Role.evaluator)
def import_job(key: str, import_id: int):
    """A large file's import (responses/importing.py): its progress, then what was imported or why nothing was."""
    survey = survey_by_key(key)
    job = _import_job(survey, import_id)
    return render_template("console/response_import_job.html", survey=survey, job=job,
                           status_url=url_for(".import_job_status", key=key, import_id=import_id))


@blueprint.route("/responses/imports/<int:import_id>/status")
@role_required(Role.evaluator)
def import_job_status(key: str, import_id: int):
    """What the import's page polls: the job's state and progress."""
    job = _import_job(survey_by_key(key), import_id)
    return {"state": job.state.value, "done": job.done, "total": job.total}
