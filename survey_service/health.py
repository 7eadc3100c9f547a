"""``/healthz`` for load balancers and the container health check: the app answers and the database does too."""
from flask import Blueprint
from sqlalchemy import text

from survey_service.extensions import db, limiter

blueprint = Blueprint("health", __name__)


@blueprint.route("/healthz")
@limiter.exempt
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
