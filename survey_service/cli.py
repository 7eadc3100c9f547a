"""The ``survey-service`` command (spec/files-and-cli.md): thin over the operations.

Each command says what it did in one line on stderr; data goes to ``--output`` or stdout and nothing else does.
On bad input it lists every problem on stderr, changes nothing and exits 2.
"""
from __future__ import annotations

import functools
import sys
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup

from analysis.questionnaire import DefinitionError
from survey_service.database import begin_writing
from survey_service.extensions import db
from survey_service.problems import ProblemList

INPUT_ERRORS = (ProblemList, DefinitionError)


def main() -> None:
    from survey_service import create_app

    cli = FlaskGroup(name="survey-service", create_app=create_app, add_version_option=False,
                     load_dotenv=False, set_debug_flag=False,
                     help="Survey collection and satisfaction analysis for fiscal performance evaluations.")
    cli.main(prog_name="survey-service")


def say(message: str) -> None:
    """The one line on stderr that tells the user what a command did."""
    click.echo(message, err=True)


def fail(problems: list[str]) -> None:
    for problem in problems:
        click.echo(problem, err=True)
    sys.exit(2)


def transactional(command):
    """Run a command in one transaction: commit when it succeeds, change nothing and exit 2 on bad input."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        begin_writing()  # on SQLite, take the write lock first: the service may be writing at the same time
        try:
            result = command(*args, **kwargs)
            db.session.commit()
            return result
        except INPUT_ERRORS as exc:
            db.session.rollback()
            fail(exc.problems)

    return run


def write_output(data: bytes | str | Iterable[bytes], output: str | None) -> None:
    """Data, whole or in chunks (a streamed export), to ``--output`` or stdout."""
    chunks = [data.encode("utf-8") if isinstance(data, str) else data] if isinstance(data, (bytes, str)) else data
    if output:
        with Path(output).open("wb") as file:
            for chunk in chunks:
                file.write(chunk)
    else:
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.flush()


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 time; without a zone it is China Standard Time."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"\"{value}\" is not an ISO 8601 time (2018-06-08T09:00+08:00)") from None
    if parsed.tzinfo is None:
        from zoneinfo import ZoneInfo

        parsed = parsed.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    return parsed.astimezone(timezone.utc)


def register_commands(app: Flask) -> None:
    from survey_service.auth.cli import user
    from survey_service.demo import demo_command
    from survey_service.questionnaires.cli import questionnaire
    from survey_service.responses.cli import import_command
    from survey_service.results.cli import analyze_command, responses
    from survey_service.results.documents import document_of_survey
    from survey_service.roster.cli import roster
    from survey_service.scorecard.cli import make_score_command
    from survey_service.serve import serve_command
    from survey_service.surveys.cli import invitations, survey

    responses.add_command(import_command)
    for command in (questionnaire, roster, survey, invitations, user, responses, analyze_command, demo_command,
                    serve_command, make_score_command(resolve_survey=document_of_survey)):
        app.cli.add_command(command)


def base_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/")
