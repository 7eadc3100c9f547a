"""Report documents and large exports built off the request, by a job, and kept per survey data state.

A document is built once for each state of the survey's data (``results.queries.data_state``: responses,
reviews, invitations, title …) and language; while nothing changes, every download is the stored file and an
unchanged survey never rebuilds. A new format plugs in with one line in ``BUILDERS``: its MIME type, file
suffix and a function from (survey, language) to bytes, called inside a request context of the survey's
printable page (so templates, ``url_for`` and the language work as on the page). The report (PDF, Word) is always
built so; the exports only for a survey with more than ``EXPORT_JOB_RESPONSES`` submitted responses (smaller ones
stream in the request: report/views.py).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from survey_service.database import begin_writing
from survey_service.extensions import db
from survey_service.jobs.models import Job, JobState
from survey_service.jobs.operations import report_progress, submit
from survey_service.report.models import ReportFile
from survey_service.results.queries import data_state
from survey_service.surveys.models import Survey


def _pdf(survey: Survey, language: str) -> bytes:
    from survey_service.report.pdf import pdf_bytes
    from survey_service.report.views import printable_html

    return pdf_bytes(printable_html(survey, for_pdf=True))


def _docx(survey: Survey, language: str) -> bytes:
    from survey_service.report.word import build_docx

    return build_docx(survey, language)


def _responses_csv(survey: Survey, language: str) -> bytes:
    from survey_service.results.exports import responses_csv_stream

    return b"".join(responses_csv_stream(survey))


def _results_workbook(survey: Survey, language: str) -> bytes:
    from survey_service.report.workbook import report_workbook

    return report_workbook(survey, language)


@dataclass(frozen=True)
class Builder:
    mimetype: str
    #: the file's suffix, also the format its download is audited as
    suffix: str
    build: Callable[[Survey, str], bytes]
    #: the file is named SURVEY-STEM.SUFFIX
    stem: str = "report"
    #: what the build page calls the file ("Preparing the report (PDF)")
    label: str = _l("the report")


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: the formats built by the "report" job
BUILDERS: dict[str, Builder] = {
    "pdf": Builder("application/pdf", "pdf", _pdf),
    "docx": Builder(DOCX_TYPE, "docx", _docx),
    "csv": Builder("text/csv", "csv", _responses_csv, stem="responses", label=_l("the responses file")),
    "workbook": Builder(XLSX_TYPE, "xlsx", _results_workbook, stem="results", label=_l("the results workbook")),
}


def state_key(survey: Survey) -> str:
    """The survey's data state as a short key (the cache key of its documents)."""
    return hashlib.sha256(repr(data_state(survey)).encode()).hexdigest()[:32]


def stored(survey: Survey, fmt: str, language: str, state: str) -> ReportFile | None:
    return db.session.scalar(select(ReportFile).filter_by(survey_id=survey.id, format=fmt, language=language,
                                                          data_state=state))


def pending_job(survey: Survey, fmt: str, language: str, state: str) -> Job | None:
    """A queued or running build of exactly this document (a second click joins it)."""
    jobs = db.session.scalars(select(Job).where(Job.kind == "report", Job.survey_id == survey.id,
                                                Job.state.in_([JobState.queued, JobState.running]))).all()
    wanted = {"format": fmt, "language": language, "state": state}
    return next((job for job in jobs if {name: job.params.get(name) for name in wanted} == wanted), None)


def request_build(survey: Survey, fmt: str, language: str, user) -> Job:
    """The job that builds this document for the survey's current data: one under way, or a new one."""
    state = state_key(survey)
    return pending_job(survey, fmt, language, state) or submit(
        "report", survey_id=survey.id, user=user, total=2,
        params={"format": fmt, "language": language, "state": state})


def build_report(job: Job) -> None:
    """The job: build the document unless this data state already has it; store it, drop older ones.

    Reads and writes are separate transactions, and each write begins as a writer (database.py): the build takes
    seconds, and on SQLite a reading transaction that writes late would fail if anyone wrote meanwhile.
    """
    job_id, survey_id = job.id, job.survey_id
    fmt, language = job.params["format"], job.params["language"]
    survey = db.session.get(Survey, survey_id)
    state = state_key(survey)  # what a download asks for now (the data may have changed while queued)
    key, present = survey.key, stored(survey, fmt, language, state) is not None
    db.session.rollback()
    if not present:
        begin_writing()
        report_progress(db.session.get(Job, job_id), 1)
        db.session.commit()
        with current_app.test_request_context(f"/surveys/{key}/results/report?lang={language}"):
            content = BUILDERS[fmt].build(db.session.get(Survey, survey_id), language)
        db.session.rollback()
    begin_writing()
    if not present:
        db.session.execute(delete(ReportFile).where(ReportFile.survey_id == survey_id, ReportFile.format == fmt,
                                                    ReportFile.language == language))
        db.session.add(ReportFile(survey_id=survey_id, format=fmt, language=language, data_state=state,
                                  content=content, job_id=job_id))
    report_progress(db.session.get(Job, job_id), 2)
    db.session.commit()
