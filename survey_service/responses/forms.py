from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from survey_service.form_files import allowed_types
from survey_service.respond.forms import AnswerForm
from survey_service.responses.models import ENTERED_MODES, MODE_LABELS, Mode


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

    file = FileField(_l("Responses file (CSV or XLSX)"), validators=[FileRequired(), allowed_types("csv", "xlsx")])
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
