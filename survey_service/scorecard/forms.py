from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired


class ScorecardUploadForm(FlaskForm):
    file = FileField(_l("Scorecard file (YAML)"), validators=[FileRequired(), FileAllowed(["yaml", "yml"])])
