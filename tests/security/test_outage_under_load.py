"""Database down for 10 s under load, for real (issue 7, Faults).

gunicorn serves the app with production settings; its DATABASE_URL goes through
a relay that the test cuts for ten seconds while API readers and admin writers
keep their keep-alive connections busy. What the clients saw is then checked
against the promise (503 JSON with Retry-After, no hang, back as soon as it returns)
and against the database itself (no acknowledged write lost, none duplicated).
"""

import contextlib
import itertools
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils.text import slugify
from scoreboard import record

from tests.security.relay import SocketRelay
from tests.security.webclient import Answer, Browser, hidden_fields

ROOT = Path(__file__).resolve().parents[2]
ADMIN = f"/{settings.ADMIN_PATH}"
ADD_ACTOR = f"{ADMIN}desk/actor/add/"
OUTAGE_SECONDS = 10
LOAD_BEFORE, LOAD_AFTER = 3, 8  # seconds of load on each side of the outage
CONNECT_TIMEOUT = 2  # DESK_DB_CONNECT_TIMEOUT; libpq treats anything lower as 2 s
REQUEST_TIMEOUT = 15  # a client gives up here: a hung request shows as a failed one
READERS, WRITERS = 4, 2
READS = [
    "/api/v1/actors/",
    "/api/v1/actors/khalifa-haftar/",
    "/api/v1/articles/?search=" + quote("négociations"),
    "/api/v1/events/?actor=khalifa-haftar",
    "/api/v1/claims/?status=verified",
]
# As bench/run.py serves the API under load.
GUNICORN = ["-w", "2", "-k", "gthread", "--threads", "4", "--keep-alive", "30"]


@dataclass
class Outage:
    """Every answer of the run, and when the database went away and came back."""

    answers: list[Answer]
    down: float = 0.0
    up: float = 0.0

    def reads(self) -> list[Answer]:
        return [a for a in self.answers if a.method == "GET"]

    def writes(self) -> list[Answer]:
        return [a for a in self.answers if a.method == "POST"]

    def during(self, answers: list[Answer]) -> list[Answer]:
        """Requests made and answered while the database was away."""
        return [a for a in answers if a.start >= self.down and a.end <= self.up]

    def overlapping(self) -> list[Answer]:
        return [a for a in self.answers if a.end >= self.down and a.start <= self.up]

    def after(self) -> list[Answer]:
        return [a for a in self.answers if a.start >= self.up]

    def recovery_seconds(self) -> float:
        """From the database's return to the end of the first successful API read."""
        ok = [a.end for a in self.after() if a.method == "GET" and a.status == 200]
        return min(ok, default=float("inf")) - self.up


@pytest.fixture(scope="module")
def outage_database(django_db_setup) -> Iterator[str]:
    """A copy of the test database for this module alone, dropped afterwards.

    The load commits hundreds of actors, with their history rows, through a
    server outside any test transaction; a copy keeps them away from the other
    tests, and copying a template takes a second where migrating takes many.
    Module scope makes the copy before the test's own transaction opens a
    connection to the source, which CREATE DATABASE ... TEMPLATE would refuse.
    """
    source = connection.settings_dict["NAME"]
    name = f"{source}_outage"
    connection.close()  # CREATE DATABASE ... TEMPLATE needs its source idle
    with server() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    try:
        yield name
    finally:
        with server() as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def server(dbname: str = "postgres") -> psycopg.Connection:
    params = connection.get_connection_params()
    keys = ("user", "password", "host", "port")
    return psycopg.connect(
        dbname=dbname, autocommit=True, **{k: params[k] for k in keys if k in params}
    )


def create_editor(dbname: str, username: str, password: str) -> None:
    """A staff account whose rights come from the Editors group only, as editors have."""
    with server(dbname) as conn:
        (user_id,) = conn.execute(
            "INSERT INTO auth_user (username, password, is_staff, is_active, is_superuser,"
            " first_name, last_name, email, date_joined)"
            " VALUES (%s, %s, true, true, false, '', '', '', now()) RETURNING id",
            [username, make_password(password)],
        ).fetchone()
        conn.execute(
            "INSERT INTO auth_user_groups (user_id, group_id)"
            " SELECT %s, id FROM auth_group WHERE name = 'Editors'",
            [user_id],
        )


def stored_actors(dbname: str, prefix: str) -> dict[str, tuple[int, int]]:
    """name → (actor rows, their aliases of that name) for the actors this run posted."""
    with server(dbname) as conn:
        rows = conn.execute(
            "SELECT actor.name, count(DISTINCT actor.id), count(alias.id) FROM desk_actor actor"
            " LEFT JOIN desk_alias alias ON alias.actor_id = actor.id AND alias.name = actor.name"
            " WHERE actor.name LIKE %s GROUP BY actor.name",
            [prefix + "%"],
        ).fetchall()
    return {name: (actors, aliases) for name, actors, aliases in rows}


@contextlib.contextmanager
def relayed(dbname: str) -> Iterator[tuple[SocketRelay, str]]:
    """A relay in front of the PostgreSQL server, and a DATABASE_URL for `dbname` through it."""
    params = connection.get_connection_params()
    directory = Path(tempfile.mkdtemp(prefix="pg-relay-"))
    relay = SocketRelay(directory / ".s.PGSQL.5432", params["host"], params.get("port") or 5432)
    password = f":{quote(params['password'], safe='')}" if params.get("password") else ""
    user = quote(params.get("user") or "", safe="")
    relay.up()
    try:
        yield relay, f"postgres://{user}{password}@/{dbname}?host={directory}&port=5432"
    finally:
        if relay.serving.is_set():
            relay.down()
        directory.rmdir()


@contextlib.contextmanager
def gunicorn(database_url: str, log: Path) -> Iterator[int]:
    """The app under production settings on a free loopback port; stopped on exit."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL": "false",  # plain HTTP on loopback
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_CONN_MAX_AGE": "600",
        "DESK_DB_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
        "DESK_ANON_RATE": "100000000/s",  # throttling stays on, out of the load's reach
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "gunicorn", "libya.wsgi:application"]
    command += ["-b", f"127.0.0.1:{port}", *GUNICORN]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_healthy(process, port, log)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(process: subprocess.Popen, port: int, log: Path) -> None:
    browser = Browser(port, timeout=5)
    for _ in range(300):
        assert process.poll() is None, log.read_text()[-3000:]
        if browser.get("/healthz").status == 200:
            return
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer /healthz: {log.read_text()[-3000:]}")


def collect_static() -> None:
    """Admin pages need the static manifest when DEBUG is off; the Dockerfile builds it too.

    Run every time (it copies only what changed): a manifest left by an earlier checkout
    would lack newer files, and pages naming them would fail.
    """
    manage = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
    subprocess.run(manage, cwd=ROOT, check=True, env={**os.environ, "DJANGO_DEBUG": "false"})


def editor_browser(port: int, username: str, password: str) -> tuple[Browser, dict[str, str]]:
    """Sign in through the admin login form, then open the add-actor form once, as an editor does.

    The form's hidden fields (CSRF token, inline management forms) are then
    posted again and again with a new name each time, like "Save and add another".
    """
    browser = Browser(port, REQUEST_TIMEOUT)
    login = hidden_fields(browser.page(f"{ADMIN}login/"), "login-form")
    signed_in = browser.post(
        f"{ADMIN}login/", {**login, "username": username, "password": password}
    )
    assert signed_in.status == 302, signed_in
    return browser, hidden_fields(browser.page(ADD_ACTOR), "actor_form")


def read_api(browser: Browser, answers: list[Answer], stop: threading.Event) -> None:
    for path in itertools.cycle(READS):
        if stop.is_set():
            return
        answers.append(browser.get(path))


def write_actors(
    browser: Browser, form: dict, prefix: str, numbers: Iterator[int], answers: list, stop
) -> None:
    """Post new actors, each named `prefix` and a number of its own, until `stop` is set."""
    while not stop.is_set():
        name = f"{prefix}{next(numbers)}"
        fields = {**form, "name": name, "slug": slugify(name), "kind": "person", "_save": "1"}
        answers.append(replace(browser.post(ADD_ACTOR, fields), name=name))


def run_load(port: int, relay: SocketRelay, writer: tuple[Browser, dict], prefix: str) -> Outage:
    """Readers and writers for LOAD_BEFORE s, the database cut for OUTAGE_SECONDS, then more."""
    outage, stop = Outage([]), threading.Event()
    numbers = itertools.count()  # unlike a generator, safe to share between threads
    browser, form = writer
    threads = [
        threading.Thread(
            target=read_api, args=[Browser(port, REQUEST_TIMEOUT), outage.answers, stop]
        )
        for _ in range(READERS)
    ]
    for _ in range(WRITERS):
        tab = Browser(port, REQUEST_TIMEOUT)
        tab.cookies = dict(browser.cookies)  # the same editor in another tab
        threads.append(
            threading.Thread(
                target=write_actors, args=[tab, form, prefix, numbers, outage.answers, stop]
            )
        )
    for thread in threads:
        thread.start()
    time.sleep(LOAD_BEFORE)
    relay.down()
    outage.down = time.monotonic()
    time.sleep(OUTAGE_SECONDS)
    relay.up()
    outage.up = time.monotonic()  # a request started from here on finds the database up
    time.sleep(LOAD_AFTER)
    stop.set()
    for thread in threads:
        thread.join(REQUEST_TIMEOUT + 5)
    return outage


def check_answers(outage: Outage) -> None:
    """503 JSON with Retry-After while the database is away, no hang, back by itself."""
    reads, writes = outage.reads(), outage.writes()
    # The load was real on both sides of the outage.
    assert any(a.status == 302 and a.end < outage.down for a in writes)
    assert any(a.status == 302 and a.start > outage.up for a in writes)
    # No connection dropped, no 5xx but 503.
    assert [a for a in outage.answers if a.status is None] == []
    assert [a for a in reads if a.status not in (200, 503)] == []
    assert [a for a in writes if a.status not in (302, 503)] == []

    during_reads, during_writes = outage.during(reads), outage.during(writes)
    assert len(during_reads) > 10
    assert len(during_writes) > 10
    assert {(a.status, a.content_type, a.retry_after) for a in during_reads} == {
        (503, "application/json", "5")
    }
    assert {json.loads(a.body)["status"] for a in during_reads} == {503}
    # The admin: a plain 503 page, not a 500 traceback.
    assert {(a.status, a.content_type, a.retry_after) for a in during_writes} == {
        (503, "text/plain", "5")
    }

    # Recovered by itself, at once: every request started once the database was back
    # succeeded. How long requests took is recorded, not asserted (a wall-clock bound
    # fails on a loaded machine); a hung request would show as a client timeout above.
    assert [a for a in outage.after() if a.status not in (200, 302)] == []
    assert any(a.status == 200 for a in outage.after())


def check_writes(outage: Outage, stored: dict[str, tuple[int, int]]) -> dict[str, int]:
    """Every acknowledged write stored once; the others absent or stored once, never half."""
    posted = outage.writes()
    acknowledged = {a.name for a in posted if a.status == 302}
    assert {a.location for a in posted if a.status == 302} == {f"{ADMIN}desk/actor/"}
    lost = acknowledged - stored.keys()
    duplicated = {name for name, (actors, _) in stored.items() if actors > 1}
    assert lost == set()
    assert duplicated == set()
    assert stored.keys() <= {a.name for a in posted}
    # ATOMIC_REQUESTS: an actor is stored with the alias its request also wrote, or not at all.
    assert {name: aliases for name, (_, aliases) in stored.items() if aliases != 1} == {}
    return {
        "writes_attempted": len(posted),
        "writes_acknowledged": len(acknowledged),
        "writes_present": len(stored),
        "writes_unacknowledged_present": len(stored.keys() - acknowledged),
        "writes_lost": len(lost),
        "writes_duplicated": len(duplicated),
    }


@pytest.mark.slow
@pytest.mark.reliability
@pytest.mark.django_db  # only so that pytest-django sets the test database up for the copy
def test_database_down_for_10_s_under_load(outage_database, tmp_path):
    collect_static()
    username, password, prefix = "outage-editor", secrets.token_urlsafe(12), "Outage actor "
    create_editor(outage_database, username, password)
    with relayed(outage_database) as (relay, url), gunicorn(url, tmp_path / "gunicorn.log") as port:
        outage = run_load(port, relay, editor_browser(port, username, password), prefix)

    check_answers(outage)
    writes = check_writes(outage, stored_actors(outage_database, prefix))

    statuses = [a.status for a in outage.answers]
    record(
        "outage",
        outage_seconds=OUTAGE_SECONDS,
        requests=len(statuses),
        answers_503=statuses.count(503),
        answers_503_after_return=len([a for a in outage.after() if a.status == 503]),
        server_errors_5xx_other=len([s for s in statuses if s and s >= 500 and s != 503]),
        max_latency_during_outage_ms=round(max(a.seconds for a in outage.overlapping()) * 1000),
        recovery_seconds=round(outage.recovery_seconds(), 2),
        **writes,
    )
