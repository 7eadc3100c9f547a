#!/bin/sh
# Apply the migrations (never done by create_app), then hand over to the command (gunicorn by default).
# Several instances may start at once: on PostgreSQL the upgrade holds an advisory lock (migrations/env.py), so
# they migrate one after the other and the later ones find nothing to do.
set -e
python -m survey_service db upgrade
exec "$@"
