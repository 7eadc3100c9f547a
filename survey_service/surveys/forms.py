from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NoneOf, Optional, Regexp, ValidationError

from analysis.china_time import from_wall_clock
from survey_service.surveys.operations import SURVEY_KEY


class SurveyWindowForm(FlaskForm):
    """A survey's title and answering window in China Standard Time: created with the survey, edited later."""

    title = StringField(_l("Title"), validators=[Optional(), Length(max=500)],
                        description=_l("Leave empty to use the questionnaire's title."))
    opens = DateTimeLocalField(_l("Opens (Beijing time)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    closes = DateTimeLocalField(_l("Closes (Beijing time)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])

    def validate_closes(self, field):
        if field.data and self.opens.data and field.data <= self.opens.data:
            raise ValidationError(_l("The survey must close after it opens."))

    def window(self) -> tuple[datetime | None, datetime | None]:
        """The answering window in UTC (the form's times are Beijing time)."""
        return from_wall_clock(self.opens.data), from_wall_clock(self.closes.data)


class SurveyForm(SurveyWindowForm):
    """A new survey: a questionnaire version issued to a roster, with its answering window."""

    key = StringField(_l("Key"), validators=[
        DataRequired(), Length(max=100),
        Regexp(SURVEY_KEY, message=_l("Lowercase letters, digits and hyphens only.")),
        NoneOf(["new"], message=_l("This key is reserved; choose another."))],  # /surveys/new is the form itself
        description=_l("Used in exports and the API, e.g. remote-edu-ops-2018."))
    questionnaire = SelectField(_l("Questionnaire version"), coerce=int, validators=[DataRequired()])
    roster = SelectField(_l("Roster"), coerce=int, validators=[DataRequired()])
    allow_corrections = BooleanField(_l("Centres may correct submitted answers until the survey closes"))


class SurveyEditForm(SurveyWindowForm):
    """The title and dates of a draft or open survey; the title is required here (it exists already)."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=500)])


class StateChangeForm(FlaskForm):
    """A lifecycle button; reopening must say why, and may move the closing time that had passed."""

    reason = TextAreaField(_l("Reason"), validators=[Length(max=1000)])
    closes = DateTimeLocalField(_l("New closing time (Beijing time)"), format="%Y-%m-%dT%H:%M",
                                validators=[Optional()])
