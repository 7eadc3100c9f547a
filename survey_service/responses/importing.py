"""Response import: questionnaires collected outside the link (paper forms typed into Excel, another platform's
export) read into a survey from a file in the responses layout (docs/files-and-cli.md).

All or nothing: the file is checked whole against the survey first — every problem named with its line and column —
and only a file without problems is written, in one transaction. A centre that has submitted already is a problem
unless the importer chose to replace its answers; a replacement keeps the old answers in the response's history.

A file of more than ``IMPORT_JOB_ROWS`` rows is imported by a job (:func:`queue_import`, :func:`run_import`): the
same check and the same one transaction, off the request, with the file kept in the database until the job ends.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timezone
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from survey_service.audit.operations import record
from survey_service.auth.models import User
from survey_service.database import begin_writing
from survey_service.extensions import db
from survey_service.jobs.models import Job
from survey_service.jobs.operations import JobFailed, report_progress, submit
from survey_service.problems import ProblemList, problem_text as _
from survey_service.responses.csv_format import ResponseRow, check_response_rows
from survey_service.responses.models import ImportFile, Mode, Response, Validity
from survey_service.responses.operations import AlreadySubmitted, response_for, rewrite_answers, save_answers
from survey_service.roster.models import RosterUnit
from survey_service.roster.parsing import UnitRow
from survey_service.surveys.models import Invitation, Survey, SurveyState
from survey_service.tabular import read_table
from survey_service.timestamps import utcnow

#: a submission time without a zone is China Standard Time, as everywhere in the service
CHINA = ZoneInfo("Asia/Shanghai")


@dataclass
class ImportPlan:
    """What an import would do: the rows to add, the submitted responses to replace, and every problem."""

    filename: str
    new: list[ResponseRow] = field(default_factory=list)
    replaced: list[ResponseRow] = field(default_factory=list)
    #: centres whose submitted answers stand in the way (a problem unless replacing)
    already_submitted: list[ResponseRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def plan_import(survey: Survey, data: bytes, filename: str, *, replace: bool = False) -> ImportPlan:
    """Check a responses file against a survey and say what importing it would do; writes nothing."""
    plan = ImportPlan(filename)
    if survey.state is not SurveyState.open:
        plan.problems.append(_("survey %(key)s is not open: responses can be imported only into an open survey "
                               "(reopen it first)", key=survey.key))
        return plan
    units = db.session.execute(
        select(RosterUnit.code, RosterUnit.name, RosterUnit.district, Invitation.revoked_at)
        .join(Invitation, Invitation.unit_id == RosterUnit.id).where(Invitation.survey_id == survey.id)).all()
    roster = [UnitRow(line=0, code=code, name=name, district=district) for code, name, district, _revoked in units]
    try:
        _header, rows, plan.problems = check_response_rows(data, filename, survey.questionnaire_version.questionnaire,
                                                           roster=roster)
    except ProblemList as exc:
        plan.problems = exc.problems
        return plan
    revoked = {unit.code for unit in units if unit.revoked_at is not None}
    submitted = dict(db.session.execute(
        select(RosterUnit.code, Response.mode).join(Invitation, Invitation.unit_id == RosterUnit.id)
        .join(Response, Response.invitation_id == Invitation.id)
        .where(Invitation.survey_id == survey.id, Response.submitted)).all())
    for row in rows:
        where = {"file": filename, "line": row.line, "code": row.code}
        if row.status == "invalid" and row.status_given and not row.invalid_reason:
            plan.problems.append(_("%(file)s: line %(line)s: invalid_reason: give the reason a response is "
                                   "invalid", **where))
        if row.code in revoked:
            plan.problems.append(_("%(file)s: line %(line)s: centre_code: the link of centre \"%(code)s\" has been "
                                   "revoked", **where))
        elif row.code in submitted and replace:
            plan.replaced.append(row)
        elif row.code in submitted:
            plan.already_submitted.append(row)
            plan.problems.append(_("%(file)s: line %(line)s: centre_code: centre \"%(code)s\" has submitted "
                                   "already; choose to replace its answers to import this row", **where))
        else:
            plan.new.append(row)
    return plan


def import_responses(survey: Survey, data: bytes, filename: str, *, mode: Mode = Mode.import_,
                     replace: bool = False, by: User | None = None, actor: str | None = None) -> ImportPlan:
    """Import a responses file into an open survey, all or nothing; raises :class:`ProblemList` with every problem.

    ``mode`` applies to rows whose ``mode`` cell is blank. The caller commits (the request, or the command).
    """
    plan = plan_import(survey, data, filename, replace=replace)
    if plan.problems:
        raise ProblemList(plan.problems)
    # with their responses, in one more query: save_answers reads whether each centre has one
    invitations = dict(db.session.execute(
        select(RosterUnit.code, Invitation).join(Invitation, Invitation.unit_id == RosterUnit.id)
        .where(Invitation.survey_id == survey.id).options(selectinload(Invitation.response))).all())
    now = utcnow()
    for row in plan.new:
        invitation = invitations[row.code]
        try:
            response = save_answers(invitation, _answered(row.likert), row.texts, submit=True, choices=row.choices,
                                    mode=Mode(row.mode or mode.value), entered_by=by, now=now)
        except AlreadySubmitted:
            # the centre submitted between the check and the write: nothing of this import is kept
            raise ProblemList([_("%(file)s: line %(line)s: centre_code: centre \"%(code)s\" submitted while the file "
                                 "was being imported; nothing was imported, please try again", file=filename,
                                 line=row.line, code=row.code)]) from None
        _apply_row_facts(response, row)
    for row in plan.replaced:
        response = response_for(invitations[row.code], create=False)
        difference = rewrite_answers(response, _answered(row.likert), row.texts, choices=row.choices, now=now)
        # the mode may change with the answers unchanged: the figures' fingerprint must still move
        response.mode, response.updated_at = Mode(row.mode or mode.value), now
        if by is not None:
            response.entered_by_id, response.entered_at = by.id, now
        _apply_row_facts(response, row)
        record("response.replace", response, actor=actor, file=filename, line=row.line, centre=row.code,
               **difference)
    db.session.flush()
    record("responses.import", survey, actor=actor, file=filename, mode=mode.value, new=len(plan.new),
           replaced=len(plan.replaced))
    return plan


def imported_by_job(data: bytes, filename: str) -> bool:
    """Whether the file has more rows than a request imports (``IMPORT_JOB_ROWS``); an unreadable file does not
    (the request says at once what is wrong with it)."""
    try:
        _header, rows = read_table(data, filename)
    except ProblemList:
        return False
    return len(rows) > current_app.config["IMPORT_JOB_ROWS"]


def queue_import(survey: Survey, data: bytes, filename: str, *, mode: Mode, replace: bool, by: User,
                 language: str) -> Job:
    """Keep the file and queue the job that imports it (queued once the caller commits). ``language`` is the
    page's, in which the job words the problems it finds."""
    upload = ImportFile(survey_id=survey.id, filename=filename, content=data)
    db.session.add(upload)
    db.session.flush()
    return submit("response_import", survey_id=survey.id, user=by, total=2, params={
        "file_id": upload.id, "filename": filename, "mode": mode.value, "replace": replace, "language": language})


def run_import(job: Job) -> None:
    """The job: check the kept file and import it in one transaction (progress 1 of 2 while it runs), drop the
    file.

    A file with problems imports nothing: the job fails with every problem, worded in the importer's language and
    kept in the job's params for its page, as are the counts of what was imported.
    """
    params, job_id, survey_id, by_id = dict(job.params), job.id, job.survey_id, job.created_by_id
    db.session.rollback()  # the claim's read: each transaction below begins as a writer (database.py)
    begin_writing()
    report_progress(db.session.get(Job, job_id), 1)  # under way: the page says so
    db.session.commit()
    begin_writing()
    job = db.session.get(Job, job_id)
    # the job's row stays locked (with the whole database on SQLite) until the import commits: a worker that takes
    # the job for dead meanwhile waits at its claim, then finds the heartbeat fresh and leaves it
    report_progress(job, 1)
    db.session.flush()
    survey = db.session.get(Survey, survey_id)
    upload = db.session.get(ImportFile, params["file_id"])
    by = db.session.get(User, by_id) if by_id else None
    try:
        with current_app.test_request_context(), force_locale(params["language"]):
            plan = import_responses(survey, upload.content, upload.filename, mode=Mode(params["mode"]),
                                    replace=params["replace"], by=by, actor=by.email if by else None)
    except ProblemList as refused:
        db.session.rollback()
        begin_writing()
        db.session.execute(delete(ImportFile).where(ImportFile.id == params["file_id"]))
        db.session.get(Job, job_id).params = {**params, "problems": refused.problems}
        db.session.commit()
        raise JobFailed("\n".join(refused.problems)) from None
    db.session.delete(upload)
    job.params = {**params, "new": len(plan.new), "replaced": len(plan.replaced)}
    report_progress(job, 2)


def _answered(likert: dict) -> dict:
    return {key: value for key, value in likert.items() if value is not None}


def _apply_row_facts(response: Response, row: ResponseRow) -> None:
    """What the row says beyond the answers: when it was submitted, and a status given in the file."""
    if row.submitted_at is not None:
        when = row.submitted_at if row.submitted_at.tzinfo else row.submitted_at.replace(tzinfo=CHINA)
        response.submitted_at = when.astimezone(timezone.utc)
    if row.status_given:
        response.validity = Validity(row.status)
        response.validity_reason = row.invalid_reason if row.status == "invalid" else None

