from pathlib import Path

import click
from flask.cli import AppGroup

from survey_service.command_line import say, transactional
from survey_service.roster.operations import import_roster


@click.group(cls=AppGroup, help="Rosters of respondent units (CSV or XLSX).")
def roster():
    pass


@roster.command("import", help="Import a roster file under a name.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", required=True, help="The roster's name, used when creating a survey.")
@transactional
def import_command(file: Path, name: str):
    imported = import_roster(file.read_bytes(), file.name, name, actor="cli")
    districts = len({unit.district for unit in imported.units})
    say(f"imported roster \"{imported.name}\": {len(imported.units)} units in {districts} districts")
