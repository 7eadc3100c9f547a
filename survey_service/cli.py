"""The ``survey-service`` command (docs/files-and-cli.md): a table of its commands, each imported when it runs.

``survey-service --help`` lists the table without importing Flask, SQLAlchemy, scipy or any feature: scripts
that call the command many times, and people reading its help, do not wait for the app to load. A command loads
its own module when invoked, and the app only if it needs the database. The features' commands are thin over
their operations and share ``survey_service.command_line``.
"""
from __future__ import annotations

import importlib

import click

#: command name -> (where it lives, its summary in ``--help``); tests/foundation/test_cli_startup.py checks that
#: each summary is the command's own
COMMANDS = {
    "analyze": ("survey_service.results.cli:analyze_command",
                "The satisfaction document: of offline files (--questionnaire and --responses) or of a survey in "
                "the database (--survey)."),
    "db": ("survey_service.cli:db_command", "Perform database migrations."),
    "demo": ("survey_service.demo:demo_command", "Load the demo data set (idempotent) and print the demo accounts."),
    "invitations": ("survey_service.surveys.cli:invitations", "Personal links."),
    "limiter": ("flask_limiter.commands:cli", "Flask-Limiter maintenance & utility commands"),
    "questionnaire": ("survey_service.questionnaires.cli:questionnaire",
                      "Questionnaire definitions (YAML, JSON or the XLSX template)."),
    "report": ("survey_service.report.cli:report_command",
               "The satisfaction analysis report of a survey: Word (.docx), PDF or HTML."),
    "responses": ("survey_service.cli:responses_command", "Submitted responses."),
    "roster": ("survey_service.roster.cli:roster", "Rosters of respondent units (CSV or XLSX)."),
    "routes": ("flask.cli:routes_command", "Show the routes for the app."),
    "score": ("survey_service.cli:score_command",
              "Compute a scorecard: the per-level tables, the total (总分) and the grade (评价等级)."),
    "serve": ("survey_service.serve:serve_command", "Serve the app with gunicorn and print its URL."),
    "shell": ("flask.cli:shell_command", "Run a shell in the app context."),
    "survey": ("survey_service.surveys.cli:survey", "Surveys: a questionnaire version issued to a roster."),
    "user": ("survey_service.auth.cli:user", "Console accounts."),
    "worker": ("survey_service.jobs.cli:worker_command",
               "Run background jobs (mail batches, reports) and the scheduled reminders."),
}
#: the commands Flask and its extensions provide, left off ``app.cli``: Flask adds its own and Flask-Limiter's there,
#: and Flask-Migrate's ``db`` would import Alembic into every app (``survey-service db`` binds it when it runs)
FRAMEWORK_COMMANDS = frozenset({"db", "limiter", "routes", "shell"})
#: the commands built by a function of this module rather than defined in a feature
BUILT_HERE = frozenset({"db_command", "score_command", "responses_command"})


def load_command(name: str) -> click.Command:
    """The command NAME, its module imported now."""
    module, attribute = COMMANDS[name][0].split(":")
    found = getattr(importlib.import_module(module), attribute)
    return found() if attribute in BUILT_HERE else found


def responses_command() -> click.Group:
    """``responses``: the export of the results feature and the import of the responses feature, one group."""
    from survey_service.responses.cli import import_command
    from survey_service.results.cli import responses

    responses.add_command(import_command)
    return responses


def score_command() -> click.Command:
    """``score``, whose scorecard may name a survey in the database instead of a --satisfaction document."""
    from survey_service.scorecard.cli import make_score_command

    return make_score_command(resolve_survey=_document_of_survey)


def db_command() -> click.Group:
    """Flask-Migrate's ``db`` commands, with Flask-Migrate bound to the app before any of them runs."""
    from flask import current_app
    from flask_migrate.cli import db

    from survey_service.command_line import push_app_context
    from survey_service.database import bind_migrations

    def bind_then_run(**options):
        push_app_context()
        bind_migrations(current_app)
        return db.callback(**options)

    return click.Group("db", commands=db.commands, params=db.params, help=db.help, callback=bind_then_run)


def _document_of_survey(key: str) -> dict | None:
    from survey_service.command_line import push_app_context
    from survey_service.results.documents import document_of_survey

    push_app_context(pages=False)
    return document_of_survey(key)


def _app_for_command():
    """The app for the running command: without its web pages when the command asked for none."""
    from survey_service import create_app
    from survey_service.command_line import PAGES

    return create_app(pages=click.get_current_context().meta.get(PAGES, True))


class LazyCommands(click.Group):
    """Lists the table; imports a command, and prepares to build the app, only when that command is invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        if ctx.obj is None:
            from flask.cli import ScriptInfo

            ctx.obj = ScriptInfo(create_app=_app_for_command, set_debug_flag=False, load_dotenv_defaults=False)
        return load_command(name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The summaries from the table, so that ``--help`` imports nothing."""
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, click.utils.make_default_short_help(COMMANDS[name][1], limit)) for name in sorted(COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


cli = LazyCommands(name="survey-service",
                   help="Survey collection and satisfaction analysis for fiscal performance evaluations.")


def main() -> None:
    cli.main(prog_name="survey-service")


def register_commands(app) -> None:
    """The same commands on ``app.cli`` (``flask --app survey_service``, and the tests' CLI runner)."""
    for name in COMMANDS:
        if name not in FRAMEWORK_COMMANDS:
            app.cli.add_command(load_command(name), name)
