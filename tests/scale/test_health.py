"""/healthz: each part's status for anyone, details for staff, raw errors for nobody else."""

import json
import os
import subprocess
import sys
from http import HTTPStatus

import pytest

from tests.servers import ROOT


@pytest.mark.django_db
def test_anonymous_callers_see_statuses_staff_also_details(client, admin_client):
    anonymous = client.get("/healthz")
    staff = admin_client.get("/healthz")

    assert anonymous.status_code == staff.status_code == HTTPStatus.OK
    assert anonymous.json() == {"status": "ok", "database": "ok"}
    assert staff.json() == {"status": "ok", "database": "ok", "details": {}}


def test_a_database_outage_tells_anonymous_callers_no_host_socket_or_user(tmp_path):
    # A real process pointed at a socket directory where no PostgreSQL listens.
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(r.status_code, r['Retry-After'], r.content.decode())"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "libya.settings",
        "DATABASE_URL": f"postgres://nobody@/nowhere?host={tmp_path}&port=5432",
        "DJANGO_ALLOWED_HOSTS": "testserver",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    status, retry_after, body = result.stdout.strip().split(" ", 2)

    assert (status, retry_after) == ("503", "5"), result.stderr
    assert json.loads(body) == {"status": "unavailable", "database": "unavailable"}
    assert str(tmp_path) not in body
    assert "nobody" not in body
    assert str(tmp_path) in result.stderr  # the detail went to the log


def test_a_down_cache_is_reported_without_its_address(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing answers Redis there
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

    response = client.get("/healthz")

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok", "database": "ok", "cache": "unavailable"}
