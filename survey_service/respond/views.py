"""The centre's questionnaire behind its personal link: open, save and resume, submit once, correct if allowed."""
from __future__ import annotations

import hashlib

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import format_time, get_locale, gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from werkzeug.exceptions import NotFound

from survey_service.database import after_commit, reads_first, reads_only
from survey_service.extensions import FailedAttempts, limiter
from survey_service.formatting import local_datetime
from survey_service.respond import pages
from survey_service.respond.forms import OTHER, BlankAnswerForm, answer_form, choice_name, likert_name, open_name
from survey_service.respond.queries import answering_window, find_invitation, saved_answers, sections
from survey_service.responses.models import Response
from survey_service.responses.operations import AlreadySubmitted, save_answers
from survey_service.surveys.models import Invitation, Survey
from survey_service.timestamps import utcnow

blueprint = Blueprint("respond", __name__)


class InvalidLink(NotFound):
    """An unknown, revoked or malformed token: one page for all, so a guess learns nothing."""


#: failed look-ups per client address across every personal-link page (``RATELIMIT_TOKEN_FAILURES``): guessing is
#: throttled, valid links never are — a whole district office may sit behind one address
failed_lookups = FailedAttempts("personal-link", "RATELIMIT_TOKEN_FAILURES")


@limiter.request_filter
def _not_limited_by_route() -> bool:
    """The personal-link pages have no route limits; their one limit counts failed look-ups alone."""
    return request.blueprint == blueprint.name


@blueprint.before_request
def look_up_link():
    """The invitation named by the link's token, looked up once per request; a link that names no live invitation
    counts as a failed look-up of the client's address, and past the limit the answer is 429. The redirect after
    a submission is answered with its receipt from the session instead (:func:`_note_receipt`)."""
    if request.endpoint == "respond.questionnaire" and \
            (receipt := _receipt_just_submitted(request.view_args["token"])) is not None:
        return receipt
    opening = request.endpoint == "respond.questionnaire" and _opened_by_a_person()
    g.respond_invitation = find_invitation(request.view_args["token"], opening=opening)
    if g.respond_invitation is None:
        failed_lookups.count()


def _requested_invitation() -> Invitation | None:
    return g.respond_invitation


@blueprint.errorhandler(InvalidLink)
def invalid_link(error):
    """The same plain page for every bad link."""
    return render_template("respond/invalid_link.html"), InvalidLink.code


@blueprint.after_request
def keep_out_of_caches(response):
    """No copies of a centre's pages in shared or browser caches."""
    # The pages show a centre's answers, and Back after submitting must ask the server again, not replay a form.
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.context_processor
def template_helpers():
    """Names the questionnaire templates use."""
    return {"localized": localized, "likert_name": likert_name, "open_name": open_name, "choice_name": choice_name,
            "OTHER": OTHER}


def localized(source, name: str) -> str | None:
    """``source.<name>_en`` when the page is in English and that text exists, otherwise the Chinese text."""
    if str(get_locale()) == "en":
        return getattr(source, f"{name}_en", None) or getattr(source, name)
    return getattr(source, name)


#: the WSGI names of the headers by which browsers mark a request made ahead of time, not because someone opened
#: the page (Purpose, Sec-Purpose, X-Purpose, X-Moz)
_PREFETCH_HEADERS = ("HTTP_PURPOSE", "HTTP_SEC_PURPOSE", "HTTP_X_PURPOSE", "HTTP_X_MOZ")
_PREFETCH_WORDS = ("prefetch", "prerender", "preview")


def _opened_by_a_person() -> bool:
    """Whether this request is a person opening the link, which "opened" counts.

    Mail scanners and link previews fetch every link in an e-mail, and browsers prefetch: HEAD requests and those
    marked as prefetch or preview do not count. A modern browser marks a real page visit ``Sec-Fetch-Mode:
    navigate``; a request without Sec-Fetch headers (an older browser, or a scanner) counts only if it asks for a
    web page (``Accept`` naming text/html), as browsers do and scanners mostly do not.
    """
    if request.method != "GET":
        return False
    environ = request.environ  # read directly: the headers' mapping would rebuild each name
    for name in _PREFETCH_HEADERS:
        value = environ.get(name)
        if value and any(word in value.lower() for word in _PREFETCH_WORDS):
            return False
    mode = environ.get("HTTP_SEC_FETCH_MODE")
    if mode is not None:
        return mode == "navigate"
    return "text/html" in environ.get("HTTP_ACCEPT", "")


@blueprint.get("/s/<path:token>")
@reads_only  # a person's first opening is noted by the look-up (respond.queries.find_invitation)
def questionnaire(token: str):
    """The form with the saved draft, the receipt once submitted, or the survey's dates outside its window."""
    invitation = _invitation()
    response = invitation.response
    if response is not None and response.submitted:
        return _receipt_page(invitation, response)
    if not invitation.survey.accepting_answers():
        return _window_page(invitation)
    if response is None:
        return _blank_form_page(invitation)
    return _form_page(invitation, _answer_form(invitation, response), correcting=False)


@blueprint.get("/s/<token>/correction")
@reads_only
def correction(token: str):
    """The submitted answers in the form again, while the survey allows corrections."""
    invitation = _invitation()
    response = invitation.response
    if not _correctable(invitation, response):
        return redirect(url_for(".questionnaire", token=token))
    return _form_page(invitation, _answer_form(invitation, response), correcting=True)


@blueprint.post("/s/<path:token>")
@reads_first  # the form is parsed and checked before the write lock is taken
def answer(token: str):
    """Save the draft (保存) or submit (提交); a submitted centre may only correct, and only if allowed."""
    invitation = _invitation()
    if not invitation.survey.accepting_answers():
        return _window_page(invitation, 409)
    correcting = _is_submitted(invitation)
    if correcting and not invitation.survey.allow_corrections:
        return _already_submitted(token)
    form = answer_form(invitation.survey.questionnaire_version.questionnaire)
    # A correction changes submitted answers, so it must be as complete as a submission.
    completing = form.wants_submission or correcting
    if not form.validate_answers(complete=completing):
        return _form_page(invitation, form, correcting=correcting, status=422)
    try:
        response = save_answers(invitation, form.likert_answers(), form.open_answers(), submit=completing,
                                correcting=correcting, choices=form.choice_answers())
    except AlreadySubmitted:
        return _already_submitted(token)
    if correcting:
        flash(_("Your corrections are saved."), "success")
    elif not completing:
        flash(_("Your answers are saved. Open the same link to continue later."), "success")
    else:
        _note_receipt(invitation, response)
    return redirect(url_for(".questionnaire", token=token))


@blueprint.post("/s/<token>/draft")
def autosave(token: str):
    """The page's script saves the draft in the background; answers are checked as for the 保存 button."""
    invitation = _invitation()
    if not invitation.survey.accepting_answers():
        return {"message": _("The survey is not accepting answers.")}, 409
    if _is_submitted(invitation):
        return {"message": _("The questionnaire has been submitted; nothing was changed.")}, 409
    form = answer_form(invitation.survey.questionnaire_version.questionnaire)
    if not form.validate_answers(complete=False):
        return {"message": _("Not saved automatically: some answers need checking.")}, 422
    try:
        save_answers(invitation, form.likert_answers(), form.open_answers(), submit=False,
                     choices=form.choice_answers())
    except AlreadySubmitted:
        return {"message": _("The questionnaire has been submitted; nothing was changed.")}, 409
    return {"message": _("Saved automatically at %(time)s", time=format_time(utcnow(), "HH:mm"))}


def _invitation() -> Invitation:
    invitation = _requested_invitation()
    if invitation is None:
        raise InvalidLink()
    return invitation


def _is_submitted(invitation: Invitation) -> bool:
    """Whether the centre had submitted when the link was looked up. The write checks again under its lock
    (``save_answers``): a submission that lands in between turns this request's save into AlreadySubmitted."""
    return invitation.submitted


def _correctable(invitation: Invitation, response: Response | None) -> bool:
    survey = invitation.survey
    return (response is not None and response.submitted and survey.allow_corrections
            and survey.accepting_answers())


def _already_submitted(token: str):
    # A concurrent or repeated submission lost: AlreadySubmitted is a refusal, so none of its writes are committed.
    flash(_("This questionnaire has been submitted already; the answers on record are unchanged."), "info")
    return redirect(url_for(".questionnaire", token=token))


def _answer_form(invitation: Invitation, response: Response):
    return answer_form(invitation.survey.questionnaire_version.questionnaire, *saved_answers(response))


def _form_page(invitation: Invitation, form, *, correcting: bool, status: int = 200):
    questionnaire = invitation.survey.questionnaire_version.questionnaire
    return _page("respond/questionnaire.html", invitation, form=form, correcting=correcting,
                 questions=_questions(questionnaire, form)), status


def _questions(questionnaire, form) -> Markup:
    """The form's questions as HTML, from the full form (a blank form builds no fields of its own)."""
    return Markup(render_template("respond/sections.html", form=form.full(), questionnaire=questionnaire,
                                  sections=sections(questionnaire)))


def _blank_form_page(invitation: Invitation) -> str:
    """A centre's first visit: the blank form, from the shell kept for its survey and language (respond/pages.py),
    unless a message is waiting to be shown above it."""
    survey = invitation.survey
    questionnaire = survey.questionnaire_version.questionnaire
    if _message_waiting():
        return _form_page(invitation, BlankAnswerForm(questionnaire), correcting=False)
    key = _shell_key("questionnaire", survey, survey.questionnaire_version.kept_as())

    def render() -> str:
        form = BlankAnswerForm(questionnaire, csrf_value=pages.hole("csrf"))
        return _render_page("respond/questionnaire.html", survey, pages.InvitationHoles, pages.UnitHoles, form=form,
                            correcting=False, questions=_questions(questionnaire, form))

    return pages.page(key, {"csrf": generate_csrf(), **_centre_values(invitation)}, render=render)


def _receipt_page(invitation: Invitation, response: Response) -> str:
    """The receipt of a submitted questionnaire, from the shell kept for its survey and language, unless a message
    is waiting to be shown above it."""
    correctable = _correctable(invitation, response)
    key, values = _receipt_shell(invitation, response, correctable)
    if _message_waiting():
        return _page("respond/receipt.html", invitation, response=response, correctable=correctable,
                     submitted_at=values["submitted_at"])

    def render() -> str:
        return _render_page("respond/receipt.html", invitation.survey, pages.InvitationHoles, pages.UnitHoles,
                            response=pages.ResponseHoles, correctable=correctable,
                            submitted_at=pages.hole("submitted_at"))

    return pages.page(key, values, render=render)


def _receipt_shell(invitation: Invitation, response: Response, correctable: bool) -> tuple[tuple, dict[str, str]]:
    """The key of the receipt's kept shell and the values of its holes."""
    return (_shell_key("receipt", invitation.survey, correctable),
            {"reference": response.reference, "submitted_at": local_datetime(response.submitted_at),
             **_centre_values(invitation)})


#: the session's note of the submission this browser has just made, for the receipt of the redirect that follows
JUST_SUBMITTED = "respond_submitted"


def _note_receipt(invitation: Invitation, response: Response) -> None:
    """Keep the new submission's receipt in the signed session for the redirect that follows it, so that request
    shows what this one has just written without reading it back. The note names the link by a digest of its
    token (the cookie is signed, not encrypted), is kept only once the submission is committed, serves one
    request, and only the process that keeps the receipt's shell for that key uses it; any other visit reads the
    database."""
    key, values = _receipt_shell(invitation, response, _correctable(invitation, response))
    note = {"link": _link_digest(invitation.token), "key": list(key), "values": values}
    # only once the submission is committed: a commit that fails answers 503, and the next visit must not find this
    after_commit(lambda: session.__setitem__(JUST_SUBMITTED, note))


def _receipt_just_submitted(token: str) -> str | None:
    """The receipt noted by :func:`_note_receipt` for this link, once; None when there is none to show as it
    was noted (another link, another language, a message waiting, or a process without the receipt's shell)."""
    noted = session.get(JUST_SUBMITTED)
    if noted is None or noted.get("link") != _link_digest(token):
        return None
    del session[JUST_SUBMITTED]
    key = tuple(noted["key"])
    if key[1:3] != (str(get_locale()), request.script_root) or _message_waiting():
        return None
    return pages.filled(key, noted["values"])


def _link_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def _message_waiting() -> bool:
    """Whether a flashed message waits to be shown: the page is then rendered whole, not from its kept shell."""
    return bool(session.get("_flashes"))


def _shell_key(page: str, survey: Survey, *specific) -> tuple:
    """What a kept page shows besides its holes' values: the language, the survey's title and closing time, and
    what is ``specific`` to the page; in plain values, so a receipt's key can travel in the session."""
    closes_at = survey.closes_at.isoformat() if survey.closes_at is not None else None
    return (page, str(get_locale()), request.script_root, _survey_title(survey), closes_at, *specific)


def _centre_values(invitation: Invitation) -> dict[str, str]:
    unit = invitation.unit
    return {"token": invitation.token, "unit_name": unit.name, "district": localized(unit, "district")}


def _window_page(invitation: Invitation, status: int = 200):
    return _page("respond/window.html", invitation, window=answering_window(invitation.survey)), status


def _page(template: str, invitation: Invitation, **context):
    return _render_page(template, invitation.survey, invitation, invitation.unit, **context)


def _render_page(template: str, survey: Survey, invitation, unit, **context) -> str:
    return render_template(template, invitation=invitation, survey=survey, unit=unit,
                           questionnaire=survey.questionnaire_version.questionnaire, survey_title=_survey_title(survey),
                           **context)


def _survey_title(survey: Survey) -> str:
    # A survey titled after its questionnaire reads the questionnaire's English title; a title of its own has none.
    questionnaire = survey.questionnaire_version.questionnaire
    return localized(questionnaire, "title") if survey.title == questionnaire.title else survey.title
