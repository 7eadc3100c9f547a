from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from survey_service.form_files import allowed_types


class ScorecardUploadForm(FlaskForm):
    file = FileField(_l("Scorecard file (YAML)"), validators=[FileRequired(), allowed_types("yaml", "yml")])
