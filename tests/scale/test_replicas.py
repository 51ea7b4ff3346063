"""Read replicas, for real: a streaming standby of the test server, gunicorn in front.

Replay on the standby is paused while the primary changes, so that which
database answered shows in the answer itself: the standby's is the older.
"""

import contextlib
import json
import time
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.utils.text import slugify

from tests.security.test_outage_under_load import (
    ADD_ACTOR,
    collect_static,
    create_editor,
    editor_browser,
)
from tests.security.webclient import Browser
from tests.servers import gunicorn

# The test database must exist before the standby copies the server.
pytestmark = pytest.mark.django_db
SLUG = "khalifa-haftar"
TIMEOUT = 15


@pytest.fixture(scope="module")
def replicated(streaming_replica) -> Iterator[tuple[str, str]]:
    """A copy of the test database for this module, on the primary and on the standby.

    The module's writes are committed by gunicorn, outside any test transaction:
    the copy keeps them from the other tests. Yields (primary DSN, standby DSN).
    """
    params = connection.get_connection_params()
    name = f"{connection.settings_dict['NAME']}_replicas"
    primary = psycopg.conninfo.make_conninfo(
        dbname=name, user=params["user"], host=params["host"], port=params.get("port", 5432)
    )
    socket_dir, port = streaming_replica
    standby = psycopg.conninfo.make_conninfo(
        dbname=name, user=params["user"], host=socket_dir, port=port
    )
    connection.close()  # CREATE DATABASE ... TEMPLATE needs its source idle
    with admin(primary) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{connection.settings_dict["NAME"]}"')
    try:
        wait_for(lambda: database_exists(standby), "the copy to reach the standby")
        yield primary, standby
    finally:
        with admin(primary) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def admin(dsn: str) -> psycopg.Connection:
    return psycopg.connect(dsn, dbname="postgres", autocommit=True)


def database_exists(dsn: str) -> bool:
    try:
        psycopg.connect(dsn, connect_timeout=2).close()
    except psycopg.OperationalError:
        return False
    return True


def wait_for(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def url(dsn: str) -> str:
    """A DATABASE_URL for django-environ from a libpq DSN with a socket directory."""
    p = psycopg.conninfo.conninfo_to_dict(dsn)
    return f"postgres://{p['user']}@/{p['dbname']}?host={p['host']}&port={p['port']}"


@contextlib.contextmanager
def replay_paused(standby: str, primary: str) -> Iterator[psycopg.Connection]:
    """Replay stopped on the standby; yields an autocommit connection to the primary.

    On exit, replay resumes and the standby catches up with the primary.
    """
    with psycopg.connect(standby, autocommit=True) as replica:
        replica.execute("SELECT pg_wal_replay_pause()")
        try:
            with psycopg.connect(primary, autocommit=True) as conn:
                yield conn
                (target,) = conn.execute("SELECT pg_current_wal_lsn()").fetchone()
        finally:
            replica.execute("SELECT pg_wal_replay_resume()")
        wait_for(
            lambda: replica.execute("SELECT pg_last_wal_replay_lsn() >= %s", [target]).fetchone()[
                0
            ],
            "the standby to catch up",
        )


def received(standby: str, primary: psycopg.Connection) -> None:
    """Wait until the standby has received (not replayed) all the primary wrote so far."""
    (target,) = primary.execute("SELECT pg_current_wal_lsn()").fetchone()
    with psycopg.connect(standby, autocommit=True) as replica:
        wait_for(
            lambda: replica.execute("SELECT pg_last_wal_receive_lsn() >= %s", [target]).fetchone()[
                0
            ],
            "the standby to receive the change",
        )


def serve(primary: str, standby: str, log: Path, **settings: str):
    env = {
        "DATABASE_URL": url(primary),
        "DATABASE_REPLICA_URLS": url(standby),
        "DESK_REPLICA_CHECK_SECONDS": "0",
        **settings,
    }
    return gunicorn(env, log, "--workers", "1", "--threads", "2")


def get_json(browser: Browser, path: str) -> tuple[int, dict]:
    answer = browser.request("GET", path, keep=None)
    return answer.status, json.loads(answer.body) if answer.body else {}


def actor_name(browser: Browser) -> str:
    status, body = get_json(browser, f"/api/v1/actors/{SLUG}/")
    assert status == HTTPStatus.OK, body
    return body["name"]


def test_api_reads_come_from_the_replica_until_it_lags_past_the_bound(replicated, tmp_path):
    primary, standby = replicated
    with replay_paused(standby, primary) as conn:
        (before,) = conn.execute("SELECT name FROM desk_actor WHERE slug = %s", [SLUG]).fetchone()
        conn.execute("UPDATE desk_actor SET name = name || ' (bis)' WHERE slug = %s", [SLUG])
        received(standby, conn)

        with serve(
            primary, standby, tmp_path / "a.log", DESK_REPLICA_MAX_LAG_SECONDS="3600"
        ) as port:
            reader = Browser(port, TIMEOUT)
            from_replica = actor_name(reader)
            listed = get_json(reader, f"/api/v1/actors/?search={SLUG.split('-')[1]}")
            health = get_json(reader, "/healthz")

        time.sleep(1.5)  # replay has been paused for longer than the next bound
        with serve(primary, standby, tmp_path / "b.log", DESK_REPLICA_MAX_LAG_SECONDS="1") as port:
            reader = Browser(port, TIMEOUT)
            from_primary = actor_name(reader)
            lagging = get_json(reader, "/healthz")
        conn.execute("UPDATE desk_actor SET name = %s WHERE slug = %s", [before, SLUG])

    assert from_replica == before
    assert listed[0] == HTTPStatus.OK
    assert [row["name"] for row in listed[1]["results"] if row["slug"] == SLUG] == [before]
    assert health == (
        HTTPStatus.OK,
        {"status": "ok", "database": "ok", "replicas": {"replica1": "ok"}},
    )
    assert from_primary == f"{before} (bis)"
    assert lagging == (
        HTTPStatus.OK,
        {"status": "ok", "database": "ok", "replicas": {"replica1": "lagging"}},
    )


def test_a_client_that_has_just_written_reads_its_write(replicated, tmp_path):
    primary, standby = replicated
    collect_static()
    create_editor(psycopg.conninfo.conninfo_to_dict(primary)["dbname"], "replica-editor", "x" * 24)
    name = "Acteur écrit pendant la pause"
    with (
        replay_paused(standby, primary),
        serve(
            primary,
            standby,
            tmp_path / "c.log",
            DESK_REPLICA_MAX_LAG_SECONDS="3600",
            DESK_READ_YOUR_WRITES_SECONDS="3",
        ) as port,
    ):
        editor, form = editor_browser(port, "replica-editor", "x" * 24)
        time.sleep(3.5)  # the sign-in's own mark runs out first
        added = editor.post(
            ADD_ACTOR,
            {**form, "name": name, "slug": slugify(name), "kind": "person", "_save": "1"},
        )
        own = editor.get(f"/api/v1/actors/{slugify(name)}/").status
        others = Browser(port, TIMEOUT).get(f"/api/v1/actors/{slugify(name)}/").status
        time.sleep(3.5)
        own_later = editor.get(f"/api/v1/actors/{slugify(name)}/").status

    assert added.status == HTTPStatus.FOUND, added
    assert own == HTTPStatus.OK  # from the primary: the editor has just written
    assert others == HTTPStatus.NOT_FOUND  # from the replica, which has not replayed it
    assert own_later == HTTPStatus.NOT_FOUND  # the mark has expired: back to the replica
