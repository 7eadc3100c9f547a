"""Assets that ship inside installed packages: plotly.js and its stylesheets, from the plotly package (same origin).

plotly.js injects its stylesheets as inline <style> elements, which the CSP (style-src 'self') refuses. It skips
each one when the page already has an element with that stylesheet's id, so the pages link these files under
those ids instead (templates/plotly_stylesheets.html).
"""
from __future__ import annotations

import functools
import re
from importlib.resources import files

from flask import Blueprint, Response, send_file

from survey_service.extensions import limiter

blueprint = Blueprint("assets", __name__, url_prefix="/assets")

PLOTLY_JS = files("plotly") / "package_data" / "plotly.min.js"
MAX_AGE = 7 * 24 * 3600
#: the id plotly.js looks for before adding its base rules (it also wants the class no-inline-styles)
BASE_STYLESHEET_ID = "plotly.js-style-global"
#: the base rules are one object literal, {"X,X div": '…', …, Y: '…', …}, with X and Y placeholders
_BASE_RULES_START = '"X,X div":'
_BASE_RULE = re.compile(r"""(?:"([^"]*)"|'([^']*)'|([A-Za-z]\w*))\s*:\s*(?:"([^"]*)"|'([^']*)')""")
PLACEHOLDERS = {"X": ".js-plotly-plot .plotly", "Y": ".plotly-notifier"}
#: the bundled map library's stylesheet, injected at load under a content hash as its id
_MAPS_STYLESHEET = re.compile(r"""document\.getElementById\("(\w+)"\)\)\{var \w+=document\.createElement\("style"\);"""
                              r"""\w+\.id="\1",\w+\.textContent='([^'\\]*)'""")


@blueprint.route("/plotly.min.js")
@limiter.exempt
def plotly_js():
    """The plotly bundle of the installed package, so the CSP stays script-src 'self'."""
    return send_file(PLOTLY_JS, mimetype="text/javascript", max_age=MAX_AGE)


@blueprint.route("/plotly.css")
@limiter.exempt
def plotly_stylesheet():
    return _stylesheet(plotly_stylesheets().base)


@blueprint.route("/plotly-maps.css")
@limiter.exempt
def plotly_maps_stylesheet():
    return _stylesheet(plotly_stylesheets().maps)


@blueprint.app_template_global()
def plotly_maps_stylesheet_id() -> str:
    return plotly_stylesheets().maps_id


def _stylesheet(css: str) -> Response:
    response = Response(css, mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response


class PlotlyStylesheets:
    """The stylesheets of the installed plotly.js, read from its bundle so they always match the script."""

    def __init__(self, bundle: str):
        self.base = _base_rules(bundle)
        found = _MAPS_STYLESHEET.search(bundle)
        self.maps_id, self.maps = found.group(1), found.group(2)


@functools.cache
def plotly_stylesheets() -> PlotlyStylesheets:
    return PlotlyStylesheets(PLOTLY_JS.read_text("utf-8"))


def _base_rules(bundle: str) -> str:
    start = bundle.index(_BASE_RULES_START)
    literal = bundle[start:bundle.index("};for(", start)]
    rules = []
    for quoted, single, bare, value, single_value in _BASE_RULE.findall(literal):
        selector = re.sub(r"^,", " ,", quoted or single or bare)
        for placeholder, replacement in PLACEHOLDERS.items():
            selector = selector.replace(placeholder, replacement)
        rules.append(f"{selector} {{{value or single_value}}}")
    # plotly.js inserts each rule at the top of its sheet: the same cascade needs them in reverse
    return "\n".join(reversed(rules)) + "\n"
