from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields import SelectChoice


class NonRespondentFilterForm(FlaskForm):
    """The filters of the non-respondent list, read from the query string."""

    class Meta:
        csrf = False

    # no Optional(): "" is a choice, and Optional() would wave " " past the check of the choices
    district = SelectField(_l("District"), default="")
    stage = SelectField(_l("Stage"), default="", choices=[
        SelectChoice("", _l("All stages")), SelectChoice("not_opened", _l("Link not opened")),
        SelectChoice("opened", _l("Opened, not started")), SelectChoice("started", _l("Started, not submitted"))])
