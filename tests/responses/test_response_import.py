"""Response import: a preview first, every problem named with its line and column, all or nothing, replacements
audited with the old answers kept; a large file imported by a job; the same on the command line."""
from __future__ import annotations

import io
import re
import time

from openpyxl import Workbook
from sqlalchemy import select

from survey_service.audit.models import AuditEvent
from survey_service.extensions import db
from survey_service.jobs.models import Job, JobState
from survey_service.responses import importing
from survey_service.responses.models import Answer, Mode, Response
from survey_service.results.documents import survey_document
from survey_service.surveys.models import Survey
from tests.conftest import count_rows, csrf_token, post_form
from tests.console.conftest import ANSWERS, submit

ITEMS = list(ANSWERS)
HEADER = ["centre_code", *ITEMS, "suggestions"]


def csv_file(rows: list[list]) -> bytes:
    lines = [",".join(HEADER)] + [",".join(str(cell) for cell in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def paper_rows(bad: bool = False) -> list[list]:
    """Three paper questionnaires; with ``bad``, the second has a 7 in q05 and an unknown centre code."""
    rows = [["310101002", *ANSWERS.values(), "纸质一"], ["310101013", *ANSWERS.values(), ""],
            ["310104003", *[4] * 12, "纸质三"]]
    if bad:
        rows[1][5] = 7
        rows[2][0] = "310199999"
    return rows


def upload(client, key: str, data: bytes, filename: str = "paper.csv", **fields):
    page = f"/surveys/{key}/responses/import"
    return post_form(client, page, {"file": (io.BytesIO(data), filename), "mode": "paper", **fields},
                     content_type="multipart/form-data")


def confirm_fields(page: str) -> dict:
    """The hidden fields of the preview's confirm form, as the browser sends them back."""
    form = page[page.index("import/confirm"):]
    form = form[:form.index("</form>")]
    return dict(re.findall(r'name="(confirm-\w+)" type="hidden" value="([^"]*)"', form))


def test_a_bad_row_imports_nothing_and_names_line_and_column_then_the_fix_imports(app, client, login, small_survey):
    email = login("evaluator")
    preview = upload(client, small_survey, csv_file(paper_rows(bad=True)))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 422
    assert "paper.csv 第 3 行 q05 列：“7”不是量表选项（1, 2, 3, 4, 5，或以 0 表示不了解）" in page
    assert "paper.csv 第 4 行 centre_code 列：未知单位“310199999”（不在名单中）" in page
    assert "import/confirm" not in page and 'data-testid="import-new">1<' in page
    with app.app_context():
        assert count_rows("responses") == 0
    fixed = upload(client, small_survey, csv_file(paper_rows()))
    page = fixed.get_data(as_text=True)
    assert fixed.status_code == 200 and 'data-testid="import-new">3<' in page and "导入 3 份答卷" in page
    with app.app_context():
        assert count_rows("responses") == 0  # a preview writes nothing
    imported = post_form(client, f"/surveys/{small_survey}/responses/import/confirm", confirm_fields(page),
                         page=f"/surveys/{small_survey}/responses/import", follow_redirects=True)
    assert "已从 paper.csv 导入 3 份新答卷，替换 0 份" in imported.get_data(as_text=True)
    with app.app_context():
        responses = db.session.scalars(select(Response).order_by(Response.id)).all()
        assert [r.mode for r in responses] == [Mode.paper] * 3
        assert all(r.entered_by.email == email and r.state.value == "submitted" for r in responses)
        document = survey_document(db.session.scalar(select(Survey).filter_by(key=small_survey)))
        assert document["counts"]["by_mode"] == {"paper": 3} and document["counts"]["valid"] == 3
        assert set(db.session.scalars(select(Answer.text).where(Answer.text.is_not(None)))) == {"纸质一", "纸质三"}
        [event] = db.session.scalars(select(AuditEvent).filter_by(action="responses.import")).all()
        assert event.details == {"file": "paper.csv", "mode": "paper", "new": 3, "replaced": 0}


def test_a_submitted_centre_is_a_problem_unless_replaced_and_the_old_answers_stay(app, client, login, small_survey):
    response_id = submit(app, small_survey, "310101002")
    login("evaluator")
    changed = [["310101002", *[2] * 12, "改为纸质"]]
    refused = upload(client, small_survey, csv_file(changed)).get_data(as_text=True)
    assert "paper.csv 第 2 行 centre_code 列：单位“310101002”已提交问卷；如要导入此行，请选择替换其答案" in refused
    preview = upload(client, small_survey, csv_file(changed), replace="y").get_data(as_text=True)
    assert "替换已提交的答案" in preview and "导入 1 份答卷" in preview
    post_form(client, f"/surveys/{small_survey}/responses/import/confirm", confirm_fields(preview),
              page=f"/surveys/{small_survey}/responses/import")
    history = client.get(f"/surveys/{small_survey}/responses/{response_id}").get_data(as_text=True)
    assert "答案被导入文件替换" in history and '<td class="before">5</td>' in history
    assert '<td class="after">2</td>' in history and 'data-testid="mode">纸质' in history
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).filter_by(action="response.replace")).all()
        assert event.details["before"]["q01"] == ANSWERS["q01"] and event.details["after"]["q01"] == 2
        assert event.details["after"]["suggestions"] == "改为纸质" and event.details["before"]["suggestions"] is None
        assert count_rows("responses") == 1


def test_a_centre_that_submits_between_preview_and_confirm_stops_the_whole_import(app, client, login, small_survey):
    login("evaluator")
    preview = upload(client, small_survey, csv_file(paper_rows())).get_data(as_text=True)
    submit(app, small_survey, "310104003")
    refused = post_form(client, f"/surveys/{small_survey}/responses/import/confirm", confirm_fields(preview),
                        page=f"/surveys/{small_survey}/responses/import")
    assert refused.status_code == 422 and "单位“310104003”已提交问卷" in refused.get_data(as_text=True)
    with app.app_context():
        assert count_rows("responses") == 1 and db.session.scalar(select(Response.mode)) is Mode.online


def test_a_damaged_confirmation_and_a_closed_survey_import_nothing(app, client, login, small_survey):
    login("evaluator")
    page = f"/surveys/{small_survey}/responses/import"
    bad = client.post(f"{page}/confirm", data={"csrf_token": csrf_token(client, page), "confirm-content": "***",
                                               "confirm-filename": "x.csv", "confirm-mode": "paper"},
                      follow_redirects=True)
    assert "无法读回该文件，请重新上传" in bad.get_data(as_text=True)
    with app.app_context():
        db.session.scalar(select(Survey).filter_by(key=small_survey)).close()
        db.session.commit()
    closed = upload(client, small_survey, csv_file(paper_rows())).get_data(as_text=True)
    assert f"调查 {small_survey} 不在进行中：只能向进行中的调查导入答卷" in closed
    with app.app_context():
        assert count_rows("responses") == 0


def test_the_command_line_imports_all_or_nothing(app, runner, small_survey, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file(paper_rows(bad=True)))
    result = runner.invoke(args=["responses", "import", "--survey", small_survey, str(bad), "--mode", "paper"])
    assert result.exit_code == 2 and result.stderr.splitlines() == [
        'bad.csv: line 3: q05: "7" is not an option of the scale (1, 2, 3, 4, 5, or 0 for not applicable)',
        'bad.csv: line 4: centre_code: unknown centre "310199999" (not in the roster)']
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER + ["mode"])
    for row in paper_rows():
        sheet.append([*row, ""])
    sheet.cell(row=3, column=len(HEADER) + 1, value="phone")
    good = tmp_path / "good.xlsx"
    workbook.save(good)
    dry = runner.invoke(args=["responses", "import", "--survey", small_survey, str(good), "--dry-run"])
    assert dry.exit_code == 0 and "would import 3 new and replace 0 responses" in dry.stderr
    with app.app_context():
        assert count_rows("responses") == 0
    done = runner.invoke(args=["responses", "import", "--survey", small_survey, str(good), "--mode", "paper"])
    assert done.exit_code == 0, done.stderr
    assert f"imported 3 new and replaced 0 responses of survey {small_survey} from good.xlsx" in done.stderr
    with app.app_context():
        assert sorted(m.value for m in db.session.scalars(select(Response.mode))) == ["paper", "paper", "phone"]
        assert db.session.scalar(select(AuditEvent.actor).filter_by(action="responses.import")) == "cli"
    again = runner.invoke(args=["responses", "import", "--survey", small_survey, str(good)])
    assert again.exit_code == 2 and len(again.stderr.splitlines()) == 3
    assert "has submitted already; choose to replace its answers" in again.stderr


def wait_for_job(app, job_id: int, timeout: float = 30.0) -> Job:
    """The job once the app's own worker has finished it."""
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            job = db.session.get(Job, job_id)
            if job.state in (JobState.done, JobState.failed):
                db.session.expunge(job)
                return job
        assert time.monotonic() < deadline, "the import job did not finish"
        time.sleep(0.1)


def confirm(client, key: str, preview: str):
    return post_form(client, f"/surveys/{key}/responses/import/confirm", confirm_fields(preview),
                     page=f"/surveys/{key}/responses/import")


def test_a_large_file_is_imported_by_a_job_whose_page_shows_the_outcome(app, client, login, small_survey):
    email = login("evaluator")
    app.config["IMPORT_JOB_ROWS"] = 2
    preview = upload(client, small_survey, csv_file(paper_rows())).get_data(as_text=True)
    queued = confirm(client, small_survey, preview)
    assert queued.status_code == 302 and "/responses/imports/" in queued.location
    job_id = int(queued.location.rsplit("/", 1)[1])
    job = wait_for_job(app, job_id)
    assert job.state is JobState.done and (job.done, job.total) == (2, 2)
    status = client.get(f"/surveys/{small_survey}/responses/imports/{job_id}/status").get_json()
    assert status == {"state": "done", "done": 2, "total": 2}
    page = client.get(queued.location).get_data(as_text=True)
    assert "已从 paper.csv 导入 3 份新答卷，替换 0 份" in page and "report-build.js" not in page
    with app.app_context():
        assert count_rows("responses") == 3 and count_rows("import_files") == 0
        assert {r.entered_by.email for r in db.session.scalars(select(Response))} == {email}
        [event] = db.session.scalars(select(AuditEvent).filter_by(action="responses.import")).all()
        assert event.actor == email and event.details["new"] == 3


def test_a_job_import_that_meets_a_problem_imports_nothing_and_says_why(app, client, login, small_survey):
    login("evaluator")
    app.config["IMPORT_JOB_ROWS"] = 2
    preview = upload(client, small_survey, csv_file(paper_rows())).get_data(as_text=True)
    submit(app, small_survey, "310104003")  # the third row's centre submits between the preview and the job
    job_id = int(confirm(client, small_survey, preview).location.rsplit("/", 1)[1])
    assert wait_for_job(app, job_id).state is JobState.failed
    page = client.get(f"/surveys/{small_survey}/responses/imports/{job_id}").get_data(as_text=True)
    assert "未导入任何内容" in page and "单位“310104003”已提交问卷" in page
    with app.app_context():
        assert count_rows("responses") == 1 and count_rows("import_files") == 0


def test_a_job_import_says_why_in_the_language_of_the_page_that_started_it(app, client, login, small_survey):
    login("evaluator")
    app.config["IMPORT_JOB_ROWS"] = 2
    client.get(f"/surveys/{small_survey}/responses/import?lang=en")
    preview = upload(client, small_survey, csv_file(paper_rows())).get_data(as_text=True)
    submit(app, small_survey, "310104003")
    job_id = int(confirm(client, small_survey, preview).location.rsplit("/", 1)[1])
    assert wait_for_job(app, job_id).state is JobState.failed
    page = client.get(f"/surveys/{small_survey}/responses/imports/{job_id}").get_data(as_text=True)
    assert 'centre "310104003" has submitted already' in page.replace("&#34;", '"')
    assert "已提交" not in page


def test_a_job_import_that_breaks_while_writing_leaves_nothing(app, client, login, small_survey, monkeypatch):
    login("evaluator")
    app.config["IMPORT_JOB_ROWS"] = 2
    monkeypatch.setattr("survey_service.jobs.operations.MAX_ATTEMPTS", 1)
    real = importing._apply_row_facts
    written = []

    def breaking(response, row):
        written.append(row.code)
        if len(written) == 3:
            raise RuntimeError("the disk is full")
        real(response, row)

    monkeypatch.setattr(importing, "_apply_row_facts", breaking)
    preview = upload(client, small_survey, csv_file(paper_rows())).get_data(as_text=True)
    job_id = int(confirm(client, small_survey, preview).location.rsplit("/", 1)[1])
    job = wait_for_job(app, job_id)
    assert job.state is JobState.failed and job.error == "RuntimeError: the disk is full"
    page = client.get(f"/surveys/{small_survey}/responses/imports/{job_id}").get_data(as_text=True)
    assert "导入因错误中止，未导入任何答卷" in page
    with app.app_context():
        assert len(written) == 3 and count_rows("responses") == 0 and count_rows("answers") == 0


def test_a_file_at_the_threshold_is_imported_in_the_request(app, client, login, small_survey):
    login("evaluator")
    app.config["IMPORT_JOB_ROWS"] = 3
    preview = upload(client, small_survey, csv_file(paper_rows())).get_data(as_text=True)
    imported = confirm(client, small_survey, preview)
    assert imported.location.endswith(f"/surveys/{small_survey}/responses")
    with app.app_context():
        assert count_rows("responses") == 3 and count_rows("jobs") == 0
