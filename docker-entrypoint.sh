#!/bin/sh
# Apply the migrations (never done by create_app), then hand over to the command (gunicorn by default).
# Several instances may start at once: on PostgreSQL Alembic's upgrade runs in one transaction and the loser of a
# race fails on the version row and exits, to be restarted by the orchestrator; start one instance first (or run
# `survey-service db upgrade` as a release step) to avoid the race altogether.
set -e
python -m survey_service db upgrade
exec "$@"
