"""WSGI entry point (gunicorn libya.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "libya.settings")
application = get_wsgi_application()
