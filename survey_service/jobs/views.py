"""The jobs page: what the workers are doing, have done and could not do."""
from flask import Blueprint, render_template

from survey_service.auth.access import role_required
from survey_service.auth.models import Role
from survey_service.jobs.queries import job_rows
from survey_service.jobs.queue import job_queue

blueprint = Blueprint("jobs", __name__, url_prefix="/jobs")


@blueprint.route("")
@role_required(Role.evaluator)
def index():
    return render_template("jobs/index.html", jobs=job_rows(), embedded=job_queue().embedded)
