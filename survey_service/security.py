"""Response headers every page carries, the proxy in front of the service, and input no view should see."""
from __future__ import annotations

from flask import Flask, abort, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

#: no inline script or style anywhere: charts draw from JSON specs with static scripts, plotly's rules come
#: from /assets/plotly.css (static/js/*.js, survey_service/assets.py)
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
))
#: the console's preview of a centre's form is shown in the console's own frames (phone and desktop), and only there
FRAMED_BY_CONSOLE = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()"
#: a year; no includeSubDomains, since the service does not own its parent domain's other hosts
STRICT_TRANSPORT_SECURITY = "max-age=31536000"
#: a centre's questionnaire, whose URL is its credential
TOKEN_PAGES = "/s/"
#: blueprints whose forms refuse control characters with a message of their own
FORMS_CHECKING_CONTROL_CHARACTERS = {"respond"}


class DatabaseId(IntegerConverter):
    """``<int:…>`` in a route: a number the database's integer columns can hold, else the route does not match
    (404); a longer one reached the database and failed there (a 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(map, *args, **kwargs)


#: the largest value of a 32-bit signed integer column (PostgreSQL's INTEGER, which the ids are)
MAX_DATABASE_ID = 2**31 - 1


def register_security(app: Flask) -> None:
    """Headers on every response, ProxyFix when configured, and a 400 for NUL characters in a request."""
    hops = int(app.config.get("PROXY_FIX_HOPS") or 0)
    if hops:
        # trust exactly that many proxies' X-Forwarded-*, so the rate limits see the client's address
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    https = app.config["BASE_URL"].startswith("https://")
    # the headers every answer carries unless its view set them
    defaults = [("Content-Security-Policy", CONTENT_SECURITY_POLICY), ("X-Content-Type-Options", "nosniff"),
                ("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer"),
                ("Permissions-Policy", PERMISSIONS_POLICY), ("Cross-Origin-Opener-Policy", "same-origin"),
                ("Cross-Origin-Resource-Policy", "same-origin")]
    if https:
        defaults.append(("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY))

    @app.before_request
    def refuse_nul_characters():
        # PostgreSQL stores no NUL in text, and no path, query or form needs one; the questionnaire's own form tells
        # the centre which answer holds a control character (respond/forms.py), so its fields are left to it
        sources = [request.args] if request.blueprint in FORMS_CHECKING_CONTROL_CHARACTERS else \
            [request.args, request.form]
        if any("\x00" in key or "\x00" in value for source in sources for key, value in source.items(multi=True)) \
                or any("\x00" in str(value) for value in (request.view_args or {}).values()):
            abort(400)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        present = {name.lower() for name in headers.keys()}  # one pass, where each setdefault would search all
        headers.extend([(name, value) for name, value in defaults if name.lower() not in present])
        if _private(response):
            headers["Cache-Control"] = "no-store"
        return response


def _private(response) -> bool:
    """A signed-in page, a centre's page or an API answer: nothing of it may stay in a shared cache."""
    if response.headers.get("Cache-Control"):
        return False  # static files, assets and the API's ETag documents say how they may be kept
    return request.path.startswith((TOKEN_PAGES, "/api/")) or current_user.is_authenticated
