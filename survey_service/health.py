"""``/healthz`` for load balancers and the container health check: the app answers, the database does too, and
Redis (when configured) is named.

The database is needed for everything, so its failure is an error (the request fails, 503). Redis holds only rate
limits and cached documents, which fall back to each process's memory: without it the service is degraded, not
down, so the answer stays 200 (a load balancer keeps sending traffic) and says so for monitoring.
"""
from flask import Blueprint, current_app
from sqlalchemy import text

from survey_service.extensions import db, limiter

blueprint = Blueprint("health", __name__)

#: seconds the health check waits for Redis
REDIS_TIMEOUT = 0.5


@blueprint.route("/healthz")
@limiter.exempt
def healthz():
    db.session.execute(text("SELECT 1"))
    report = {"status": "ok", "database": "ok"}
    if current_app.config.get("REDIS_URL"):
        report["redis"] = "ok" if _redis_answers() else "unreachable"
        if report["redis"] != "ok":
            report["status"] = "degraded"
    return report


def _redis_answers() -> bool:
    import redis

    client = current_app.extensions.get("health_redis")
    if client is None:
        client = current_app.extensions["health_redis"] = redis.Redis.from_url(
            current_app.config["REDIS_URL"], socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
