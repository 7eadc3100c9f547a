"""Report documents and a large survey's exports off the request: a job builds them, the page shows progress, an
unchanged survey never rebuilds, and another format plugs in with one line of the registry."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from survey_service.audit.models import AuditEvent

from survey_service.extensions import db
from survey_service.jobs.models import Job, JobState
from survey_service.jobs.operations import run_job, submit
from survey_service.report import builds
from survey_service.report.models import ReportFile
from survey_service.surveys.operations import find_survey
from tests.report.conftest import EARLIER, FORMULA, LATER

PDF = f"/surveys/{EARLIER}/results/report.pdf"


def report_jobs(app) -> list[int]:
    with app.app_context():
        return db.session.scalars(select(Job.id).where(Job.kind == "report").order_by(Job.id)).all()


def test_the_first_request_starts_a_build_and_shows_its_progress(report_app, report_client):
    before = report_jobs(report_app)
    response = report_client.get(PDF)
    page = response.get_data(as_text=True)
    assert response.status_code == 202 and response.mimetype == "text/html"
    assert "正在生成报告" in page and "report-build.js" in page and "<progress" in page
    (job_id,) = set(report_jobs(report_app)) - set(before)
    assert f"/report.pdf/builds/{job_id}" in page
    assert report_client.get(PDF).status_code == 202
    assert len(report_jobs(report_app)) == len(before) + 1  # a second request joins the build under way
    status = report_client.get(f"/surveys/{EARLIER}/results/report.pdf/builds/{job_id}").get_json()
    assert status == {"state": "queued", "done": 0, "total": 2}

    run_job(report_app, job_id)
    assert report_client.get(f"/surveys/{EARLIER}/results/report.pdf/builds/{job_id}").get_json() == {
        "state": "done", "done": 2, "total": 2}
    first = report_client.get(PDF)
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    again = report_client.get(PDF)
    assert again.data == first.data and len(report_jobs(report_app)) == len(before) + 1  # never rebuilt
    # another survey's build is not found under this one
    assert report_client.get(f"/surveys/{LATER}/results/report.pdf/builds/{job_id}").status_code == 404


def test_a_change_in_the_data_builds_anew_and_keeps_only_the_newest(report_app, report_client):
    response = report_client.get(PDF)
    if response.status_code == 202:
        run_job(report_app, report_jobs(report_app)[-1])
    assert report_client.get(PDF).status_code == 200
    count = len(report_jobs(report_app))
    with report_app.app_context():
        find_survey(EARLIER).title = "2016年度满意度调查（修订）"
        db.session.commit()
    assert report_client.get(PDF).status_code == 202
    run_job(report_app, report_jobs(report_app)[-1])
    rebuilt = report_client.get(PDF)
    assert rebuilt.status_code == 200 and len(report_jobs(report_app)) == count + 1
    with report_app.app_context():
        survey = find_survey(EARLIER)
        assert db.session.scalar(select(func.count(ReportFile.id)).where(
            ReportFile.survey_id == survey.id, ReportFile.format == "pdf")) == 1


def test_a_format_plugs_in_with_one_line(report_app, monkeypatch):
    monkeypatch.setitem(builds.BUILDERS, "txt", builds.Builder(
        "text/plain", "txt", lambda survey, language: f"{survey.title} ({language})".encode()))
    with report_app.app_context():
        survey = find_survey(LATER)
        job_id = builds.request_build(survey, "txt", "zh", None).id
        db.session.commit()
    run_job(report_app, job_id)
    with report_app.app_context():
        survey = find_survey(LATER)
        assert db.session.get(Job, job_id).state is JobState.done
        document = builds.stored(survey, "txt", "zh", builds.state_key(survey))
        assert document.content == "2017年度满意度调查 (zh)".encode()


def test_a_build_that_fails_is_shown_failed(report_app, monkeypatch):
    def broken(survey, language):
        raise RuntimeError("no fonts")

    monkeypatch.setitem(builds.BUILDERS, "broken", builds.Builder("text/plain", "txt", broken))
    monkeypatch.setattr("survey_service.jobs.operations.MAX_ATTEMPTS", 1)
    with report_app.app_context():
        survey = find_survey(LATER)
        job_id = submit("report", survey_id=survey.id, total=2,
                        params={"format": "broken", "language": "zh", "state": builds.state_key(survey)}).id
        db.session.commit()
    run_job(report_app, job_id)
    with report_app.app_context():
        job = db.session.get(Job, job_id)
        assert job.state is JobState.failed and job.error == "RuntimeError: no fonts"


def test_a_large_survey_s_exports_are_built_by_a_job_and_kept(report_app, report_client, monkeypatch):
    monkeypatch.setitem(report_app.config, "EXPORT_JOB_RESPONSES", 59)  # the 2017 survey has 60 responses
    csv_url, workbook_url = (f"/surveys/{LATER}/results/{name}" for name in ("responses.csv", "results.xlsx"))
    before = report_jobs(report_app)
    response = report_client.get(csv_url)
    page = response.get_data(as_text=True)
    assert response.status_code == 202 and "正在生成答卷数据文件（CSV）" in page and "report-build.js" in page
    (job_id,) = set(report_jobs(report_app)) - set(before)
    assert f"/report.csv/builds/{job_id}" in page
    run_job(report_app, job_id)
    exported = report_client.get(csv_url)
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert exported.headers["Content-Disposition"] == f'attachment; filename="{LATER}-responses.csv"'
    rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig"))))
    suggestions = {row["suggestions"] for row in rows}
    assert len(rows) == 60 and "'" + FORMULA in suggestions and FORMULA not in suggestions
    assert report_client.get(csv_url).data == exported.data and len(report_jobs(report_app)) == len(before) + 1

    assert "正在生成结果工作簿（XLSX）" in report_client.get(workbook_url).get_data(as_text=True)
    run_job(report_app, report_jobs(report_app)[-1])
    workbook_file = report_client.get(workbook_url)
    assert workbook_file.headers["Content-Disposition"] == f'attachment; filename="{LATER}-results.xlsx"'
    workbook = load_workbook(io.BytesIO(workbook_file.data))
    assert workbook["答卷"].max_row == 61
    assert all(cell.data_type != "f" for sheet in workbook for row in sheet.iter_rows() for cell in row)
    with report_app.app_context():
        formats = db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "report.export")
                                     .order_by(AuditEvent.id.desc()).limit(3)).all()
    assert [entry["format"] for entry in formats] == ["xlsx", "csv", "csv"]


def test_a_survey_at_the_threshold_streams_its_exports_in_the_request(report_app, report_client, monkeypatch):
    monkeypatch.setitem(report_app.config, "EXPORT_JOB_RESPONSES", 60)
    before = report_jobs(report_app)
    response = report_client.get(f"/surveys/{LATER}/results/responses.csv")
    assert response.status_code == 200 and response.is_streamed
    assert len(list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))) == 61
    assert report_client.get(f"/surveys/{LATER}/results/results.xlsx").status_code == 200
    assert report_jobs(report_app) == before
