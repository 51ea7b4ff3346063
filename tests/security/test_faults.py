"""Database faults, for real: a dead socket, an outage and recovery, cancelled slow queries."""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections
from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from libya.desk.api.views import DeskAPIMixin
from tests.scoreboard import record
from tests.security.relay import SocketRelay

ROOT = Path(__file__).resolve().parents[2]
ADMIN = f"/{settings.ADMIN_PATH}"
# Each request of the client script prints one line: status, Retry-After, type, body, time.
CLIENT = """
import django, json, sys, time
django.setup()
from django.db import close_old_connections
from django.test import Client
client = Client(raise_request_exception=False)
client.cookies["sessionid"] = "x" * 32  # a signed-in editor: the session is read from the DB
for line in sys.stdin:
    start = time.monotonic()
    close_old_connections()  # as a WSGI server's request_started does; Client skips it
    r = client.get(line.strip())
    print(json.dumps([r.status_code, r.get("Retry-After"), r["Content-Type"].split(";")[0],
                      r.content.decode()[:200], time.monotonic() - start]), flush=True)
"""


def sleep_in_database(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(5)")
    return HttpResponse("woke up")


class SleepInDatabaseView(DeskAPIMixin, APIView):
    def get(self, request: Request) -> Response:
        return Response({"woke": sleep_in_database(request).content.decode()})


handler500 = "libya.desk.api.errors.server_error"
urlpatterns = [
    path("api/v1/sleep/", SleepInDatabaseView.as_view()),
    path("sleep/", sleep_in_database),
]


class Client:
    """A Django process of its own (the client script above), pointed at `database_url`."""

    def __init__(self, database_url: str, **env: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", CLIENT],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "libya.settings",
                "DATABASE_URL": database_url,
                "DJANGO_ALLOWED_HOSTS": "testserver",
                "DJANGO_DEBUG": "false",  # DEBUG shows the traceback instead
                **env,
            },
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def get(self, url: str) -> tuple:
        self.process.stdin.write(url + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "the client process died"
        return tuple(json.loads(line))

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def database_url(host: str, name: str) -> str:
    return f"postgres://{connection.settings_dict['USER']}@/{name}?host={host}&port=5432"


def test_dead_database_answers_503_json_to_the_api_and_plain_503_to_the_admin(tmp_path):
    client = Client(database_url(str(tmp_path), "nowhere"))
    try:
        api = client.get("/api/v1/claims/?status=verified")
        detail = client.get("/api/v1/actors/khalifa-haftar/")
        admin = client.get(ADMIN)
    finally:
        client.close()

    for status, retry_after, content_type, body, _ in (api, detail):
        assert (status, retry_after, content_type) == (503, "5", "application/json")
        assert json.loads(body) == {
            "status": 503,
            "detail": "The database is unavailable; retry shortly.",
        }
    assert admin[:4] == (503, "5", "text/plain", "The database is unavailable; retry shortly.")


@pytest.mark.usefixtures("django_db_setup")
def test_api_answers_503_during_an_outage_and_recovers_by_itself():
    params = connection.get_connection_params()
    relay_dir = Path(tempfile.mkdtemp(prefix="pg-relay-"))
    relay = SocketRelay(relay_dir / ".s.PGSQL.5432", params["host"], params.get("port") or 5432)
    relay.up()
    client = Client(database_url(str(relay_dir), connection.settings_dict["NAME"]))
    try:
        before = client.get("/api/v1/actors/khalifa-haftar/")
        relay.down()
        during = [client.get("/api/v1/actors/khalifa-haftar/") for _ in range(3)]
        admin = client.get(f"{ADMIN}desk/claim/")
        relay.up()
        after = client.get("/api/v1/actors/khalifa-haftar/")
    finally:
        client.close()
        relay.down()

    assert before[0] == 200
    assert [(status, retry, kind) for status, retry, kind, *_ in during] == [
        (503, "5", "application/json")
    ] * 3
    assert admin[:3] == (503, "5", "text/plain")
    assert after[0] == 200, after  # the first request after the database returns


@pytest.mark.reliability
@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_query_cancelled_by_statement_timeout_answers_504_json(client, caplog):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 300")
    start = time.monotonic()
    response = client.get("/api/v1/sleep/")
    elapsed = time.monotonic() - start

    assert response.status_code == 504
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == 504
    assert "Retry-After" not in response
    # The server cancelled the 5 s sleep: the answer did not wait for it. How long the
    # answer took is recorded, not asserted; a loaded machine must not fail the suite.
    faults = [r.getMessage() for r in caplog.records if r.name == "libya.desk.api.errors"]
    assert faults == [
        "Database fault on /api/v1/sleep/: canceling statement due to statement timeout"
    ]
    record("statement-timeout", timeout_ms=300, answered_ms=round(elapsed * 1000), status=504)


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_query_cancelled_outside_the_api_answers_plain_504(client):
    client.raise_request_exception = False
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 300")
    response = client.get("/sleep/")

    assert response.status_code == 504
    assert response["Content-Type"].startswith("text/plain")


def show_statement_timeout(entry_point: str, database_url: str, **env: str) -> str:
    script = (
        f"{entry_point};"
        "from django.db import connection;"
        "cursor = connection.cursor(); cursor.execute('SHOW statement_timeout');"
        "print(cursor.fetchone()[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "DESK_STATEMENT_TIMEOUT_MS"},
            "DJANGO_SETTINGS_MODULE": "libya.settings",
            "DATABASE_URL": database_url,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.stdout.strip() or result.stderr[-2000:]


def test_statement_timeout_bounds_web_processes_only(test_database_url):
    web = "import libya.wsgi"
    asgi = "import libya.asgi"
    command = "import django; django.setup()"  # what manage.py does before any command
    url = test_database_url

    assert show_statement_timeout(web, url) == "10s"
    assert show_statement_timeout(web, url, DESK_STATEMENT_TIMEOUT_MS="250") == "250ms"
    assert show_statement_timeout(asgi, url, DESK_STATEMENT_TIMEOUT_MS="250") == "250ms"
    assert show_statement_timeout(command, url, DESK_STATEMENT_TIMEOUT_MS="250") == "0"
    assert show_statement_timeout(web, url, DESK_STATEMENT_TIMEOUT_MS="0") == "0"


def terminate(application_name: str) -> int:
    """pg_terminate_backend() on the named connections, from a connection of its own.

    It waits (up to 5 s) until each backend has exited: without a timeout it returns once
    the signal is sent, and a request made at once may still find the backend alive."""
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as admin:
        found = admin.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
            "WHERE application_name = %s",
            [application_name],
        ).fetchone()
    return found[0]


@pytest.mark.usefixtures("django_db_setup")
def test_a_connection_the_server_ended_between_requests_is_replaced_unseen():
    """The health check reads an idle connection's socket instead of asking the server
    (libya/postgresql); a connection the server ended is still found, and replaced."""
    name = "desk-fault-terminated"
    host = connection.get_connection_params()["host"]
    url = f"{database_url(host, connection.settings_dict['NAME'])}&application_name={name}"
    client = Client(url)
    try:
        before = client.get("/api/v1/actors/khalifa-haftar/")
        ended = terminate(name)
        after = client.get("/api/v1/actors/khalifa-haftar/")
    finally:
        client.close()

    assert ended == 1
    assert before[0] == after[0] == 200, after


@pytest.mark.django_db
def test_an_idle_connection_is_healthy_until_the_server_speaks():
    name = "desk-fault-idle"
    options = {**connection.settings_dict["OPTIONS"], "application_name": name}
    wrapper = type(connections["default"])({**connection.settings_dict, "OPTIONS": options})
    try:
        wrapper.ensure_connection()
        assert wrapper.idle_and_silent()

        assert terminate(name) == 1
        deadline = time.monotonic() + 5
        while wrapper.idle_and_silent() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not wrapper.idle_and_silent()

        wrapper.health_check_done = False
        wrapper.close_if_health_check_failed()  # Django's SELECT 1 then fails: closed
        assert wrapper.connection is None
    finally:
        wrapper.close()
