"""The peer's WSGI entry point for gunicorn (``wsgi:application``, with this folder on the path)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
application = get_wsgi_application()
