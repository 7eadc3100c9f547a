#!/bin/sh
# Apply the migrations (never done by create_app), then hand over to the command (gunicorn by default).
set -e
python -m survey_service db upgrade
exec "$@"
