"""Choices that several features' forms share: a choice field's labels, a survey's district filter."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.fields import SelectChoice


def choice_labels(field) -> dict:
    """A choice field's labels by value."""
    return {choice.value: choice.label for choice in field.choices}


def district_choices(districts: list[str]) -> list[SelectChoice]:
    """A district filter: every district of the survey, or all of them."""
    return [SelectChoice("", _l("All districts"))] + [SelectChoice(district) for district in districts]
