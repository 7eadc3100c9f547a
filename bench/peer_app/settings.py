"""Settings of the reference deployment of django-survey-and-report for bench/bench_centre_path.py.

Run from a virtualenv of its own (the bench creates it under /tmp), never the project's. The database comes from
PEER_DATABASE (an SQLite path, or a PostgreSQL URL); on SQLite it gets what Django's documentation advises for
concurrent writers (WAL, IMMEDIATE transactions, a long timeout), as this service has.
"""
import os
from urllib.parse import urlparse

SECRET_KEY = os.environ.get("PEER_SECRET_KEY", "bench-peer")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
                  "django.contrib.messages", "django.contrib.staticfiles", "survey"]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware", "django.middleware.common.CommonMiddleware",
              "django.middleware.csrf.CsrfViewMiddleware",
              "django.contrib.auth.middleware.AuthenticationMiddleware",
              "django.contrib.messages.middleware.MessageMiddleware"]
ROOT_URLCONF = "urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
              "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                                 "django.contrib.auth.context_processors.auth",
                                                 "django.contrib.messages.context_processors.messages"]}}]
STATIC_URL = "/static/"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
_database = os.environ["PEER_DATABASE"]
if _database.startswith("postgresql://"):
    _url = urlparse(_database)
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": _url.path.lstrip("/"),
                             "USER": _url.username or "", "HOST": _url.hostname or "", "PORT": _url.port or 5432,
                             "CONN_MAX_AGE": 60}}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": _database,
                             "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30,
                                         "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"}}}
