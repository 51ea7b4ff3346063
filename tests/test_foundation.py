"""The run contract: real PostgreSQL, check --deploy, the compose file, the health endpoint."""

import os
import secrets
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
import yaml
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh interpreter, so settings are read from the given environment."""
    environment = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env() -> dict[str, str]:
    return {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "desk.example.org",
        "DJANGO_SECURE_SSL": "true",
    }


@pytest.mark.django_db
def test_test_database_is_postgresql():
    assert connection.vendor == "postgresql"
    assert connection.pg_version >= 160000


def test_check_deploy_reports_no_issue_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production_env())

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_with_debug_on():
    env = {**production_env(), "DJANGO_DEBUG": "true"}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **env)

    assert result.returncode != 0
    assert "security.W018" in result.stderr


def test_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_malformed_boolean_setting_fails_loudly():
    result = run_manage("check", DJANGO_DEBUG="maybe")

    assert result.returncode != 0


@pytest.mark.django_db
def test_healthz_answers_200_json_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_json_when_the_database_is_down(tmp_path):
    # A real server process pointed at a socket directory where no PostgreSQL listens.
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(r.status_code, r['Retry-After'], json.loads(r.content)['status'])"
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

    assert result.stdout.split() == ["503", "5", "unavailable"], result.stderr


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


class TestComposeFile:
    def test_declares_db_web_and_worker(self, compose):
        # The default profile; the `scale` profile's services: tests/scale/test_compose.py.
        default = {
            name for name, service in compose["services"].items() if "profiles" not in service
        }
        assert default == {"db", "web", "worker"}
        worker = compose["services"]["worker"]
        assert worker["command"] == ["python", "manage.py", "procrastinate", "worker"]
        assert worker["depends_on"]["web"]["condition"] == "service_healthy"

    def test_db_is_official_postgres_with_named_volume_and_healthcheck(self, compose):
        db = compose["services"]["db"]

        assert db["image"].startswith("postgres:")
        volume, mount = db["volumes"][0].split(":", 1)
        assert volume in compose["volumes"]
        # postgres:18+ declares its VOLUME at /var/lib/postgresql (PGDATA lives below it).
        assert mount == "/var/lib/postgresql"
        assert "pg_isready" in " ".join(db["healthcheck"]["test"])

    def test_web_is_built_and_waits_for_a_healthy_db(self, compose):
        web = compose["services"]["web"]

        assert web["build"] == "."
        assert web["depends_on"]["db"]["condition"] == "service_healthy"
        assert web["environment"]["DATABASE_URL"].startswith("postgres://")
        assert web["environment"]["DJANGO_DEBUG"] == "false"

    def test_dockerfile_serves_with_gunicorn_after_migrating_and_seeding(self):
        dockerfile = (ROOT / "Dockerfile").read_text()
        entrypoint = (ROOT / "docker" / "entrypoint.sh").read_text()

        assert "gunicorn" in dockerfile
        assert "collectstatic" in dockerfile
        assert "migrate --noinput" in entrypoint
        assert "manage.py seed" in entrypoint
