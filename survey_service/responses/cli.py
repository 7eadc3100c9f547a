"""``responses import``: questionnaires collected outside the link, read into a survey from a file."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from survey_service.command_line import say, transactional
from survey_service.problems import ProblemList
from survey_service.responses.importing import import_responses, plan_import
from survey_service.responses.models import ENTERED_MODES, Mode
from survey_service.surveys.operations import find_survey

#: the modes a file's rows may be given on the command line (``online`` is the link's alone)
IMPORT_MODES = [mode.value for mode in (*ENTERED_MODES, Mode.import_)]


@click.command("import", help="Import responses (CSV or XLSX in the responses layout) into an open survey, all or "
                              "nothing; every problem is named with its line and column.")
@click.option("--survey", "survey_key", required=True)
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--mode", type=click.Choice(IMPORT_MODES), default=Mode.import_.value,
              help="How the rows with a blank mode cell were collected (default: import).")
@click.option("--replace", is_flag=True, help="Replace the answers of centres that have submitted already "
                                              "(audited; the old answers stay in each response's history).")
@click.option("--dry-run", is_flag=True, help="Only say what the import would do.")
@with_appcontext
@transactional
def import_command(survey_key, file, mode, replace, dry_run):
    target = find_survey(survey_key)
    data = file.read_bytes()
    if dry_run:
        plan = plan_import(target, data, file.name, replace=replace)
        if plan.problems:
            raise ProblemList(plan.problems)
        say(f"would import {len(plan.new)} new and replace {len(plan.replaced)} responses of survey {survey_key}")
        return
    plan = import_responses(target, data, file.name, mode=Mode(mode), replace=replace, actor="cli")
    say(f"imported {len(plan.new)} new and replaced {len(plan.replaced)} responses of survey {survey_key} "
        f"from {file.name}")
