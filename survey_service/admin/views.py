"""Administration: accounts, their roles and API tokens, the audit log and the mail server."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields import SelectChoice

from survey_service.audit.forms import AuditFilterForm
from survey_service.audit.queries import audit_actions, audit_query
from survey_service.auth.access import role_required
from survey_service.auth.forms import ApiTokenForm, EmptyForm, PasswordResetForm, RoleForm, UserForm
from survey_service.auth.models import ApiToken, Role, User
from survey_service.auth.operations import (AccountChangeRefused, change_role, create_api_token, create_user,
                                            reset_password, revoke_api_token, set_active)
from survey_service.extensions import db
from survey_service.form_choices import choice_labels
from survey_service.mail.forms import MailServerForm, TestMessageForm
from survey_service.mail.operations import save_mail_server, send_test_message
from survey_service.mail.sending import REASONS, smtp_configured
from survey_service.mail.settings import decrypt_password, from_environment, mail_config, saved_server
from survey_service.paging import paginate
from survey_service.problems import ProblemList

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

#: why an account change was refused, in the reader's language
REFUSALS = {"own_account": lambda: _("You cannot change the role or deactivate your own account.")}


@blueprint.route("/users")
@role_required(Role.admin)
def users():
    accounts = db.session.scalars(select(User).order_by(User.active.desc(), User.email)).all()
    return render_template("console/admin/users.html", users=accounts)


@blueprint.route("/users/new", methods=["GET", "POST"])
@role_required(Role.admin)
def new_user():
    form = UserForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            account = create_user(form.email.data, form.role.data, form.password.data)
        except ProblemList as exc:
            problems = exc.problems
        else:
            flash(_("Created the account %(email)s.", email=account.email), "success")
            return redirect(url_for(".user", user_id=account.id))
    status = 422 if problems or form.errors else 200
    return render_template("console/admin/user_new.html", form=form, problems=problems), status


@blueprint.route("/users/<int:user_id>")
@role_required(Role.admin)
def user(user_id: int):
    account = db.get_or_404(User, user_id)
    tokens = db.session.scalars(select(ApiToken).filter_by(user_id=account.id)
                                .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())).all()
    return render_template("console/admin/user.html", account=account, tokens=tokens,
                           role_form=RoleForm(role=account.role.value), token_form=ApiTokenForm(), form=EmptyForm(),
                           password_form=PasswordResetForm())


@blueprint.route("/users/<int:user_id>/password", methods=["POST"])
@role_required(Role.admin)
def password(user_id: int):
    account = db.get_or_404(User, user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        reset_password(account, form.password.data, by=current_user)
        flash(_("The password of %(email)s is set; hand it over in person. Their sessions have ended.",
                email=account.email), "success")
    else:
        flash(" ".join(error for errors in form.errors.values() for error in errors), "error")
    return redirect(url_for(".user", user_id=user_id))


@blueprint.route("/users/<int:user_id>/role", methods=["POST"])
@role_required(Role.admin)
def role(user_id: int):
    account = db.get_or_404(User, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            change_role(account, Role(form.role.data), by=current_user)
        except AccountChangeRefused as refused:
            flash(REFUSALS[refused.reason](), "error")
        else:
            flash(_("%(email)s now has the role %(role)s.", email=account.email,
                    role=choice_labels(form.role)[form.role.data]), "success")
    return redirect(url_for(".user", user_id=user_id))


@blueprint.route("/users/<int:user_id>/<any(activate, deactivate):action>", methods=["POST"])
@role_required(Role.admin)
def activation(user_id: int, action: str):
    account = db.get_or_404(User, user_id)
    if EmptyForm().validate_on_submit():
        try:
            set_active(account, action == "activate", by=current_user)
        except AccountChangeRefused as refused:
            flash(REFUSALS[refused.reason](), "error")
        else:
            flash(_("%(email)s can log in again.", email=account.email) if account.active
                  else _("%(email)s is deactivated; their sessions have ended.", email=account.email), "success")
    return redirect(url_for(".user", user_id=user_id))


@blueprint.route("/users/<int:user_id>/tokens", methods=["POST"])
@role_required(Role.admin)
def new_token(user_id: int):
    account = db.get_or_404(User, user_id)
    form = ApiTokenForm()
    if not form.validate_on_submit():
        flash(_("Give the token a name."), "error")
        return redirect(url_for(".user", user_id=user_id))
    token, secret = create_api_token(account, form.name.data)
    # shown here once and never again: only its sha256 is stored, so this page must not be cached
    response = render_template("console/admin/token_created.html", account=account, token=token, secret=secret)
    return response, 200, {"Cache-Control": "no-store"}


@blueprint.route("/users/<int:user_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@role_required(Role.admin)
def revoke_token(user_id: int, token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != user_id:
        abort(404)
    if EmptyForm().validate_on_submit():
        revoke_api_token(token)
        flash(_("Revoked the token %(prefix)s….", prefix=token.prefix), "success")
    return redirect(url_for(".user", user_id=user_id))


@blueprint.route("/audit")
@role_required(Role.admin)
def audit():
    form = AuditFilterForm(request.args)
    form.action.choices = [SelectChoice("", _("All actions"))] + [SelectChoice(a) for a in audit_actions()]
    action = form.action.data if form.validate() else None
    page = paginate(audit_query(action or None), request.args.get("page", 1, type=int))
    return render_template("console/admin/audit.html", form=form, page=page, action=action)


@blueprint.route("/mail", methods=["GET", "POST"])
@role_required(Role.admin)
def mail_settings():
    """The mail server settings in effect, the form to set them, and a test message with the server's answers."""
    form = TestMessageForm()
    answers, failure, sent = [], None, False
    if smtp_configured(mail_config()) and form.validate_on_submit():
        answers, failure = send_test_message(form.recipient.data)
        sent = True
    return _mail_page(form, _server_form(), answers=answers, failure=failure, sent=sent)


@blueprint.route("/mail/server", methods=["POST"])
@role_required(Role.admin)
def mail_server():
    """Save the mail server entered on the mail settings page (used while the environment names none)."""
    server_form = _server_form()
    if not server_form.validate_on_submit():
        return _mail_page(TestMessageForm(formdata=None), server_form), 422
    save_mail_server(host=server_form.host.data, port=server_form.port.data, security=server_form.security.data,
                     username=server_form.username.data, password=server_form.password.data,
                     sender_address=server_form.sender_address.data, sender_name=server_form.sender_name.data,
                     user=current_user)
    flash(_("Saved the mail server settings. Send a test message to check them."), "success")
    return redirect(url_for(".mail_settings"))


def _server_form() -> MailServerForm:
    """The form, filled with the saved settings on a GET (a password field never shows its value)."""
    return MailServerForm(prefix="server", obj=saved_server())


def _mail_page(form: TestMessageForm, server_form: MailServerForm, **outcome):
    config = mail_config()
    server = saved_server()
    settings = {name: config.get(name) for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_TLS", "SMTP_USER", "MAIL_FROM")}
    outcome = {"answers": [], "failure": None, "sent": False, **outcome}
    return render_template("console/admin/mail.html", form=form, server_form=server_form, settings=settings,
                           configured=smtp_configured(config), reasons=REASONS, from_environment=from_environment(),
                           security_labels={choice.value: choice.label for choice in server_form.security.choices},
                           password_set=bool(config.get("SMTP_PASSWORD")),
                           password_unreadable=bool(server and server.password_encrypted
                                                    and decrypt_password(server.password_encrypted) is None),
                           **outcome)
