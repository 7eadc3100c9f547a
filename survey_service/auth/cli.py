import sys

import click
from flask.cli import AppGroup

from survey_service.auth.operations import create_user
from survey_service.cli import say, transactional


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
