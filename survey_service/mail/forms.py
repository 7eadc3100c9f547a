"""Forms of the mail feature."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, Regexp


class TestMessageForm(FlaskForm):
    recipient = EmailField(_l("Send a test message to"), validators=[DataRequired(), Email(), Length(max=254)])


class MailServerForm(FlaskForm):
    """The mail server an administrator sets in the console (mail/settings.py); the password is never shown."""

    host = StringField(_l("SMTP server"), validators=[DataRequired(), Length(max=255)])
    port = IntegerField(_l("Port"), default=25, validators=[InputRequired(), NumberRange(min=1, max=65535)])
    security = SelectField(_l("Encryption"), default="none", choices=[
        SelectChoice("none", _l("None")), SelectChoice("starttls", "STARTTLS"),
        SelectChoice("ssl", _l("SSL/TLS (from the start)"))])
    username = StringField(_l("User name"), validators=[Optional(), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=255)])
    sender_address = EmailField(_l("Sender address"), validators=[DataRequired(), Email(), Length(max=254)])
    sender_name = StringField(_l("Sender name"), validators=[Optional(), Length(max=100)])


class TemplateForm(FlaskForm):
    """A survey's wording of one kind of e-mail; "preview" shows it for a centre without saving."""

    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(_l("Body (plain text)"), validators=[DataRequired(), Length(max=20_000)])
    unit = SelectField(_l("Preview for"), coerce=lambda value: int(value) if value else None,
                       validate_choice=False)
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save"))


class ReminderRuleForm(FlaskForm):
    """One scheduled reminder: so many days before closing, at a time of day in Beijing time."""

    days_before = IntegerField(_l("Days before closing (0: the closing day)"),
                               validators=[InputRequired(), NumberRange(min=0, max=60)], default=2)
    at_time = StringField(_l("At (Beijing time)"), default="09:00",
                          validators=[InputRequired(), Regexp(r"^([01]\d|2[0-3]):[0-5]\d$",
                                                              message=_l("A time such as 09:00."))])
