from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Optional


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validators=[Optional()])
