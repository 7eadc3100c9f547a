from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from survey_service.auth.models import Role
from survey_service.auth.operations import MIN_PASSWORD_LENGTH, find_user

ROLE_CHOICES = [SelectChoice(Role.viewer.value, _l("Viewer: reads results")),
                SelectChoice(Role.evaluator.value, _l("Evaluator: runs surveys")),
                SelectChoice(Role.admin.value, _l("Administrator: users and settings"))]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class EmptyForm(FlaskForm):
    """A POST-only button: CSRF and nothing else."""


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=Role.evaluator.value)
    password = PasswordField(_l("Initial password"), validators=[
        DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=_l("At least 10 characters. Hand it over in person; the user logs in with it."))

    def validate_email(self, field):
        if find_user(field.data) is not None:
            raise ValidationError(_l("An account with this e-mail exists already."))


class PasswordResetForm(FlaskForm):
    """A new password for an account, set by an administrator (who hands it over in person)."""

    password = PasswordField(_l("New password"), validators=[
        DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=_l("At least 10 characters. Every session of the account ends."))
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


class PasswordChangeForm(PasswordResetForm):
    """One's own new password, given with the current one."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class ApiTokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)],
                       description=_l("What the token is for, e.g. scoring report 2018."))
