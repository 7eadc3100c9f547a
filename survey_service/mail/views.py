"""E-mail: send invitations and reminders, follow a batch's progress, retry what failed, edit the wording."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey_service.auth.access import role_required
from survey_service.auth.forms import EmptyForm
from survey_service.auth.models import Role
from survey_service.extensions import db
from survey_service.jobs.models import Job
from survey_service.mail.forms import ReminderRuleForm, TemplateForm
from survey_service.mail.models import MailBatch
from survey_service.mail.operations import (KINDS, SendRefused, recipient_count, reset_template, retry_batch,
                                            save_template, start_batch)
from survey_service.mail.queries import (batch_progress, batch_rows, failed_deliveries, failing_addresses,
                                        units_without_email)
from survey_service.mail.schedule import SUGGESTED, add_rule, remove_rule, schedule_rows
from survey_service.mail.sending import REASONS, smtp_configured
from survey_service.mail.settings import mail_config
from survey_service.mail.wording import PLACEHOLDERS, Wording, problems as wording_problems, render, wording_of
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation, Survey
from survey_service.surveys.queries import survey_by_key

blueprint = Blueprint("mailing", __name__, url_prefix="/surveys/<key>/mail")

#: why a send did not start, in the reader's language
REFUSALS = {
    "smtp_not_configured": lambda: _("No mail server is configured, so nothing can be sent yet."),
    "still_sending": lambda: _("This batch is still being sent; retry once it has finished."),
    "survey_not_open": lambda: _("E-mails go out only while the survey is open. Open it first."),
    "no_recipients": lambda: _("Nobody to write to: every centre with an e-mail address has been reached."),
    "nothing_to_retry": lambda: _("Nothing to retry: every e-mail of this batch was accepted."),
}


@blueprint.route("")
@role_required(Role.evaluator)
def index(key: str):
    survey = survey_by_key(key)
    waiting = {kind: recipient_count(survey, kind) for kind in KINDS}
    return render_template("console/mail.html", survey=survey, batches=batch_rows(survey.id), waiting=waiting,
                           without_email=units_without_email(survey.id), failing=failing_addresses(survey.id),
                           configured=smtp_configured(mail_config()), reasons=REASONS, form=EmptyForm(),
                           schedule=schedule_rows(survey), rule_form=ReminderRuleForm())


@blueprint.route("/<any(invitation, reminder):kind>", methods=["POST"])
@role_required(Role.evaluator)
def send(key: str, kind: str):
    survey = survey_by_key(key)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for(".index", key=key))
    try:
        batch = start_batch(survey, kind, current_user)
    except SendRefused as refused:
        flash(REFUSALS[refused.reason](), "error")
        return redirect(url_for(".index", key=key))
    return redirect(url_for(".batch", key=key, batch_id=batch.id))


def _batch_of(survey: Survey, batch_id: int) -> MailBatch:
    """A batch of this survey; a batch of another survey is not found."""
    batch = db.get_or_404(MailBatch, batch_id)
    if batch.survey_id != survey.id:
        abort(404)
    return batch


@blueprint.route("/batches/<int:batch_id>")
@role_required(Role.evaluator)
def batch(key: str, batch_id: int):
    survey = survey_by_key(key)
    shown = _batch_of(survey, batch_id)
    return render_template("console/mail_batch.html", survey=survey, batch=shown, progress=batch_progress(shown),
                           failed=failed_deliveries(shown.id), reasons=REASONS, form=EmptyForm(),
                           batch_next_try=_next_try(shown))


def _next_try(batch: MailBatch):
    job = db.session.get(Job, batch.job_id) if batch.job_id else None
    return job.not_before if job is not None else None


@blueprint.route("/batches/<int:batch_id>/progress")
@role_required(Role.evaluator)
def progress(key: str, batch_id: int):
    return batch_progress(_batch_of(survey_by_key(key), batch_id))


@blueprint.route("/batches/<int:batch_id>/retry", methods=["POST"])
@role_required(Role.evaluator)
def retry(key: str, batch_id: int):
    shown = _batch_of(survey_by_key(key), batch_id)
    if EmptyForm().validate_on_submit():
        try:
            count = retry_batch(shown)
        except SendRefused as refused:
            flash(REFUSALS[refused.reason](), "error")
        else:
            flash(_("Sending %(count)s e-mails again.", count=count), "info")
    return redirect(url_for(".batch", key=key, batch_id=batch_id))


@blueprint.route("/templates/<any(invitation, reminder):kind>", methods=["GET", "POST"])
@role_required(Role.evaluator)
def template(key: str, kind: str):
    """Edit a kind of e-mail: placeholders checked, a preview for a chosen centre, save."""
    survey = survey_by_key(key)
    current = wording_of(survey, kind)
    form = TemplateForm(data={"subject": current.subject, "body": current.body} if request.method == "GET" else None)
    invitations = db.session.execute(
        select(Invitation.id, RosterUnit.name, RosterUnit.district).join(RosterUnit)
        .where(Invitation.survey_id == survey.id).order_by(RosterUnit.id)).all()
    form.unit.choices = [(row.id, _("%(centre)s (%(district)s)", centre=row.name, district=row.district))
                         for row in invitations]
    problems: list[str] = []
    shown = current
    if form.validate_on_submit():
        problems = wording_problems(form.subject.data, form.body.data)
        if not problems and form.save.data:
            save_template(survey, kind, form.subject.data, form.body.data, current_user)
            flash(_("Saved. The next e-mails use this wording."), "success")
            return redirect(url_for(".template", key=key, kind=kind, unit=form.unit.data))
        shown = Wording(form.subject.data, form.body.data, custom=True)
    chosen = form.unit.data or request.args.get("unit", type=int)
    invitation = db.session.get(Invitation, chosen) if chosen else None
    if invitation is None or invitation.survey_id != survey.id:
        invitation = db.session.get(Invitation, invitations[0].id) if invitations else None
    form.unit.data = invitation.id if invitation else None
    preview = render(shown, invitation, current_app.config["BASE_URL"]) if invitation and not problems else None
    status = 422 if problems or form.errors else 200
    return render_template("console/mail_template.html", survey=survey, kind=kind, form=form, problems=problems,
                           preview=preview, custom=current.custom, placeholders=PLACEHOLDERS,
                           reset_form=EmptyForm()), status


@blueprint.route("/templates/<any(invitation, reminder):kind>/reset", methods=["POST"])
@role_required(Role.evaluator)
def reset(key: str, kind: str):
    survey = survey_by_key(key)
    if EmptyForm().validate_on_submit():
        reset_template(survey, kind)
        flash(_("The official wording is back."), "success")
    return redirect(url_for(".template", key=key, kind=kind))


@blueprint.route("/schedule", methods=["POST"])
@role_required(Role.evaluator)
def schedule_add(key: str):
    survey = survey_by_key(key)
    form = ReminderRuleForm()
    if form.validate_on_submit():
        if add_rule(survey, form.days_before.data, form.at_time.data) is None:
            flash(_("That reminder is scheduled already."), "info")
        else:
            flash(_("Reminder scheduled."), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for(".index", key=key) + "#schedule")


@blueprint.route("/schedule/suggested", methods=["POST"])
@role_required(Role.evaluator)
def schedule_suggested(key: str):
    survey = survey_by_key(key)
    if EmptyForm().validate_on_submit():
        for days_before, at_time in SUGGESTED:
            add_rule(survey, days_before, at_time)
        flash(_("Reminders scheduled 5 and 2 days before closing and on the last morning, at 09:00."), "success")
    return redirect(url_for(".index", key=key) + "#schedule")


@blueprint.route("/schedule/<int:rule_id>/delete", methods=["POST"])
@role_required(Role.evaluator)
def schedule_delete(key: str, rule_id: int):
    survey = survey_by_key(key)
    if EmptyForm().validate_on_submit():
        if not remove_rule(survey, rule_id):
            abort(404)
        flash(_("Scheduled reminder removed."), "success")
    return redirect(url_for(".index", key=key) + "#schedule")
