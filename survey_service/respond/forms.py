"""The centre's answer form, built from the questionnaire version: one field per Likert item, choice question and
open question."""
from __future__ import annotations

import re
from collections.abc import Mapping

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from wtforms import Field, StringField
from wtforms.validators import ValidationError

from analysis.choices import NO_ANSWER, ChoiceAnswer
from analysis.questionnaire import ChoiceQuestion, Item, OpenQuestion, Questionnaire

SAVE = "save"
SUBMIT = "submit"
OPTION_VALUE = re.compile(r"-?\d{1,4}")
# Control characters other than tab and line breaks have no place in an answer (PostgreSQL refuses NUL outright).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Werkzeug turns bytes that are not UTF-8 in a multipart body into U+FFFD (an urlencoded body it cannot decode
# is dropped whole, and the CSRF check refuses it).
UNREADABLE_CHARACTER = "\ufffd"
#: the form value of a choice question's 其他 option, and the longest 其他 text
OTHER = "other"
OTHER_MAX_LENGTH = 200


def likert_name(item_key: str) -> str:
    """The form field of a Likert item; prefixed so no item key can shadow a form attribute."""
    return f"item-{item_key}"


def open_name(question_key: str) -> str:
    """The form field of an open question."""
    return f"open-{question_key}"


def choice_name(question_key: str) -> str:
    """The form field of a choice question (its 其他 text is ``<name>-other``)."""
    return f"choice-{question_key}"


def _text_problem(text: str):
    """Why a typed text cannot be stored, or None."""
    if UNREADABLE_CHARACTER in text:
        return _l("The text contains characters that could not be read; please type it again.")
    if CONTROL_CHARACTERS.search(text):
        return _l("The text contains control characters; please remove them.")
    return None


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
            if not isinstance(given[0], str) or not OPTION_VALUE.fullmatch(given[0]):
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
        if not isinstance(text, str):  # a file part where the form has a text box
            self.data = ""
            raise ValueError(_l("Type the answer as text; files are not accepted."))
        self.data = text.replace("\r\n", "\n").replace("\r", "\n").strip()

    def _value(self) -> str:
        return self.data or ""

    def pre_validate(self, form):
        text = self.data or ""
        if problem := _text_problem(text):
            raise ValidationError(problem)
        if len(text) > self.question.max_length:
            raise ValidationError(_l("At most %(limit)d characters; this answer has %(length)d.",
                                     limit=self.question.max_length, length=len(text)))


class ChoiceAnswerField(Field):
    """A choice question: one option (``single``) or several (``multiple``), and 其他 with its text where offered.

    Typing a 其他 text ticks 其他, so nothing typed is dropped; ticking 其他 asks for the text.
    """

    def __init__(self, *, question: ChoiceQuestion, number: int, **kwargs):
        super().__init__(**kwargs)
        self.question = question
        self.number = number
        self.data = NO_ANSWER

    @property
    def other_name(self) -> str:
        return f"{self.name}-other"

    @property
    def answered(self) -> bool:
        return self.data.answered

    @property
    def anchor(self) -> str:
        return f"{self.id}-{self.question.options[0].value}"

    def ticked(self, value) -> bool:
        return value in self.data.values or (value == OTHER and self.data.other is not None)

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors = []
        self._other_ticked = False
        if formdata is None:
            self.data = data if isinstance(data, ChoiceAnswer) else NO_ANSWER
            return
        given = [value for value in formdata.getlist(self.name) if value != ""]
        texts = formdata.getlist(self.other_name)
        other = texts[0].replace("\r\n", "\n").replace("\r", "\n").strip() if texts else ""
        self._other_ticked = OTHER in given or bool(other)
        values = []
        for value in given:
            if value == OTHER:
                continue
            if not OPTION_VALUE.fullmatch(value) or not self.question.accepts(int(value)):
                self.process_errors.append(_l("Choose one of the answers offered."))
                break
            values.append(int(value))
        if len(texts) > 1 or (self._other_ticked and not self.question.other):
            self.process_errors.append(_l("Choose one of the answers offered."))
        if not self.question.multiple and len(values) + self._other_ticked > 1:
            self.process_errors.append(_l("Choose one answer only."))
        order = [option.value for option in self.question.options]
        self.data = ChoiceAnswer(tuple(sorted(set(values), key=order.index)), other if self._other_ticked else None)

    def pre_validate(self, form):
        other = self.data.other
        if other is None:
            return
        if problem := _text_problem(other):
            raise ValidationError(problem)
        if len(other) > OTHER_MAX_LENGTH:
            raise ValidationError(_l("At most %(limit)d characters; this answer has %(length)d.",
                                     limit=OTHER_MAX_LENGTH, length=len(other)))
        if not other:
            raise ValidationError(_l("Please say what \"other\" is."))


class AnswerForm(FlaskForm):
    """The answers of one centre; :func:`answer_form` adds the questionnaire's fields."""

    action = StringField(label="")

    @property
    def wants_submission(self) -> bool:
        return self.action.data == SUBMIT

    def validate_answers(self, *, complete: bool) -> bool:
        """Values on the scale, texts within their length, no unexpected fields; when ``complete``, every
        required question answered."""
        valid = self.validate()
        expected = (set(self._fields) | {self.meta.csrf_field_name}
                    | {field.other_name for field in self if isinstance(field, ChoiceAnswerField)})
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

    def answer_fields(self) -> list[LikertField | ChoiceAnswerField | OpenAnswerField]:
        """The questions' fields in questionnaire order."""
        return [field for field in self if isinstance(field, (LikertField, ChoiceAnswerField, OpenAnswerField))]

    def likert_answers(self) -> dict[str, int]:
        """Item key → option value, for the items answered."""
        return self._answers(LikertField)

    def open_answers(self) -> dict[str, str]:
        """Open question key → text, for the questions answered."""
        return self._answers(OpenAnswerField)

    def choice_answers(self) -> dict[str, ChoiceAnswer]:
        """Choice question key → the options ticked and the 其他 text, for the questions answered."""
        return self._answers(ChoiceAnswerField)

    def _answers(self, kind: type) -> dict:
        return {field.question.key: field.data for field in self if isinstance(field, kind) and field.answered}

    def answered_count(self) -> int:
        """Likert items answered (not-applicable counts), for the progress indication."""
        return len(self.likert_answers())

    def full(self) -> AnswerForm:
        """The form with its fields, to render the questions from: this one."""
        return self


class BlankAnswerForm:
    """A centre's form with nothing saved and nothing posted — every centre's first visit — as the questionnaire
    page reads it, without building the questionnaire's fields: its questions are the same for every centre and
    are rendered once (``respond.views._questions``, from :meth:`full`); only the CSRF token is the visitor's."""

    errors: dict = {}
    form_errors: tuple = ()

    def __init__(self, questionnaire: Questionnaire, csrf_value: str | None = None):
        self.questionnaire = questionnaire
        self._csrf_value = csrf_value

    @property
    def csrf_token(self) -> Markup:
        """The hidden CSRF field, as FlaskForm renders it (with ``csrf_value`` when given: a kept page's hole)."""
        return Markup('<input id="csrf_token" name="csrf_token" type="hidden" value="{}">').format(
            self._csrf_value or generate_csrf())

    def answered_count(self) -> int:
        return 0

    def answer_fields(self) -> list:
        return []

    def full(self) -> AnswerForm:
        """The same blank form with its fields, to render the questions from."""
        return answer_form(self.questionnaire)


def answer_form(questionnaire: Questionnaire, likert: Mapping[str, int] | None = None,
                texts: Mapping[str, str] | None = None, choices: Mapping[str, ChoiceAnswer] | None = None, *,
                base: type[AnswerForm] = AnswerForm, **data) -> AnswerForm:
    """The questionnaire's form, bound to the posted data, or pre-filled with saved answers on a GET.

    ``base`` adds fields of its own around the questions (the console's entry and correction forms, so an evaluator
    types a paper questionnaire into the very form the centre sees); ``data`` pre-fills them."""
    saved = {likert_name(key): value for key, value in (likert or {}).items()}
    saved |= {open_name(key): text for key, text in (texts or {}).items()}
    saved |= {choice_name(key): answer for key, answer in (choices or {}).items()}
    return _form_class(questionnaire, base)(data=saved | data)


#: the form class of each questionnaire (by its full text, ``repr``) and base: a class is built once per
#: questionnaire and process rather than on every page and post of the centres' path
_FORM_CLASSES: dict[tuple[str, type], type[AnswerForm]] = {}
#: the same classes by the questionnaire object they were last asked for (the process keeps one parsed object per
#: stored version), found without writing out its text; each entry holds its object, so no other takes its id
_FORM_CLASSES_BY_OBJECT: dict[tuple[int, type], tuple[Questionnaire, type[AnswerForm]]] = {}
FORM_CLASSES_KEPT = 64


def _form_class(questionnaire: Questionnaire, base: type[AnswerForm]) -> type[AnswerForm]:
    kept = _FORM_CLASSES_BY_OBJECT.get((id(questionnaire), base))
    if kept is not None and kept[0] is questionnaire:
        return kept[1]
    form_class = _form_class_by_text(questionnaire, base)
    if len(_FORM_CLASSES_BY_OBJECT) >= FORM_CLASSES_KEPT:
        _FORM_CLASSES_BY_OBJECT.pop(next(iter(_FORM_CLASSES_BY_OBJECT)), None)
    _FORM_CLASSES_BY_OBJECT[(id(questionnaire), base)] = (questionnaire, form_class)
    return form_class


def _form_class_by_text(questionnaire: Questionnaire, base: type[AnswerForm]) -> type[AnswerForm]:
    key = (repr(questionnaire), base)
    form_class = _FORM_CLASSES.get(key)
    if form_class is None:
        fields: dict[str, Field] = {}
        number = 0
        # each field is labelled with its question's text: a field without a label would have WTForms translate
        # a label made of its name on every form built, which the page never shows
        for number, item in enumerate(questionnaire.items, 1):
            fields[likert_name(item.key)] = LikertField(question=item, number=number, questionnaire=questionnaire,
                                                        label=item.text)
        for number, question in enumerate(questionnaire.choice_questions, number + 1):
            fields[choice_name(question.key)] = ChoiceAnswerField(question=question, number=number,
                                                                  label=question.text)
        for number, question in enumerate(questionnaire.open_questions, number + 1):
            fields[open_name(question.key)] = OpenAnswerField(question=question, number=number, label=question.text)
        form_class = type("QuestionnaireAnswerForm", (base,), fields)
        if len(_FORM_CLASSES) >= FORM_CLASSES_KEPT:
            _FORM_CLASSES.pop(next(iter(_FORM_CLASSES)), None)
        _FORM_CLASSES[key] = form_class
    return form_class
