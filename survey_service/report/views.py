"""Result pages, the printable report, its PDF and the exports of a survey (all readable by viewers and up)."""
from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import func, select

from analysis.narrative import (SMALL_GROUP, coefficient, comparison_text, group_name, p_value_text,
                                points_difference, reliability_reading)
from analysis.rounding import fixed, percent
from analysis.satisfaction import ranked_groups
from survey_service.audit.operations import record_download
from survey_service.auth.access import role_required
from survey_service.auth.models import Role
from survey_service.database import write_from_here
from survey_service.extensions import db
from survey_service.jobs.models import Job
from survey_service.report import charts
from survey_service.report.builds import BUILDERS, request_build, state_key, stored
from survey_service.report.content import (generated_on, interval_method_name, is_census, not_applicable_label,
                                           option_labels, report_text, survey_comparison)
from survey_service.report.queries import comment_counts, comments as survey_comments
from survey_service.report.workbook import report_workbook
from survey_service.results.documents import report_document
from survey_service.responses.models import Response as SurveyResponse, ResponseState
from survey_service.results.exports import responses_csv_stream
from survey_service.surveys.models import Survey

blueprint = Blueprint("report", __name__)
RESULTS = "/surveys/<key>/results"


def _language() -> str:
    return str(get_locale())


@blueprint.context_processor
def report_helpers() -> dict:
    language = _language()
    return {"language": language, "title_of": lambda entry: charts.title_of(entry, language), "charts": charts,
            "SMALL_GROUP": SMALL_GROUP, "reliability_reading": reliability_reading, "pct": percent,
            "rate": lambda value: percent(value, rate=True), "decimal": coefficient, "fixed": fixed,
            "points_difference": points_difference, "p_text": p_value_text, "ranked_groups": ranked_groups,
            "group_name": lambda label: group_name(label, language),
            "interval_method_name": interval_method_name, "is_census": is_census}


def _survey(key: str) -> Survey:
    survey = db.session.scalar(select(Survey).filter_by(key=key))
    if survey is None:
        abort(404)
    return survey


def _page(template: str, survey: Survey, **context):
    return render_template(f"report/{template}", survey=survey, document=report_document(survey),
                           labels=option_labels(survey, _language()),
                           na_label=not_applicable_label(survey, _language()), **context)


@blueprint.route("/results")
@role_required(Role.viewer)
def index():
    surveys = db.session.scalars(select(Survey).order_by(Survey.created_at.desc())).all()
    return render_template("report/index.html", surveys=surveys)


@blueprint.route(RESULTS + "/")
@role_required(Role.viewer)
def overview(key: str):
    survey = _survey(key)
    return _page("overview.html", survey, text=report_text(survey, _language(), None))


@blueprint.route(RESULTS + "/dimensions")
@role_required(Role.viewer)
def dimensions(key: str):
    survey = _survey(key)
    return _page("dimensions.html", survey, text=report_text(survey, _language(), None))


@blueprint.route(RESULTS + "/items")
@role_required(Role.viewer)
def items(key: str):
    return _page("items.html", _survey(key))


@blueprint.route(RESULTS + "/districts")
@role_required(Role.viewer)
def districts(key: str):
    survey = _survey(key)
    return _page("districts.html", survey, text=report_text(survey, _language(), None))


@blueprint.route(RESULTS + "/reliability")
@role_required(Role.viewer)
def reliability(key: str):
    survey = _survey(key)
    return _page("reliability.html", survey, text=report_text(survey, _language(), None))


@blueprint.route(RESULTS + "/comments")
@role_required(Role.viewer)
def comments(key: str):
    survey = _survey(key)
    district = request.args.get("district") or None
    return _page("comments.html", survey, comments=survey_comments(survey, district), district=district,
                 counts=comment_counts(survey))


@blueprint.route(RESULTS + "/profile")
@role_required(Role.viewer)
def profile(key: str):
    """The choice questions' frequency tables, bar charts and 其他 texts (样本构成)."""
    return _page("profile.html", _survey(key))


@blueprint.route(RESULTS + "/comparison")
@role_required(Role.viewer)
def comparison(key: str):
    survey = _survey(key)
    result = survey_comparison(survey)
    return _page("comparison.html", survey, comparison=result,
                 sentences=comparison_text(result, _language()) if result else [])


def printable_html(survey: Survey, for_pdf: bool) -> str:
    """The printable report in the current language (the page, or the HTML WeasyPrint turns into the PDF, which
    a job builds from it: report/builds.py)."""
    result = survey_comparison(survey)
    document = report_document(survey)
    return render_template(
        "report/printable.html", survey=survey, document=document, kind_document=report_document(survey, "kind"),
        labels=option_labels(survey, _language()), na_label=not_applicable_label(survey, _language()),
        text=report_text(survey, _language(), result), comparison=result, comments=survey_comments(survey),
        report_date=generated_on(document), for_pdf=for_pdf)


@blueprint.route(RESULTS + "/report")
@role_required(Role.viewer)
def printable(key: str):
    return printable_html(_survey(key), for_pdf=False)


@blueprint.route(RESULTS + "/report.pdf")
@role_required(Role.viewer)
def pdf(key: str):
    return built_document(_survey(key), "pdf")


@blueprint.route(RESULTS + "/report.docx")
@role_required(Role.viewer)
def docx(key: str):
    return built_document(_survey(key), "docx")


def built_document(survey: Survey, fmt: str):
    """The document if built for the survey's current data; otherwise its build (started or joined) in progress."""
    builder, language = BUILDERS[fmt], _language()
    document = stored(survey, fmt, language, state_key(survey))
    if document is not None:
        record_download("report.export", survey, format=builder.suffix)
        return _download(document.content, builder.mimetype, f"{survey.key}-{builder.stem}.{builder.suffix}")
    write_from_here()  # the build's job row is written: on SQLite, in a transaction that took the write lock first
    job = request_build(survey, fmt, language, current_user)
    return render_template("report/build.html", survey=survey, job=job, builder=builder,
                           status_url=url_for("report.build_status", key=survey.key, fmt=fmt, job_id=job.id)), 202


@blueprint.route(RESULTS + "/report.<fmt>/builds/<int:job_id>")
@role_required(Role.viewer)
def build_status(key: str, fmt: str, job_id: int):
    """What the build page polls: the job's state and progress."""
    survey = _survey(key)
    job = db.session.get(Job, job_id)
    if fmt not in BUILDERS or job is None or job.kind != "report" or job.survey_id != survey.id:
        abort(404)
    return {"state": job.state.value, "done": job.done, "total": job.total}


def _large(survey: Survey) -> bool:
    """Whether the survey's exports are built by a job rather than in the request (``EXPORT_JOB_RESPONSES``)."""
    submitted = db.session.scalar(select(func.count(SurveyResponse.id)).where(
        SurveyResponse.survey_id == survey.id, SurveyResponse.state == ResponseState.submitted))
    return submitted > current_app.config["EXPORT_JOB_RESPONSES"]


# individual responses with their centres: for those who run the survey, as in the console's response list
@blueprint.route(RESULTS + "/responses.csv")
@role_required(Role.evaluator)
def responses(key: str):
    survey = _survey(key)
    if _large(survey):
        return built_document(survey, "csv")
    record_download("report.export", survey, format="csv")
    # streamed a thousand rows at a time (results/exports.py): memory stays flat at any number of responses
    return _download(responses_csv_stream(survey), "text/csv", f"{survey.key}-responses.csv")


@blueprint.route(RESULTS + "/results.xlsx")
@role_required(Role.evaluator)
def workbook(key: str):
    survey = _survey(key)
    if _large(survey):
        return built_document(survey, "workbook")
    record_download("report.export", survey, format="xlsx")
    return _download(report_workbook(survey, _language()), BUILDERS["workbook"].mimetype,
                     f"{survey.key}-results.xlsx")


def _download(data: bytes | Iterator[bytes], mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

