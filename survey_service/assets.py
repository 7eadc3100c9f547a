"""Assets that ship inside installed packages: plotly.js from the plotly package (no CDN, same origin)."""
from importlib.resources import files

from flask import Blueprint, send_file

from survey_service.extensions import limiter

blueprint = Blueprint("assets", __name__, url_prefix="/assets")

PLOTLY_JS = files("plotly") / "package_data" / "plotly.min.js"


@blueprint.route("/plotly.min.js")
@limiter.exempt
def plotly_js():
    """The plotly bundle of the installed package, so the CSP stays script-src 'self'."""
    return send_file(PLOTLY_JS, mimetype="text/javascript", max_age=7 * 24 * 3600)
