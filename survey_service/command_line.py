"""What every ``survey-service`` command shares: the one line on stderr, the exit on bad input, the transaction,
the output and the parsing of times.

It sits at the bottom of the house: each feature's ``cli.py`` imports it, and it imports no feature, so the top
(``survey_service/cli.py``, which lists the features' commands) never imports back into itself. Flask and the
database are imported by the helpers that use them, so a command of files alone (``analyze`` of a CSV) loads
neither.
"""
from __future__ import annotations

import functools
import sys
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

import click

from analysis.questionnaire import DefinitionError
from survey_service.problems import ProblemList

INPUT_ERRORS = (ProblemList, DefinitionError)


def say(message: str) -> None:
    """The one line on stderr that tells the user what a command did."""
    click.echo(message, err=True)


def fail(problems: list[str]) -> None:
    for problem in problems:
        click.echo(problem, err=True)
    sys.exit(2)


#: ``click.Context.meta`` key: whether the app being built for this command needs its web pages
PAGES = "survey_service.pages"


def push_app_context(*, pages: bool = True) -> None:
    """Build the app, unless one is active, and keep its context until the command ends: for a command that
    needs the database only on some paths (``analyze`` of files does not). A command that only reads figures asks
    for no ``pages``: the app then starts without its views (``survey_service.create_app``)."""
    from flask import current_app
    from flask.cli import ScriptInfo

    if not current_app:
        context = click.get_current_context()
        context.meta[PAGES] = pages
        context.with_resource(context.ensure_object(ScriptInfo).load_app().app_context())


def with_app(command):
    """Run a command in the app's context (``flask.cli.with_appcontext``, without importing Flask until then)."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        push_app_context()
        return command(*args, **kwargs)

    return run


def transactional(command):
    """Run a command in one transaction: commit when it succeeds, change nothing and exit 2 on bad input."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        from survey_service.database import begin_writing
        from survey_service.extensions import db

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


def base_url() -> str:
    from flask import current_app

    return current_app.config["BASE_URL"].rstrip("/")
