from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from survey_service.form_files import allowed_types


class RosterUploadForm(FlaskForm):
    name = StringField(_l("Roster name"), validators=[DataRequired(), Length(max=200)])
    file = FileField(_l("Roster file (CSV or XLSX)"), validators=[FileRequired(), allowed_types("csv", "xlsx")])
