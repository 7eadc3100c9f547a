# survey-service: a multi-stage image, running as a non-root user; the entrypoint applies the migrations, then
# starts gunicorn with gunicorn.conf.py. Production set-up: docs/deployment.md.
#   docker build -t survey-service .
#   docker run -e DATABASE_URL=postgresql://... -e SECRET_KEY=... -e BASE_URL=https://survey.example.gov.cn \
#              -e REDIS_URL=redis://... -p 8000:8000 survey-service
#   docker run -e ... survey-service python -m survey_service worker      # the job worker (compose.yaml has both)
FROM python:3.11-slim AS build
WORKDIR /src
COPY setup.cfg pyproject.toml README.md ./
COPY survey_service survey_service
COPY analysis analysis
COPY translations translations
# The venv gets the dependencies only; the app runs from /app (templates, static and migrations sit beside it).
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/venv/bin/pip install --no-cache-dir . \
 && /opt/venv/bin/pip uninstall --yes survey-service \
 && for catalogue in translations/*/; do /opt/venv/bin/pybabel compile -d "$catalogue" -D messages; done

FROM python:3.11-slim
# pango and Noto CJK: WeasyPrint lays out the Chinese PDF report with them
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --create-home --uid 10001 survey
WORKDIR /app
# instance/ holds the SQLite database and the generated secret key of a single-container set-up; the only
# directory the service writes to (mount a volume there to keep it). With PostgreSQL it stays empty.
RUN mkdir instance && chown survey:survey instance
COPY --from=build /opt/venv /opt/venv
COPY --from=build /src/translations translations
COPY survey_service survey_service
COPY analysis analysis
COPY templates templates
COPY static static
COPY migrations migrations
COPY gunicorn.conf.py docker-entrypoint.sh ./
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/app PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 BIND=0.0.0.0:8000
VOLUME /app/instance
USER survey
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
# docker stop sends SIGTERM to gunicorn (exec'd by the entrypoint): workers finish their requests (graceful_timeout)
STOPSIGNAL SIGTERM
ENTRYPOINT ["./docker-entrypoint.sh"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "survey_service:create_app()"]
