"""Settings. Read from the environment when the app is created, never at import time."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from analysis.china_time import TIME_ZONE_NAME

ENV_SETTINGS = ("DATABASE_URL", "SECRET_KEY", "BASE_URL", "REDIS_URL", "SMTP_HOST", "SMTP_PORT", "SMTP_USER",
                "SMTP_PASSWORD", "SMTP_TLS", "MAIL_FROM", "PROXY_FIX_HOPS", "CONFIDENTIAL_MIN_GROUP")


class ConfigurationError(RuntimeError):
    """A setting the service cannot start without is missing or wrong."""


class Config:
    BASE_URL = "http://127.0.0.1:5000"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}  # database.engine_options sets how the pool tests and resets connections
    WTF_CSRF_TIME_LIMIT = None  # a centre may keep its questionnaire open for a whole afternoon
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = TIME_ZONE_NAME
    LANGUAGES = ("zh", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)  # idle timeout of a console session
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "tidy-memory://"  # extensions.TidyMemoryStorage; REDIS_URL replaces it
    # Redis unreachable: every limit goes on counting in this process's memory (per worker, so looser) instead of
    # every request failing; Flask-Limiter tries Redis again now and then and goes back to it once it answers.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # a Redis that does not answer costs each request at most this long (seconds), not a hung worker
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    RATELIMIT_TOKEN_FAILURES = "20 per minute;200 per hour"
    RATELIMIT_LOGIN = "10 per minute;50 per hour"
    RATELIMIT_API = "600 per minute"  # every API request, authenticated or not, per address
    RATELIMIT_LOGIN_ACCOUNT = "10 per 10 minutes;30 per day"  # failed logins of one account, from any address
    SMTP_HOST = None  # no e-mail is sent until the operator names a server
    SMTP_PORT = 25
    SMTP_USER = None
    SMTP_PASSWORD = None
    SMTP_TLS = "none"  # none | starttls | ssl
    MAIL_FROM = "survey-service@localhost"
    #: seconds before the first retry of an e-mail the server deferred (4xx) or could not take; doubles each time
    MAIL_RETRY_SECONDS = 60
    #: tries of one e-mail before it counts as failed
    MAIL_MAX_ATTEMPTS = 5
    #: the job queue's name (and Redis key prefix); instances sharing a Redis database share the queue
    JOBS_QUEUE = "survey-service"
    #: without REDIS_URL, run the jobs in a thread of the web process (started by its first request)
    JOBS_EMBEDDED_WORKER = True
    #: a running job whose worker has not beaten its heart for this long is taken over by another
    JOB_STALE_SECONDS = 60
    #: seconds between two rounds of the clock loop (lost jobs sent again, reminders that came due)
    JOBS_CLOCK_SECONDS = 5
    #: a survey with more submitted responses has its responses CSV and results workbook built by a job (with a
    #: progress page, kept until its data change) instead of in the request
    EXPORT_JOB_RESPONSES = 5000
    #: a responses file with more rows is imported by a job (progress page, all or nothing) instead of in the request
    IMPORT_JOB_ROWS = 2000
    PROXY_FIX_HOPS = 0  # proxies in front of the service whose X-Forwarded-* headers are trusted
    #: a group (district) with fewer valid questionnaires shows 样本不足 to readers, never figures that would
    #: reveal a centre's answers (the questionnaire promises aggregates only)
    CONFIDENTIAL_MIN_GROUP = 3
    TESTING = False


def from_environment(instance_path: str) -> dict:
    """Settings given by the environment (docs/files-and-cli.md), with the defaults that need the instance folder."""
    env = {name: os.environ[name] for name in ENV_SETTINGS if os.environ.get(name)}
    settings: dict = {}
    settings["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(
        env.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'survey-service.db'}")
    if "SECRET_KEY" in env:
        settings["SECRET_KEY"] = env["SECRET_KEY"]
    elif settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        settings["SECRET_KEY"] = _instance_secret(instance_path)
    else:
        # Several app servers share one database in production: each must sign sessions and CSRF tokens with the
        # same key, so a key made up by one of them would break the others.
        raise ConfigurationError("SECRET_KEY must be set when DATABASE_URL names a server database "
                                 "(give every app instance the same long random value)")
    if "BASE_URL" in env:
        settings["BASE_URL"] = env["BASE_URL"].rstrip("/")
    if "REDIS_URL" in env:
        settings["REDIS_URL"] = env["REDIS_URL"]
        settings["RATELIMIT_STORAGE_URI"] = env["REDIS_URL"]
    for name in ("SMTP_HOST", "SMTP_USER", "SMTP_PASSWORD", "SMTP_TLS", "MAIL_FROM"):
        if name in env:
            settings[name] = env[name]
    for name in ("SMTP_PORT", "PROXY_FIX_HOPS", "CONFIDENTIAL_MIN_GROUP"):
        if name in env:
            settings[name] = int(env[name])
    return settings


def _normalise_database_url(url: str) -> str:
    # psycopg 3 is the driver this project installs; plain postgresql:// URLs would ask for psycopg2.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(instance_path: str) -> str:
    """A random key kept in the instance folder, so a development install needs no configured secret."""
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
