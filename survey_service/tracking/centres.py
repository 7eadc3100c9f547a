"""One centre of a survey: where it stands, how to reach it, its link and QR code, a message to send by hand, a
reminder, a new link; and finding a centre by its code or name."""
from __future__ import annotations

import re

import segno
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey_service.auth.access import role_required
from survey_service.auth.forms import EmptyForm
from survey_service.auth.models import Role
from survey_service.extensions import db
from survey_service.mail.operations import SendRefused, start_batch
from survey_service.mail.views import REFUSALS as MAIL_REFUSALS
from survey_service.responses.models import PaperEntry
from survey_service.roster.parsing import KNOWN_COLUMNS
from survey_service.surveys.operations import LifecycleRefused, reissue_link
from survey_service.surveys.queries import survey_by_key
from survey_service.tracking.queries import centre_history, centre_invitation, centre_timeline, find_centres

blueprint = Blueprint("centres", __name__, url_prefix="/surveys/<key>/centres")

#: roster columns holding a telephone number, by their header (contact_phone, 联系电话, 手机 …)
TELEPHONE_COLUMN = re.compile(r"phone|mobile|\btel\b|电话|手机", re.IGNORECASE)

#: why a new link was refused, in the reader's language
REISSUE_REFUSALS = {
    "read_only": lambda: _("The survey is archived and read-only."),
    "link_revoked": lambda: _("This centre's link has been revoked; it is no longer part of the survey."),
}


@blueprint.route("")
@role_required(Role.evaluator)
def search(key: str):
    """Centres by code or name; a single match opens its page."""
    survey = survey_by_key(key)
    text = request.args.get("q", "").strip()[:200]
    rows = find_centres(survey.id, text) if text else []
    if len(rows) == 1:
        return redirect(url_for(".centre", key=key, code=rows[0].code))
    return render_template("console/centre_search.html", survey=survey, text=text, rows=rows)


def _centre_or_redirect(survey, code: str):
    invitation = centre_invitation(survey.id, code)
    if invitation is None:
        flash(_("Centre %(centre)s is not part of this survey.", centre=code), "error")
    return invitation


@blueprint.route("/<code>")
@role_required(Role.evaluator)
def centre(key: str, code: str):
    survey = survey_by_key(key)
    invitation = _centre_or_redirect(survey, code)
    if invitation is None:
        return redirect(url_for(".search", key=key))
    unit = invitation.unit
    link = invitation.link(current_app.config["BASE_URL"])
    response = invitation.response
    with force_locale("zh"):  # the message goes to the centre, which reads Chinese whatever the console's language
        message = render_template("console/centre_message.txt", survey=survey, unit=unit, link=link).strip()
    contacts = [(column, value, _contact_kind(column)) for column, value in (
        [(column, unit.attribute(column)) for column in KNOWN_COLUMNS] + sorted((unit.attributes or {}).items()))
        if value]
    return render_template(
        "console/centre.html", survey=survey, invitation=invitation, unit=unit, link=link, response=response,
        submitted=response is not None and response.submitted,
        timeline=centre_timeline(invitation, response), history=centre_history(invitation), contacts=contacts,
        paper_entry=db.session.scalar(select(PaperEntry).filter_by(invitation_id=invitation.id)),
        message=message, qr=segno.make(link, error="m").svg_inline(scale=5, omitsize=True, border=2),
        form=EmptyForm())


def _contact_kind(column: str) -> str:
    """How a roster column is reached: ``email``, ``telephone`` (a column named for a phone), or plain ``text``."""
    if column == "contact_email":
        return "email"
    return "telephone" if TELEPHONE_COLUMN.search(column) else "text"


@blueprint.route("/<code>/reminder", methods=["POST"])
@role_required(Role.evaluator)
def reminder(key: str, code: str):
    """An e-mail reminder to this centre alone, through the survey's mail sending."""
    survey = survey_by_key(key)
    invitation = _centre_or_redirect(survey, code)
    if invitation is None or not EmptyForm().validate_on_submit():
        return redirect(url_for(".centre", key=key, code=code) if invitation else url_for(".search", key=key))
    if not invitation.unit.contact_email:
        flash(_("The roster has no e-mail address for this centre: send the message below by WeChat or SMS."), "error")
    elif invitation.submitted:
        flash(_("This centre has submitted; it needs no reminder."), "info")
    else:
        try:
            start_batch(survey, "reminder", current_user, only=invitation)
        except SendRefused as refused:
            flash(MAIL_REFUSALS[refused.reason]() if refused.reason != "no_recipients"
                  else _("A reminder to this centre is being sent already."), "error")
        else:
            flash(_("Sending a reminder to %(email)s.", email=invitation.unit.contact_email), "success")
    return redirect(url_for(".centre", key=key, code=code))


@blueprint.route("/<code>/reissue", methods=["POST"])
@role_required(Role.evaluator)
def reissue(key: str, code: str):
    """Revoke the centre's link and give it a new one; the old link then shows the invalid-link page."""
    survey = survey_by_key(key)
    invitation = _centre_or_redirect(survey, code)
    if invitation is None or not EmptyForm().validate_on_submit():
        return redirect(url_for(".centre", key=key, code=code) if invitation else url_for(".search", key=key))
    try:
        reissue_link(invitation)
    except LifecycleRefused as refused:
        flash(REISSUE_REFUSALS[refused.reason](), "error")
    else:
        flash(_("The old link no longer works. Send the centre its new link below."), "success")
    return redirect(url_for(".centre", key=key, code=code))
