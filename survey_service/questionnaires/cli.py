"""Questionnaire versions: imported definitions, immutable once a survey uses them."""
from pathlib import Path

import click
from flask.cli import AppGroup

from survey_service.command_line import fail, say, transactional, write_output
from survey_service.problems import ProblemList
from survey_service.questionnaires.exports import definition_file
from survey_service.questionnaires.operations import find_version, import_questionnaire


@click.group(cls=AppGroup, help="Questionnaire definitions (YAML, JSON or the XLSX template).")
def questionnaire():
    pass


@questionnaire.command("import", help="Import a questionnaire file (YAML, JSON or XLSX) as a new version.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@transactional
def import_command(file: Path):
    version, new = import_questionnaire(file.read_bytes(), file.name, actor="cli")
    say(f"{'imported' if new else 'already imported'} questionnaire {version.key} version {version.version} "
        f"({len(version.questions)} questions)")


@questionnaire.command("export", help="Write a version as YAML or as the filled XLSX authoring template.")
@click.argument("label", metavar="KEY[:VERSION]")
@click.option("--format", "file_format", type=click.Choice(["yaml", "xlsx"]), default="yaml")
@click.option("--output", default=None, help="File to write; stdout without it.")
def export_command(label: str, file_format: str, output: str | None):
    try:
        version = find_version(label)
    except ProblemList as exc:
        fail(exc.problems)
    write_output(definition_file(version.definition, file_format), output)
    say(f"exported questionnaire {version.key} version {version.version} as {file_format}")
