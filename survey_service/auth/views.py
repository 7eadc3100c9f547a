import re
import secrets
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from survey_service.audit.operations import record
from survey_service.auth.forms import EmptyForm, LoginForm, PasswordChangeForm
from survey_service.auth.access import CLIENT_KEY, client_fingerprint
from survey_service.auth.operations import AccountChangeRefused, authenticate, change_password
from survey_service.extensions import limiter
from survey_service.timestamps import utcnow

blueprint = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _account_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN_ACCOUNT"]


def _account_named() -> str:
    return "account:" + request.form.get("email", "").strip().lower()[:254]


def _login_failed(response) -> bool:
    return response.status_code != 302


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
# failed logins per account, from whatever addresses: guessing one account's password from many is throttled too
@limiter.limit(_account_limit, methods=["POST"], key_func=_account_named, deduct_when=_login_failed)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            language = session.get("lang")
            session.clear()  # a new session on login: nothing from before carries over but the language
            if language:
                session["lang"] = language
            login_user(user)
            session[CLIENT_KEY] = client_fingerprint()
            session.permanent = True
            user.last_login_at = utcnow()
            record("auth.login", user, actor=user.email)
            return redirect(_safe_next(request.args.get("next")))
        record("auth.login_failed", actor=form.email.data[:254])
        flash(_("E-mail or password is not correct."), "error")
    return render_template("auth/login.html", form=form)


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        user = current_user._get_current_object()
        user.session_nonce = secrets.token_hex(16)  # every cookie of this account stops working
        record("auth.logout", user)
        logout_user()
        session.clear()
    return redirect(url_for("auth.login"))


#: what a browser removes from a URL before reading it (WHATWG URL standard): tabs and line breaks anywhere,
#: C0 controls and spaces at either end
_URL_STRIPPED_INSIDE = re.compile(r"[\t\n\r]")
_URL_STRIPPED_AROUND = "".join(map(chr, range(0x21)))
#: a stand-in origin to resolve the target against: whatever leaves it would leave this site
_HERE = "http://here.invalid"


@blueprint.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """One's own password; the session goes on, every other one of the account ends."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            change_password(user, form.current.data, form.password.data)
        except AccountChangeRefused:
            form.current.errors.append(_("The current password is not correct."))
        else:
            login_user(user)  # the new session nonce, so this session goes on
            session[CLIENT_KEY] = client_fingerprint()
            flash(_("Your password is changed; your other sessions have ended."), "success")
            return redirect(url_for("console.dashboard"))
    return render_template("auth/password.html", form=form), 422 if form.errors else 200


def _safe_next(target: str | None) -> str:
    """Where to go after logging in: a path of this site, else the dashboard.

    The target is first normalised as a browser would read it (``\\`` is ``/``, tabs and line breaks vanish),
    percent-decoded as a later hop might, and resolved against this site; only when every reading stays here is it
    used, rebuilt as a path that starts with exactly one ``/`` (``////evil.example`` would leave as
    ``//evil.example``, a link to another host).
    """
    if target:
        browser_reads = _URL_STRIPPED_INSIDE.sub("", target).strip(_URL_STRIPPED_AROUND).replace("\\", "/")
        readings = {browser_reads, unquote(browser_reads).replace("\\", "/")}
        if browser_reads.startswith("/") and all(_stays_here(reading) for reading in readings):
            parts = urlsplit(urljoin(_HERE + "/", browser_reads))
            return urlunsplit(("", "", "/" + parts.path.lstrip("/"), parts.query, parts.fragment))
    return url_for("console.dashboard")


def _stays_here(reading: str) -> bool:
    # "//host" names another host to a browser; Python's urljoin reads "////host" differently, so it is not asked
    if reading.startswith("//") or any(not ch.isprintable() for ch in reading):
        return False
    given = urlsplit(reading)
    resolved = urlsplit(urljoin(_HERE + "/login", reading))
    return not given.scheme and not given.netloc and f"{resolved.scheme}://{resolved.netloc}" == _HERE
