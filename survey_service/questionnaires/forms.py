"""The builder's form: the questionnaire definition field for field, so a validator's path names its field.

``dimensions[2].items[0].text`` in the definition is the field ``dimensions-2-items-0-text`` here. Every field is
text (numbers too) so that whatever was typed reaches the one validator, which names what is wrong with it.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FieldList, Form, FormField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import Optional

from survey_service.form_files import allowed_types


class OptionForm(Form):
    value = StringField(_l("Value"))
    label = StringField(_l("Label"))
    label_en = StringField(_l("English label"))
    #: only with the ``points`` scheme: this option's points on 0–100
    points = StringField(_l("Points"))


class NotApplicableForm(Form):
    enabled = BooleanField(_l("Offer a not-applicable option"))
    value = StringField(_l("Value"))
    label = StringField(_l("Label"))
    label_en = StringField(_l("English label"))


class ScaleForm(Form):
    options = FieldList(FormField(OptionForm))
    not_applicable = FormField(NotApplicableForm)


class ScoringForm(Form):
    scheme = SelectField(_l("Scoring scheme"), choices=[
        SelectChoice("linear", _l("Linear: (x − lowest) ÷ (highest − lowest) × 100")),
        SelectChoice("points", _l("Points: each option's points")),
        SelectChoice("top_box", _l("Top box: share of the top options"))])
    top = StringField(_l("Top options counted as satisfied"))


class ItemForm(Form):
    key = StringField(_l("Key"))
    text = StringField(_l("Item text"))
    text_en = StringField(_l("English text"))
    weight = StringField(_l("Weight"))
    required = BooleanField(_l("Required"))
    reverse = BooleanField(_l("Reversed"))


class DimensionForm(Form):
    key = StringField(_l("Key"))
    title = StringField(_l("Dimension title"))
    title_en = StringField(_l("English title"))
    weight = StringField(_l("Weight"))
    items = FieldList(FormField(ItemForm))


class ChoiceOptionForm(Form):
    value = StringField(_l("Value"))
    label = StringField(_l("Label"))
    label_en = StringField(_l("English label"))


class ChoiceQuestionForm(Form):
    key = StringField(_l("Key"))
    text = StringField(_l("Question text"))
    text_en = StringField(_l("English text"))
    kind = SelectField(_l("Answer type"), choices=[SelectChoice("single", _l("One option")),
                                                SelectChoice("multiple", _l("Several options"))])
    other = BooleanField(_l("Offer “other” with a text box"))
    required = BooleanField(_l("Required"))
    options = FieldList(FormField(ChoiceOptionForm))


class OpenQuestionForm(Form):
    key = StringField(_l("Key"))
    text = StringField(_l("Question text"))
    text_en = StringField(_l("English text"))
    max_length = StringField(_l("Longest answer (characters)"))
    required = BooleanField(_l("Required"))


class ValidityForm(Form):
    min_answered_share = StringField(_l("Share of items that must be answered (0–1)"))
    flag_straight_lining = BooleanField(_l("Flag the same answer to every item for review"))


class IndicatorForm(Form):
    code = StringField(_l("Indicator code"))
    name = StringField(_l("Indicator name"))
    weight = StringField(_l("Indicator weight"))


class BuilderForm(FlaskForm):
    """The whole definition; the pressed button (``action``) says what to do with it."""

    key = StringField(_l("Questionnaire key"), description=_l("Lowercase letters, digits and '-'; the same for "
                                                              "every version."))
    year = StringField(_l("Evaluated year"))
    title = StringField(_l("Title"))
    title_en = StringField(_l("English title"))
    intro = TextAreaField(_l("Introduction"))
    intro_en = TextAreaField(_l("English introduction"))
    scale = FormField(ScaleForm)
    scoring = FormField(ScoringForm)
    dimensions = FieldList(FormField(DimensionForm))
    choice_questions = FieldList(FormField(ChoiceQuestionForm))
    open_questions = FieldList(FormField(OpenQuestionForm))
    validity = FormField(ValidityForm)
    indicator = FormField(IndicatorForm)
    action = StringField()


class StartForm(FlaskForm):
    """Where a new draft starts: empty, a copy of a version, or a file."""

    start = RadioField(_l("Start from"), choices=[SelectChoice("blank", _l("A blank questionnaire")),
                                                   SelectChoice("copy", _l("A copy of a version")),
                                                   SelectChoice("upload", _l("A file (YAML or the XLSX template)"))],
                       default="blank")
    version = SelectField(_l("Version to copy"), coerce=int, validators=[Optional()], validate_choice=False)
    file = FileField(_l("Questionnaire file (YAML, JSON or XLSX)"),
                     validators=[allowed_types("yaml", "yml", "json", "xlsx")])


class QuestionnaireUploadForm(FlaskForm):
    file = FileField(_l("Questionnaire file (YAML, JSON or XLSX)"),
                     validators=[FileRequired(), allowed_types("yaml", "yml", "json", "xlsx")])


class DiffForm(FlaskForm):
    """Two versions to compare (a GET form: no CSRF needed, nothing changes)."""

    class Meta:
        csrf = False

    old = SelectField(_l("From version"), coerce=int, validate_choice=False)
    new = SelectField(_l("To version"), coerce=int, validate_choice=False)
