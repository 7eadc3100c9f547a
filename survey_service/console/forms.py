from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (BooleanField, DateTimeLocalField, HiddenField, RadioField, SelectField, StringField,
                     TextAreaField)
from wtforms.fields import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, NoneOf, Optional, Regexp, ValidationError

from analysis.china_time import from_wall_clock
from survey_service.respond.forms import AnswerForm
from survey_service.responses.models import ENTERED_MODES, MODE_LABELS, Mode
from survey_service.surveys.operations import SURVEY_KEY


def choice_labels(field) -> dict:
    """A choice field's labels by value."""
    return {choice.value: choice.label for choice in field.choices}


def district_choices(districts: list[str]) -> list[SelectChoice]:
    """A district filter: every district of the survey, or all of them."""
    return [SelectChoice("", _l("All districts"))] + [SelectChoice(district) for district in districts]


class QuestionnaireUploadForm(FlaskForm):
    file = FileField(_l("Questionnaire file (YAML, JSON or XLSX)"),
                     validators=[FileRequired(), FileAllowed(["yaml", "yml", "json", "xlsx"])])


class RosterUploadForm(FlaskForm):
    name = StringField(_l("Roster name"), validators=[DataRequired(), Length(max=200)])
    file = FileField(_l("Roster file (CSV or XLSX)"), validators=[FileRequired(), FileAllowed(["csv", "xlsx"])])


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


class NonRespondentFilterForm(FlaskForm):
    """The filters of the non-respondent list, read from the query string."""

    class Meta:
        csrf = False

    # no Optional(): "" is a choice, and Optional() would wave " " past the check of the choices
    district = SelectField(_l("District"), default="")
    stage = SelectField(_l("Stage"), default="", choices=[
        SelectChoice("", _l("All stages")), SelectChoice("not_opened", _l("Link not opened")),
        SelectChoice("opened", _l("Opened, not started")), SelectChoice("started", _l("Started, not submitted"))])


class ResponseFilterForm(FlaskForm):
    """The filters of the response list, read from the query string."""

    class Meta:
        csrf = False

    shown = SelectField(_l("Show"), default="all", choices=[
        SelectChoice("all", _l("All submitted")), SelectChoice("valid", _l("Valid")),
        SelectChoice("invalid", _l("Invalid")), SelectChoice("needs_review", _l("Needs review"))])
    district = SelectField(_l("District"), default="")


class ValidityForm(FlaskForm):
    """An evaluator's decision on one response."""

    validity = RadioField(_l("Decision"), validators=[DataRequired()],
                          choices=[SelectChoice("valid", _l("Valid")), SelectChoice("invalid", _l("Invalid"))])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=1000)],
                           description=_l("Required when the response is invalid; kept in the audit log."))

    def validate_reason(self, field):
        if self.validity.data == "invalid" and not (field.data or "").strip():
            raise ValidationError(_l("Give the reason this response is invalid."))


class EntryForm(AnswerForm):
    """A paper or phone questionnaire entered by an evaluator (代录), in the centre's own form."""

    mode = RadioField(_l("How the answers were collected"), validators=[DataRequired()],
                      choices=[SelectChoice(mode.value, MODE_LABELS[mode]) for mode in ENTERED_MODES])
    double_entry = BooleanField(_l("Double entry: a second evaluator enters this paper questionnaire again, and it "
                                   "counts once both entries agree"))


class CorrectionForm(AnswerForm):
    """An evaluator's correction of submitted answers; the reason goes into the response's history."""

    reason = TextAreaField(_l("Reason for the correction"), validators=[DataRequired(), Length(max=1000)],
                           description=_l("Required; kept in the response's history with the answers before and "
                                          "after."))


#: how the rows of an imported file with a blank ``mode`` cell were collected
IMPORT_MODE_CHOICES = [SelectChoice(mode.value, MODE_LABELS[mode]) for mode in (*ENTERED_MODES, Mode.import_)]


class ResponseImportForm(FlaskForm):
    """A responses file to check and preview before anything is imported."""

    file = FileField(_l("Responses file (CSV or XLSX)"), validators=[FileRequired(), FileAllowed(["csv", "xlsx"])])
    mode = SelectField(_l("How the answers were collected"), default=Mode.paper.value, choices=IMPORT_MODE_CHOICES,
                       description=_l("For the rows whose mode column is blank or absent."))
    replace = BooleanField(_l("Replace the answers of centres that have submitted already (the old answers stay in "
                              "each response's history)"))


class ImportConfirmForm(FlaskForm):
    """The previewed file, sent back to be imported: it is checked again, whole, before anything is written."""

    content = HiddenField(validators=[DataRequired()])
    filename = HiddenField(validators=[DataRequired(), Length(max=255)])
    mode = HiddenField(validators=[AnyOf([choice.value for choice in IMPORT_MODE_CHOICES])])
    replace = HiddenField()


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validators=[Optional()])
