"""The parts of the app factory: extensions, blueprints, error pages, template helpers, commands."""
from __future__ import annotations

from flask import Flask, g, render_template, request, session
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from survey_service.access_log import TokenMaskingFilter
from survey_service.database import (begin_request_transaction, check_database_settings, end_request_transaction,
                                     engine_options, is_unavailable, refuse_request_writes)
from survey_service.extensions import babel, csrf, db, limiter, login_manager
from survey_service.surveys.operations import watch_figure_writes

#: seconds a client is asked to wait when the database is unavailable
RETRY_AFTER_SECONDS = 30


def register_extensions(app: Flask) -> None:
    engine_options(app)
    db.init_app(app)
    # first of the request hooks, before the rate limiter's look-ups start the session's transaction
    app.before_request(begin_request_transaction)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    # "strong" protection is auth/access.py's: Flask-Login's would only mark the (permanent) sessions not fresh
    login_manager.session_protection = None
    from survey_service.auth.access import end_sessions_from_elsewhere

    app.before_request(end_sessions_from_elsewhere)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    # cookies travel only over TLS when users reach the service over TLS (BASE_URL is the origin they see)
    if app.config["BASE_URL"].startswith("https://"):
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    _import_models()
    watch_figure_writes()
    _commit_once_per_request(app)
    from survey_service.jobs import queue

    queue.init_app(app)
    check_database_settings(app)


def _import_models() -> None:
    """Every model module, so the metadata (and Alembic's autogenerate) knows every table."""
    from survey_service.audit import models as _audit  # noqa: F401
    from survey_service.auth import models as _auth  # noqa: F401
    from survey_service.jobs import models as _jobs  # noqa: F401
    from survey_service.mail import models as _mail  # noqa: F401
    from survey_service.questionnaires import models as _questionnaires  # noqa: F401
    from survey_service.report import models as _report  # noqa: F401
    from survey_service.responses import models as _responses  # noqa: F401
    from survey_service.roster import models as _roster  # noqa: F401
    from survey_service.scorecard import models as _scorecard  # noqa: F401
    from survey_service.surveys import models as _surveys  # noqa: F401


def _commit_once_per_request(app: Flask) -> None:
    """Views only flush; the request commits once, before the response leaves, so nothing is acknowledged early."""
    app.after_request(end_request_transaction)


def select_locale() -> str:
    """Chinese first; ``?lang=en`` switches and the choice is kept in the session."""
    languages = g.get("languages") or ("zh", "en")
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        return chosen
    return session.get("lang") if session.get("lang") in languages else languages[0]


def register_blueprints(app: Flask) -> None:
    from survey_service.api.views import blueprint as api
    from survey_service.assets import blueprint as assets
    from survey_service.admin.views import blueprint as admin
    from survey_service.auth.views import blueprint as auth
    from survey_service.console.views import blueprint as console
    from survey_service.health import blueprint as health
    from survey_service.jobs.views import blueprint as jobs
    from survey_service.mail.views import blueprint as mailing
    from survey_service.responses.entry import blueprint as entry
    from survey_service.responses.views import blueprint as review
    from survey_service.questionnaires.views import blueprint as questionnaires
    from survey_service.respond.views import blueprint as respond
    from survey_service.roster.views import blueprint as rosters
    from survey_service.scorecard.views import blueprint as scorecards
    from survey_service.report.views import blueprint as report
    from survey_service.surveys.views import blueprint as surveys
    from survey_service.tracking.centres import blueprint as centres
    from survey_service.tracking.views import blueprint as tracking

    app.register_blueprint(api)
    app.register_blueprint(assets)
    app.register_blueprint(auth)
    for blueprint in (console, surveys, tracking, mailing, review, entry, centres, admin):
        app.register_blueprint(blueprint)
    app.register_blueprint(health)
    app.register_blueprint(jobs)
    app.register_blueprint(questionnaires)
    app.register_blueprint(rosters)
    app.register_blueprint(scorecards)
    app.register_blueprint(respond)
    app.register_blueprint(report)


def register_errorhandlers(app: Flask) -> None:
    """Plain error pages: no stack trace, no version banner; 503 when the database is unavailable."""
    app.logger.addFilter(TokenMaskingFilter())

    def database_unavailable(error: DBAPIError):
        # Down, restarting or busy: nothing of this request was confirmed; say when to try again.
        app.logger.error("database unavailable on %s %s: %s", request.method, request.path, error.orig)
        db.session.rollback()
        refuse_request_writes()
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.path.startswith("/api/"):
            return {"error": "Service Unavailable", "status": 503}, 503, headers
        return render_template("errors/error.html", error=ServiceUnavailable()), 503, headers

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        failed = getattr(error, "original_exception", None)
        if isinstance(failed, DBAPIError) and is_unavailable(failed):
            # the commit after the view failed: Flask reports errors of after-request hooks as a 500
            return database_unavailable(failed)
        refuse_request_writes()
        # when to try again (429, 503), as the exception says
        headers = [(name, value) for name, value in error.get_headers() if name == "Retry-After"]
        if request.path.startswith("/api/"):
            return {"error": error.name, "status": error.code}, error.code, headers
        return render_template("errors/error.html", error=error), error.code, headers

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        return database_unavailable(error) if is_unavailable(error) else unexpected_error(error)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        refuse_request_writes()
        if request.path.startswith("/api/"):
            return {"error": "Internal Server Error", "status": 500}, 500
        return render_template("errors/error.html", error=None), 500


def register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale, lazy_gettext as _l

    from analysis.scorecard import plain_number
    from survey_service.auth.models import Role
    from analysis.rounding import fixed, percent
    from survey_service.formatting import local_date, local_datetime
    from survey_service.responses.models import MODE_LABELS

    app.jinja_env.filters.update(percent=percent, fixed=fixed, local_date=local_date, local_datetime=local_datetime)
    app.jinja_env.globals.update(
        languages=app.config["LANGUAGES"], Role=Role, get_locale=get_locale, number=plain_number,
        state_labels={"draft": _l("Draft"), "open": _l("Open"), "closed": _l("Closed"), "archived": _l("Archived")},
        mode_labels={mode.value: label for mode, label in MODE_LABELS.items()})


def register_cli(app: Flask) -> None:
    from survey_service.cli import register_commands

    register_commands(app)
