"""``survey-service serve``: the app under gunicorn, with the project's gunicorn configuration."""
import os
import sys

import click

from survey_service import PROJECT_ROOT


@click.command("serve", help="Serve the app with gunicorn and print its URL.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
def serve_command(host: str, port: int, workers: int):
    click.echo(f"survey-service is serving at http://{host}:{port}/  (Ctrl-C stops it)", err=True)
    os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", "--config", str(PROJECT_ROOT / "gunicorn.conf.py"),
                               "--bind", f"{host}:{port}", "--workers", str(workers),
                               "survey_service:create_app()"])
