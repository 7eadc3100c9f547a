import sys

import click
from flask.cli import AppGroup

from survey_service.auth.operations import create_api_token, create_user, find_user
from survey_service.command_line import say, transactional, write_output
from survey_service.problems import ProblemList


@click.group(cls=AppGroup, help="Console accounts.")
def user():
    pass


@user.command("create", help="Create an account; the password is read from stdin.")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "evaluator", "viewer"]))
@transactional
def create_command(email: str, role: str):
    password = sys.stdin.readline().rstrip("\r\n")
    account = create_user(email, role, password, actor="cli")
    say(f"created {account.role.value} account {account.email}")


@user.command("token", help="Create an API token for an account (for the scoring report); the token goes to stdout.")
@click.option("--email", required=True)
@click.option("--name", required=True, help="What the token is for, e.g. \"scoring report 2018\".")
@transactional
def token_command(email: str, name: str):
    account = find_user(email)
    if account is None:
        raise ProblemList([f"email: no account {email}"])
    if not name.strip():
        raise ProblemList(["name: give the token a name"])
    token, secret = create_api_token(account, name)
    write_output(secret + "\n", None)
    say(f"created API token {token.prefix}… for {account.email}; it is shown only this once")
