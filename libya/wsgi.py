"""WSGI entry point (gunicorn libya.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from libya.desk.faults import limit_web_statements

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "libya.settings")
application = get_wsgi_application()
# Web processes only: see limit_web_statements().
limit_web_statements()
