"""Job read-outs for the jobs page, as plain rows."""
from __future__ import annotations

from sqlalchemy import select

from survey_service.auth.models import User
from survey_service.extensions import db
from survey_service.jobs.models import Job, JobState
from survey_service.surveys.models import Survey

#: how many finished jobs the page lists (the unfinished ones are always all there)
RECENT_FINISHED = 50


def job_rows() -> dict[str, list]:
    """Jobs by state: every queued and running one, and the latest finished ones."""
    columns = (Job.id, Job.kind, Job.state, Job.done, Job.total, Job.error, Job.attempts, Job.created_at,
               Job.started_at, Job.finished_at, Job.not_before, Job.params, Survey.key.label("survey_key"),
               Survey.title.label("survey_title"), User.email.label("created_by"))
    base = (select(*columns).outerjoin(Survey, Job.survey_id == Survey.id)
            .outerjoin(User, Job.created_by_id == User.id))
    rows = {state.value: [] for state in JobState}
    for row in db.session.execute(base.where(Job.state.in_([JobState.queued, JobState.running]))
                                  .order_by(Job.id)).all():
        rows[row.state.value].append(row)
    for row in db.session.execute(base.where(Job.state.in_([JobState.done, JobState.failed]))
                                  .order_by(Job.id.desc()).limit(RECENT_FINISHED)).all():
        rows[row.state.value].append(row)
    return rows
