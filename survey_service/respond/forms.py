"""The centre's answer form, built from the questionnaire version: one field per Likert item and open question."""
from __future__ import annotations

import re
from collections.abc import Mapping

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, StringField
from wtforms.validators import ValidationError

from analysis.questionnaire import Item, OpenQuestion, Questionnaire

SAVE = "save"
SUBMIT = "submit"
OPTION_VALUE = re.compile(r"-?\d{1,4}")
# Control characters other than tab and line breaks have no place in an answer (PostgreSQL refuses NUL outright).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Werkzeug turns bytes that are not UTF-8 in a multipart body into U+FFFD (an urlencoded body it cannot decode
# is dropped whole, and the CSRF check refuses it).
UNREADABLE_CHARACTER = "\ufffd"


def likert_name(item_key: str) -> str:
    """The form field of a Likert item; prefixed so no item key can shadow a form attribute."""
    return f"item-{item_key}"


def open_name(question_key: str) -> str:
    """The form field of an open question."""
    return f"open-{question_key}"


class LikertField(Field):
    """One Likert item: an option value of the scale, the not-applicable value, or blank."""

    def __init__(self, *, question: Item, number: int, questionnaire: Questionnaire, **kwargs):
        super().__init__(**kwargs)
        self.question = question
        self.number = number
        self.questionnaire = questionnaire

    @property
    def answered(self) -> bool:
        return self.data is not None

    @property
    def anchor(self) -> str:
        """The first radio button, where the error summary sends the reader."""
        return f"{self.id}-{self.questionnaire.options[0].value}"

    def process_formdata(self, valuelist):
        self.data = None
        given = [value for value in valuelist if value != ""]
        if len(given) > 1:
            raise ValueError(_l("Choose one answer only."))
        if given:
            if not OPTION_VALUE.fullmatch(given[0]):
                raise ValueError(_l("Choose one of the answers offered."))
            self.data = int(given[0])

    def pre_validate(self, form):
        if self.data is not None and not self.questionnaire.accepts(self.data):
            raise ValidationError(_l("Choose one of the answers offered."))


class OpenAnswerField(Field):
    """A free-text answer, with line breaks counted once as the browser's counter does."""

    def __init__(self, *, question: OpenQuestion, number: int, **kwargs):
        super().__init__(**kwargs)
        self.question = question
        self.number = number

    @property
    def answered(self) -> bool:
        return bool(self.data)

    @property
    def anchor(self) -> str:
        return self.id

    def process_formdata(self, valuelist):
        if len(valuelist) > 1:
            raise ValueError(_l("Send one answer only."))
        text = valuelist[0] if valuelist else ""
        self.data = text.replace("\r\n", "\n").replace("\r", "\n").strip()

    def _value(self) -> str:
        return self.data or ""

    def pre_validate(self, form):
        text = self.data or ""
        if UNREADABLE_CHARACTER in text:
            raise ValidationError(_l("The text contains characters that could not be read; please type it again."))
        if CONTROL_CHARACTERS.search(text):
            raise ValidationError(_l("The text contains control characters; please remove them."))
        if len(text) > self.question.max_length:
            raise ValidationError(_l("At most %(limit)d characters; this answer has %(length)d.",
                                     limit=self.question.max_length, length=len(text)))


class AnswerForm(FlaskForm):
    """The answers of one centre; :func:`answer_form` adds the questionnaire's fields."""

    action = StringField()

    @property
    def wants_submission(self) -> bool:
        return self.action.data == SUBMIT

    def validate_answers(self, *, complete: bool) -> bool:
        """Values on the scale, texts within their length, no unexpected fields; when ``complete``, every
        required question answered."""
        valid = self.validate()
        expected = set(self._fields) | {self.meta.csrf_field_name}
        if set(request.form) - expected or request.files or self.action.data not in (None, "", SAVE, SUBMIT):
            self.form_errors.append(_l("The form contained fields this questionnaire does not have; "
                                       "nothing was saved. Please reload the page."))
            valid = False
        if complete:
            for field in self.answer_fields():
                if field.question.required and not field.answered and not field.errors:
                    field.errors.append(_l("Please answer this question."))
                    valid = False
        return valid

    def answer_fields(self) -> list[LikertField | OpenAnswerField]:
        """The questions' fields in questionnaire order."""
        return [field for field in self if isinstance(field, (LikertField, OpenAnswerField))]

    def likert_answers(self) -> dict[str, int]:
        """Item key → option value, for the items answered."""
        return self._answers(LikertField)

    def open_answers(self) -> dict[str, str]:
        """Open question key → text, for the questions answered."""
        return self._answers(OpenAnswerField)

    def _answers(self, kind: type) -> dict:
        return {field.question.key: field.data for field in self if isinstance(field, kind) and field.answered}

    def answered_count(self) -> int:
        """Likert items answered (not-applicable counts), for the progress indication."""
        return len(self.likert_answers())


def answer_form(questionnaire: Questionnaire, likert: Mapping[str, int] | None = None,
                texts: Mapping[str, str] | None = None) -> AnswerForm:
    """The questionnaire's form, bound to the posted data, or pre-filled with saved answers on a GET."""
    saved = {likert_name(key): value for key, value in (likert or {}).items()}
    saved |= {open_name(key): text for key, text in (texts or {}).items()}
    return _form_class(questionnaire)(data=saved)


#: the form class of each questionnaire, by its full text (``repr``): a class is built once per questionnaire and
#: process rather than on every page and post of the centres' path
_FORM_CLASSES: dict[str, type[AnswerForm]] = {}
FORM_CLASSES_KEPT = 64


def _form_class(questionnaire: Questionnaire) -> type[AnswerForm]:
    key = repr(questionnaire)
    form_class = _FORM_CLASSES.get(key)
    if form_class is None:
        fields: dict[str, Field] = {}
        for number, item in enumerate(questionnaire.items, 1):
            fields[likert_name(item.key)] = LikertField(question=item, number=number, questionnaire=questionnaire)
        for number, question in enumerate(questionnaire.open_questions, len(questionnaire.items) + 1):
            fields[open_name(question.key)] = OpenAnswerField(question=question, number=number)
        form_class = type("QuestionnaireAnswerForm", (AnswerForm,), fields)
        if len(_FORM_CLASSES) >= FORM_CLASSES_KEPT:
            _FORM_CLASSES.pop(next(iter(_FORM_CLASSES)), None)
        _FORM_CLASSES[key] = form_class
    return form_class
