"""Forms of the mail feature."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms.validators import DataRequired, Email, Length


class TestMessageForm(FlaskForm):
    recipient = EmailField(_l("Send a test message to"), validators=[DataRequired(), Email(), Length(max=254)])
