"""Through a real PgBouncer in transaction mode: settings per transaction, none left behind.

The pool holds one server connection per database, so every client gets the
server connection its predecessor used: anything a transaction left behind
would show in the next one.
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from http import HTTPStatus

import psycopg
import pytest
from django.db import OperationalError, connections, transaction
from django.db.backends.postgresql.base import DatabaseWrapper

from libya import pooling
from libya.desk.faults import fault_status
from tests.security.webclient import Browser
from tests.servers import ROOT, gunicorn

pytestmark = pytest.mark.django_db
ALIAS = "through_pgbouncer"


def bouncer_dsn(port: int) -> str:
    name = connections["default"].settings_dict["NAME"]
    return f"postgres://postgres@127.0.0.1:{port}/{name}"


def left_behind(port: int) -> str:
    """statement_timeout as the next client of the pool's server connection finds it."""
    with psycopg.connect(bouncer_dsn(port), autocommit=True) as conn:
        return conn.execute("SHOW statement_timeout").fetchone()[0]


@pytest.fixture
def pooled(pgbouncer_port, monkeypatch) -> Iterator[DatabaseWrapper]:
    """A Django connection through PgBouncer, as a web process behind it has (250 ms limit)."""
    monkeypatch.setattr(
        pooling,
        "per_transaction",
        {"pg_trgm.word_similarity_threshold": "0.5", "statement_timeout": "250"},
    )
    base = connections["default"].settings_dict
    wrapper = DatabaseWrapper(
        {
            **base,
            "HOST": "127.0.0.1",
            "PORT": pgbouncer_port,
            "OPTIONS": {"connect_timeout": 5},
            "ATOMIC_REQUESTS": False,
            "CONN_MAX_AGE": 0,
            "DISABLE_SERVER_SIDE_CURSORS": True,
        },
        ALIAS,
    )
    pooling.install(wrapper)
    connections[ALIAS] = wrapper
    yield wrapper
    wrapper.close()
    del connections[ALIAS]


def show(wrapper: DatabaseWrapper, *names: str) -> list[str]:
    with wrapper.cursor() as cursor:
        values = []
        for name in names:
            cursor.execute(f"SHOW {name}")
            values.append(cursor.fetchone()[0])
        return values


def test_a_statement_in_autocommit_carries_the_settings(pooled, pgbouncer_port):
    seen = show(pooled, "statement_timeout", "pg_trgm.word_similarity_threshold")
    with pooled.cursor() as cursor:
        cursor.execute("SELECT %s <%% %s", ["Miser", "Aref Misar"])  # 0.5: a match
        (misspelt_matches,) = cursor.fetchone()

    assert seen == ["250ms", "0.5"]
    assert misspelt_matches is True
    assert left_behind(pgbouncer_port) == "0"


def test_an_atomic_block_carries_them_from_its_first_statement(pooled, pgbouncer_port):
    with transaction.atomic(using=ALIAS):
        first = show(pooled, "statement_timeout")
        with pooled.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM desk_actor")
        last = show(pooled, "statement_timeout")

    assert first == last == ["250ms"]
    assert left_behind(pgbouncer_port) == "0"


def test_a_query_past_the_limit_is_cancelled_and_the_connection_recovers(pooled, pgbouncer_port):
    with pytest.raises(OperationalError) as cancelled, pooled.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(2)")

    assert fault_status(cancelled.value) == HTTPStatus.GATEWAY_TIMEOUT
    assert show(pooled, "statement_timeout") == ["250ms"]
    assert left_behind(pgbouncer_port) == "0"


def test_pooled_settings_turn_server_side_cursors_and_startup_options_off():
    script = (
        "import django, json; django.setup(); from django.conf import settings;"
        "d = settings.DATABASES['default'];"
        "print(json.dumps([d.get('DISABLE_SERVER_SIDE_CURSORS'), d['OPTIONS'].get('options')]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "libya.settings",
        "DESK_DB_TRANSACTION_POOLER": "true",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert json.loads(result.stdout) == [True, None], result.stderr


def test_gunicorn_serves_the_api_through_pgbouncer(pgbouncer_port, tmp_path):
    env = {
        "DATABASE_URL": bouncer_dsn(pgbouncer_port),
        "DESK_DB_TRANSACTION_POOLER": "true",
        "DESK_STATEMENT_TIMEOUT_MS": "5000",
    }
    paths = [
        "/healthz",
        "/api/v1/actors/",
        "/api/v1/actors/khalifa-haftar/",
        "/api/v1/actors/?search=Hafter",
        "/api/v1/articles/?search=n%C3%A9gociations",
        "/api/v1/claims/?format=csv",
        "/api/v1/events/?actor=khalifa-haftar",
    ]
    with gunicorn(env, tmp_path / "gunicorn.log", "--workers", "1", "--threads", "4") as port:
        browser = Browser(port, timeout=15)
        answers = {path: browser.request("GET", path, keep=None) for path in paths}

    assert {path: a.status for path, a in answers.items()} == dict.fromkeys(paths, 200)
    found = json.loads(answers["/api/v1/actors/?search=Hafter"].body)["results"]
    assert "khalifa-haftar" in [row["slug"] for row in found]
    assert answers["/api/v1/claims/?format=csv"].body.count("\n") > 10
    assert left_behind(pgbouncer_port) == "0"
    log = (tmp_path / "gunicorn.log").read_text()
    assert "Traceback" not in log, log[-3000:]
