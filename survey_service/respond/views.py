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
from survey_service.respond.queries import Link, answering_window, find_invitation, find_link, saved_answers, sections
from survey_service.responses.models import Response
from survey_service.responses.operations import AlreadySubmitted, save_answers, save_first_answers
from survey_service.surveys.models import Invitation
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
    """The link's :class:`Link`, looked up once per request; a link that names no live invitation counts as a
    failed look-up of the client's address, and past the limit the answer is 429. The redirect after a submission
    is answered with its receipt from the session instead (:func:`_note_receipt`)."""
    if request.endpoint == "respond.questionnaire" and \
            (receipt := _receipt_just_submitted(request.view_args["token"])) is not None:
        return receipt
    opening = request.endpoint == "respond.questionnaire" and _opened_by_a_person()
    g.respond_link = find_link(request.view_args["token"], opening=opening)
    if g.respond_link is None:
        failed_lookups.count()


def _link() -> Link:
    link = g.respond_link
    if link is None:
        raise InvalidLink()
    return link


def _invitation() -> Invitation:
    """The models behind the request's link, for the pages that need more than the :class:`Link`; read once."""
    invitation = g.get("respond_invitation")
    if invitation is None:
        invitation = g.respond_invitation = find_invitation(_link().token)
        if invitation is None:  # revoked since the link was looked up
            raise InvalidLink()
    return invitation


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
@reads_only  # a person's first opening is noted by the look-up (respond.queries.find_link)
def questionnaire(token: str):
    """The form with the saved draft, the receipt once submitted, or the survey's dates outside its window."""
    link = _link()
    if link.submitted:
        return _receipt_page(link)
    if not link.accepting_answers():
        return _window_page(_invitation())
    if link.response_id is None:
        return _blank_form_page(link)
    invitation = _invitation()
    return _form_page(invitation, _answer_form(invitation, invitation.response), correcting=False)


@blueprint.get("/s/<token>/correction")
@reads_only
def correction(token: str):
    """The submitted answers in the form again, while the survey allows corrections."""
    if not _correctable(_link()):
        return redirect(url_for(".questionnaire", token=token))
    invitation = _invitation()
    return _form_page(invitation, _answer_form(invitation, invitation.response), correcting=True)


@blueprint.post("/s/<path:token>")
@reads_first  # the form is parsed and checked before the write lock is taken
def answer(token: str):
    """Save the draft (保存) or submit (提交); a submitted centre may only correct, and only if allowed."""
    link = _link()
    if not link.accepting_answers():
        return _window_page(_invitation(), 409)
    correcting = link.submitted
    if correcting and not link.allow_corrections:
        return _already_submitted(token)
    form = answer_form(link.version.questionnaire)
    # A correction changes submitted answers, so it must be as complete as a submission.
    completing = form.wants_submission or correcting
    if not form.validate_answers(complete=completing):
        return _form_page(_invitation(), form, correcting=correcting, status=422)
    likert, texts, choices = form.likert_answers(), form.open_answers(), form.choice_answers()
    # most centres have saved nothing when they submit: the response goes in whole, without reading the models
    written = None if link.response_id is not None else save_first_answers(
        link.invitation_id, link.survey_id, link.started_at is not None, link.version, likert, texts, choices,
        submit=completing)
    if written is not None:
        reference, submitted_at = written.columns.get("reference"), written.columns.get("submitted_at")
    else:
        try:
            response = save_answers(_invitation(), likert, texts, submit=completing, correcting=correcting,
                                    choices=choices)
        except AlreadySubmitted:
            return _already_submitted(token)
        reference, submitted_at = response.reference, response.submitted_at
    if correcting:
        flash(_("Your corrections are saved."), "success")
    elif not completing:
        flash(_("Your answers are saved. Open the same link to continue later."), "success")
    else:
        _note_receipt(link, reference, submitted_at)
    return redirect(url_for(".questionnaire", token=token))


@blueprint.post("/s/<token>/draft")
def autosave(token: str):
    """The page's script saves the draft in the background; answers are checked as for the 保存 button."""
    link = _link()
    if not link.accepting_answers():
        return {"message": _("The survey is not accepting answers.")}, 409
    if link.submitted:
        return {"message": _("The questionnaire has been submitted; nothing was changed.")}, 409
    form = answer_form(link.version.questionnaire)
    if not form.validate_answers(complete=False):
        return {"message": _("Not saved automatically: some answers need checking.")}, 422
    try:
        save_answers(_invitation(), form.likert_answers(), form.open_answers(), submit=False,
                     choices=form.choice_answers())
    except AlreadySubmitted:
        return {"message": _("The questionnaire has been submitted; nothing was changed.")}, 409
    return {"message": _("Saved automatically at %(time)s", time=format_time(utcnow(), "HH:mm"))}


def _correctable(link: Link) -> bool:
    """Whether the centre may correct its submitted answers now."""
    return link.submitted and _corrections_open(link)


def _corrections_open(link: Link) -> bool:
    """Whether the link's survey lets a submitted centre correct its answers now."""
    return link.allow_corrections and link.accepting_answers()


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


def _blank_form_page(link: Link) -> str:
    """A centre's first visit: the blank form, from the shell kept for its survey and language (respond/pages.py),
    unless a message is waiting to be shown above it."""
    questionnaire = link.version.questionnaire
    if _message_waiting():
        return _form_page(_invitation(), BlankAnswerForm(questionnaire), correcting=False)
    key = _shell_key("questionnaire", link, link.version.kept_as())

    def render() -> str:
        form = BlankAnswerForm(questionnaire, csrf_value=pages.hole("csrf"))
        return _render_shell("respond/questionnaire.html", link, form=form, correcting=False,
                             questions=_questions(questionnaire, form))

    return pages.page(key, {"csrf": generate_csrf(), **_centre_values(link)}, render=render)


def _receipt_page(link: Link) -> str:
    """The receipt of a submitted questionnaire, from the shell kept for its survey and language, unless a message
    is waiting to be shown above it."""
    correctable = _correctable(link)
    key, values = _receipt_shell(link, link.reference, link.submitted_at, correctable)
    if _message_waiting():
        invitation = _invitation()
        return _page("respond/receipt.html", invitation, response=invitation.response, correctable=correctable,
                     submitted_at=values["submitted_at"])

    def render() -> str:
        return _render_shell("respond/receipt.html", link, response=pages.ResponseHoles, correctable=correctable,
                             submitted_at=pages.hole("submitted_at"))

    return pages.page(key, values, render=render)


def _receipt_shell(link: Link, reference: str, submitted_at, correctable: bool) -> tuple[tuple, dict[str, str]]:
    """The key of the receipt's kept shell and the values of its holes."""
    return (_shell_key("receipt", link, correctable),
            {"reference": reference, "submitted_at": local_datetime(submitted_at), **_centre_values(link)})


#: the session's note of the submission this browser has just made, for the receipt of the redirect that follows
JUST_SUBMITTED = "respond_submitted"


def _note_receipt(link: Link, reference: str, submitted_at) -> None:
    """Keep the new submission's receipt in the signed session for the redirect that follows it, so that request
    shows what this one has just written without reading it back. The note names the link by a digest of its
    token (the cookie is signed, not encrypted), is kept only once the submission is committed, serves one
    request, and only the process that keeps the receipt's shell for that key uses it; any other visit reads the
    database."""
    # just submitted (the link was read before): correctable as the survey allows
    key, values = _receipt_shell(link, reference, submitted_at, _corrections_open(link))
    note = {"link": _link_digest(link.token), "key": list(key), "values": values}
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


def _shell_key(page: str, link: Link, *specific) -> tuple:
    """What a kept page shows besides its holes' values: the language, the survey's title and closing time, and
    what is ``specific`` to the page; in plain values, so a receipt's key can travel in the session."""
    closes_at = link.closes_at.isoformat() if link.closes_at is not None else None
    title = _survey_title(link.survey_title, link.version.questionnaire)
    return (page, str(get_locale()), request.script_root, title, closes_at, *specific)


def _centre_values(link: Link) -> dict[str, str]:
    return {"token": link.token, "unit_name": link.unit_name, "district": localized(link, "district")}


def _window_page(invitation: Invitation, status: int = 200):
    return _page("respond/window.html", invitation, window=answering_window(invitation.survey)), status


def _page(template: str, invitation: Invitation, **context):
    survey = invitation.survey
    return _render_page(template, survey, survey.questionnaire_version.questionnaire, survey.title, invitation,
                        invitation.unit, **context)


def _render_shell(template: str, link: Link, **context) -> str:
    """A kept page's template, with stand-ins for the values that go in its holes (``respond.pages``); of the
    survey, the templates read the closing time alone, which the link carries."""
    return _render_page(template, link, link.version.questionnaire, link.survey_title, pages.InvitationHoles,
                        pages.UnitHoles, **context)


def _render_page(template: str, survey, questionnaire, title: str, invitation, unit, **context) -> str:
    return render_template(template, invitation=invitation, survey=survey, unit=unit, questionnaire=questionnaire,
                           survey_title=_survey_title(title, questionnaire), **context)


def _survey_title(title: str, questionnaire) -> str:
    # A survey titled after its questionnaire reads the questionnaire's English title; a title of its own has none.
    return localized(questionnaire, "title") if title == questionnaire.title else title
