import click
from flask.cli import AppGroup

from survey_service.command_line import base_url, parse_time, say, transactional, write_output
from survey_service.questionnaires.operations import find_version
from survey_service.roster.operations import find_roster
from survey_service.problems import ProblemList
from survey_service.surveys.operations import (LifecycleRefused, change_state, create_survey, delete_survey,
                                               edit_survey, find_survey, reissue_link)
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
    change_state(find_survey(key), "open", actor="cli")
    say(f"opened survey {key}")


@survey.command("close", help="Close an open survey; its figures become final.")
@click.argument("key")
@click.option("--reason", default=None, help="Kept in the audit log.")
@transactional
def close_command(key, reason):
    change_state(find_survey(key), "close", reason=reason, actor="cli")
    say(f"closed survey {key}")


@survey.command("reopen", help="Take answers again on a closed survey (a reason is required).")
@click.argument("key")
@click.option("--reason", required=True, help="Why it is reopened; kept in the audit log.")
@click.option("--closes", default=None, help="A new closing time (ISO 8601; without a zone, China Standard Time).")
@transactional
def reopen_command(key, reason, closes):
    target = find_survey(key)
    change_state(target, "reopen", reason=reason, actor="cli")
    if closes:
        _edit(target, closes=parse_time(closes))
    say(f"reopened survey {key}" + ("" if target.accepting_answers() else "; its closing time has passed"))


@survey.command("archive", help="Archive a closed survey: read-only, out of the default lists.")
@click.argument("key")
@transactional
def archive_command(key):
    change_state(find_survey(key), "archive", actor="cli")
    say(f"archived survey {key}")


@survey.command("restore", help="Bring an archived survey back, closed.")
@click.argument("key")
@transactional
def restore_command(key):
    change_state(find_survey(key), "restore", actor="cli")
    say(f"restored survey {key} (closed)")


@survey.command("edit", help="Change the title or dates of a draft or open survey (e.g. extend the deadline).")
@click.argument("key")
@click.option("--title", default=None)
@click.option("--opens", default=None, help="ISO 8601; without a zone, China Standard Time.")
@click.option("--closes", default=None, help="ISO 8601; without a zone, China Standard Time.")
@transactional
def edit_command(key, title, opens, closes):
    changed = _edit(find_survey(key), title=title, opens=parse_time(opens), closes=parse_time(closes))
    say(f"edited survey {key}: " + (", ".join(sorted(changed)) or "nothing changed"))


@survey.command("delete", help="Delete a draft survey that has no responses.")
@click.argument("key")
@transactional
def delete_command(key):
    try:
        delete_survey(find_survey(key), actor="cli")
    except LifecycleRefused as refused:
        raise ProblemList([f"survey {key}: {LIFECYCLE_REFUSALS[refused.reason]}"]) from None
    say(f"deleted draft survey {key}")


#: why an edit or a deletion was refused, as the command line says it
LIFECYCLE_REFUSALS = {
    "not_editable": "only a draft or open survey can be edited; reopen a closed survey first",
    "closes_before_opens": "the survey must close after it opens",
    "not_draft": "only a draft survey can be deleted; close and archive it instead",
    "has_responses": "a survey that has responses cannot be deleted",
    "read_only": "the survey is archived and read-only",
    "link_revoked": "the centre's link has been revoked; it is no longer part of the survey",
}


def _edit(target, *, title=None, opens=None, closes=None) -> dict:
    """Change what was given and keep the rest."""
    try:
        return edit_survey(target, title=title or target.title, opens_at=opens or target.opens_at,
                           closes_at=closes or target.closes_at, actor="cli")
    except LifecycleRefused as refused:
        raise ProblemList([f"survey {target.key}: {LIFECYCLE_REFUSALS[refused.reason]}"]) from None


@click.group(cls=AppGroup, help="Personal links.")
def invitations():
    pass


@invitations.command("reissue", help="Revoke a centre's personal link and issue a new one (the old link stops "
                                      "working); prints the new link.")
@click.option("--survey", "survey_key", required=True)
@click.argument("code")
@transactional
def reissue_command(survey_key, code):
    target = find_survey(survey_key)
    invitation = next((i for i in target.invitations if i.unit.code == code), None)
    if invitation is None:
        raise ProblemList([f"centre: no centre \"{code}\" in survey {survey_key}"])
    try:
        reissue_link(invitation, actor="cli")
    except LifecycleRefused as refused:
        raise ProblemList([f"survey {survey_key}: {LIFECYCLE_REFUSALS[refused.reason]}"]) from None
    write_output(invitation.link(base_url()) + "\n", None)
    say(f"reissued the link of centre {code} in survey {survey_key}; the old link no longer works")


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
