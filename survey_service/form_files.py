"""Upload fields' checks that several features' forms share."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed


def allowed_types(*extensions: str) -> FileAllowed:
    """The file types an upload accepts, refused in the page's language (Flask-WTF's own message is English only)."""
    return FileAllowed(list(extensions), message=_l("Only these file types are accepted: {extensions}"))
