"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

from libya.desk.faults import limit_web_statements

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "libya.settings")
application = get_asgi_application()
# Web processes only: see limit_web_statements().
limit_web_statements()
