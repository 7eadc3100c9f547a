import click
from flask.cli import AppGroup

from survey_service.command_line import base_url, parse_time, say, transactional, write_output
from survey_service.questionnaires.operations import find_version
from survey_service.roster.operations import find_roster
from survey_service.surveys.models import SurveyState
from survey_service.surveys.operations import change_state, create_survey, find_survey
from survey_service.surveys.queries import INVITATION_COLUMNS, invitation_rows
from survey_service.tabular import csv_bytes, xlsx_bytes


@click.group(cls=AppGroup, help="Surveys: a questionnaire version issued to a roster.")
def survey():
    pass


@survey.command("create", help="Create a draft survey with one personal link per roster unit.")
@click.option("--key", required=True, help="The survey's slug, e.g. remote-edu-ops-2017.")
@click.option("--questionnaire", "questionnaire_label", required=True, help="KEY or KEY:VERSION.")
@click.option("--roster", "roster_name", required=True)
@click.option("--title", default=None, help="Defaults to the questionnaire's title.")
@click.option("--opens", default=None, help="ISO 8601; without a zone, China Standard Time.")
@click.option("--closes", default=None, help="ISO 8601; without a zone, China Standard Time.")
@click.option("--allow-corrections", is_flag=True, help="Let centres correct submitted answers until closing.")
@transactional
def create_command(key, questionnaire_label, roster_name, title, opens, closes, allow_corrections):
    created = create_survey(key, find_version(questionnaire_label), find_roster(roster_name), title=title,
                            opens_at=parse_time(opens), closes_at=parse_time(closes),
                            allow_corrections=allow_corrections, actor="cli")
    say(f"created survey {created.key} ({created.questionnaire_version.label}, "
        f"{len(created.invitations)} invitations), state draft")


@survey.command("open", help="Open a draft survey for answers.")
@click.argument("key")
@transactional
def open_command(key):
    target = find_survey(key)
    change_state(target, SurveyState.open, actor="cli")
    say(f"opened survey {key}")


@survey.command("close", help="Close an open survey; its figures become final.")
@click.argument("key")
@transactional
def close_command(key):
    target = find_survey(key)
    change_state(target, SurveyState.closed, actor="cli")
    say(f"closed survey {key}")


@click.group(cls=AppGroup, help="Personal links.")
def invitations():
    pass


@invitations.command("export", help="The invitation list with personal links (code,name,district,contact_email,link).")
@click.option("--survey", "survey_key", required=True)
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("--output", default=None, help="File to write; stdout without it.")
@transactional
def export_command(survey_key, file_format, output):
    target = find_survey(survey_key)
    rows = invitation_rows(target, base_url())
    writers = {"csv": lambda: csv_bytes(INVITATION_COLUMNS, rows),
               "xlsx": lambda: xlsx_bytes({"invitations": (INVITATION_COLUMNS, rows)})}
    write_output(writers[file_format](), output)
    say(f"exported {len(rows)} invitations of survey {survey_key} as {file_format}")
