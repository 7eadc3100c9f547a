from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class RosterUploadForm(FlaskForm):
    name = StringField(_l("Roster name"), validators=[DataRequired(), Length(max=200)])
    file = FileField(_l("Roster file (CSV or XLSX)"), validators=[FileRequired(), FileAllowed(["csv", "xlsx"])])
