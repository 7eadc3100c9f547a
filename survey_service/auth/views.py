import secrets
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from survey_service.audit.operations import record
from survey_service.auth import access as _access  # noqa: F401  (registers the user loader)
from survey_service.auth.forms import EmptyForm, LoginForm
from survey_service.auth.operations import find_user
from survey_service.extensions import limiter
from survey_service.timestamps import utcnow

blueprint = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if user is not None and user.active and user.check_password(form.password.data):
            language = session.get("lang")
            session.clear()  # a new session on login: nothing from before carries over but the language
            if language:
                session["lang"] = language
            login_user(user)
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


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so the login page cannot redirect elsewhere."""
    # browsers drop tabs and line breaks from URLs ("/\t/evil.example" is "//evil.example") and read "\\" as "/"
    if target and target.startswith("/") and not any(ch.isspace() or not ch.isprintable() or ch == "\\"
                                                     for ch in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("console.dashboard")
