from pathlib import Path

import click
from flask.cli import AppGroup

from survey_service.command_line import say, transactional
from survey_service.questionnaires.operations import import_questionnaire


@click.group(cls=AppGroup, help="Questionnaire definitions (YAML or JSON).")
def questionnaire():
    pass


@questionnaire.command("import", help="Import a questionnaire file as a new version.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@transactional
def import_command(file: Path):
    version, new = import_questionnaire(file.read_bytes(), file.name, actor="cli")
    say(f"{'imported' if new else 'already imported'} questionnaire {version.key} version {version.version} "
        f"({len(version.questions)} questions)")
