"""``report``: the satisfaction analysis report of a survey as a file (Word, PDF or the printable HTML)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from survey_service.audit.operations import record
from survey_service.command_line import say, transactional, write_output
from survey_service.surveys.operations import find_survey


def url_for_report(key: str) -> str:
    """The printable report's path, for rendering it outside a request."""
    from survey_service.report.views import RESULTS

    return RESULTS.replace("<key>", key) + "/report"


@click.command("report", help="The satisfaction analysis report of a survey: Word (.docx), PDF or HTML.")
@click.option("--survey", "survey_key", required=True)
@click.option("--format", "file_format", type=click.Choice(["docx", "pdf", "html"]), default="docx")
@click.option("--language", type=click.Choice(["zh", "en"]), default="zh")
@click.option("--output", default=None, help="File to write; stdout without it.")
@with_appcontext
@transactional
def report_command(survey_key, file_format, language, output):
    from survey_service.report.pdf import pdf_bytes
    from survey_service.report.views import printable_html
    from survey_service.report.word import build_docx

    survey = find_survey(survey_key)
    if file_format == "docx":
        data = build_docx(survey, language)
    else:
        # rendered as the report page's own request (its blueprint's helpers); nothing is fetched from outside
        path = url_for_report(survey.key)
        with current_app.test_request_context(path, query_string={"lang": language}), force_locale(language):
            html = printable_html(survey, for_pdf=file_format == "pdf")
            data = pdf_bytes(html) if file_format == "pdf" else html.encode("utf-8")
    write_output(data, output)
    record("report.export", survey, actor="cli", format=file_format)
    say(f"wrote the {file_format} report of survey {survey_key} ({len(data)} bytes)")
