"""``analyze`` (the satisfaction document, offline or of a survey) and ``responses export``."""
from __future__ import annotations

import json
from pathlib import Path

import click

from analysis.questionnaire import DefinitionError, load_questionnaire
from analysis.rounding import percent
from analysis.satisfaction import Population, satisfaction_document
from survey_service.command_line import fail, push_app_context, say, transactional, with_app, write_output
from survey_service.problems import ProblemList
from survey_service.responses.csv_format import parse_responses
from survey_service.results.text import render_document
from survey_service.roster.parsing import DEFAULT_GROUPING, parse_roster


@click.command("analyze", help="The satisfaction document: of offline files (--questionnaire and --responses) "
                               "or of a survey in the database (--survey).")
@click.option("--survey", "survey_key", help="A survey in the database.")
@click.option("--questionnaire", "questionnaire_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--responses", "responses_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Responses CSV or XLSX (docs/files-and-cli.md).")
@click.option("--roster", "roster_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The population: issued = its size, and the finite-population correction applies.")
@click.option("--group-by", default=None, help=f"Grouping column, e.g. kind (default for --survey: {DEFAULT_GROUPING}).")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON document (docs/satisfaction-json.md).")
@click.option("--output", default=None, help="File to write; stdout without it.")
def analyze_command(survey_key, questionnaire_path, responses_path, roster_path, group_by, as_json, output):
    if survey_key and (questionnaire_path or responses_path or roster_path):
        fail(["--survey analyses the database; do not combine it with --questionnaire, --responses or --roster"])
    if not survey_key and not (questionnaire_path and responses_path):
        fail(["give --survey KEY, or --questionnaire Q.yaml and --responses R.csv"])
    try:
        if survey_key:
            push_app_context(pages=False)
            document = _survey_document(survey_key, group_by or DEFAULT_GROUPING)
        else:
            document = offline_document(questionnaire_path, responses_path, roster_path, group_by)
    except (ProblemList, DefinitionError) as exc:
        fail(exc.problems)
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n" if as_json else render_document(document)
    write_output(text, output)
    counts = document["counts"]
    say(f"analysed {document['survey']['key']}: {counts['valid']} valid of {counts['issued']} issued, "
        f"overall {percent(document['overall']['index'])}")


def _survey_document(survey_key: str, group_by: str) -> dict:
    """The document of a survey in the database; its modules are imported here, so files alone need no database."""
    from survey_service.results.documents import survey_document
    from survey_service.surveys.operations import find_survey

    return survey_document(find_survey(survey_key), group_by)


def offline_document(questionnaire_path: Path, responses_path: Path, roster_path: Path | None,
                     group_by: str | None) -> dict:
    """The document of files alone; every problem in every file is reported together."""
    problems: list[str] = []
    questionnaire = roster = None
    try:
        questionnaire = load_questionnaire(_read(questionnaire_path), questionnaire_path.name)
    except DefinitionError as exc:
        problems += [f"{questionnaire_path.name}: {p}" if not p.startswith(questionnaire_path.name) else p
                     for p in exc.problems]
    if roster_path is not None:
        try:
            roster = parse_roster(_read(roster_path), roster_path.name)
        except ProblemList as exc:
            problems += exc.problems
    if problems:
        raise ProblemList(problems)
    rows = parse_responses(_read(responses_path), responses_path.name, questionnaire, roster=roster,
                           group_by=group_by)
    population = Population(issued=rows.issued, submitted=rows.submitted, issued_by_group=rows.issued_by_group,
                            submitted_by_group=rows.submitted_by_group, from_roster=roster is not None)
    document = satisfaction_document(questionnaire, rows.answers, population=population, groups=rows.groups,
                                     group_by=group_by, respondent_ids=rows.respondent_ids,
                                     choices=rows.choices)
    if rows.by_mode is not None:
        document["counts"]["by_mode"] = rows.by_mode
    return document


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ProblemList([f"{path}: cannot read: {exc.strerror}"]) from None


@click.group(help="Submitted responses.")
def responses():
    pass


@responses.command("export", help="All submitted responses of a survey (the responses CSV, or XLSX).")
@click.option("--survey", "survey_key", required=True)
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("--output", default=None, help="File to write; stdout without it.")
@with_app
@transactional
def export_command(survey_key, file_format, output):
    from survey_service.audit.operations import record
    from survey_service.results.exports import responses_csv_stream, responses_xlsx
    from survey_service.results.queries import submitted_count
    from survey_service.surveys.operations import find_survey

    target = find_survey(survey_key)
    if file_format == "csv":  # streamed, as from the results page: memory stays flat at any number of responses
        count = submitted_count(target)
        write_output(responses_csv_stream(target), output)
    else:
        data, count = responses_xlsx(target)
        write_output(data, output)
    record("responses.export", target, actor="cli", format=file_format, rows=count)
    say(f"exported {count} responses of survey {survey_key} as {file_format}")
