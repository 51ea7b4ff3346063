"""The desk's generation and the response cache keyed by it: never stale, still throttled."""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from http import HTTPStatus
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pghistory.models import Event as HistoryEvent

from libya.desk.models import (
    Actor,
    Alias,
    Claim,
    Deletion,
    DeskAPIKey,
    Generation,
    IdempotentRequest,
    JobError,
    Suggestion,
)
from libya.desk.models.preferences import EditorPreference
from libya.desk.responsecache import GENERATION_SQL
from tests.factories import ActorFactory

ROOT = Path(__file__).resolve().parent.parent
DETAIL = "/api/v1/actors/khalifa-haftar/"
LIST = "/api/v1/claims/?page_size=5"

pytestmark = pytest.mark.django_db


# Desk tables no API answer shows: writing them moves no generation.
UNSERVED = {Generation, Suggestion, JobError, DeskAPIKey, IdempotentRequest, EditorPreference}
WRITE = re.compile(r'^(?:DELETE FROM|UPDATE|INSERT INTO) "(\w+)"')


def generation() -> int:
    return Generation.objects.get(pk=1).number


def served_tables() -> set[str]:
    return {
        model._meta.db_table
        for model in apps.get_app_config("desk").get_models(include_auto_created=True)
        if not issubclass(model, HistoryEvent) and model not in UNSERVED
    }


# The generation


def test_every_desk_table_moves_the_generation_once_per_statement():
    tables = served_tables()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE 'pgtrigger_%%_generation_%%' AND (t.tgtype & 1) = 0"
        )
        statement_level = {row[0] for row in cursor.fetchall()}

    assert len(tables) == 12
    assert statement_level == tables


def test_a_bulk_write_costs_one_bump_and_a_trigger_s_own_writes_none():
    before = generation()
    Claim.objects.filter(pk__in=Claim.objects.values("pk")[:10]).update(status="disputed")
    after_update = generation()
    actor = ActorFactory(slug="bump-probe")
    before_bulk = generation()
    Alias.objects.bulk_create([Alias(actor=actor, name=f"Alias {n}") for n in range(5)])
    after_bulk = generation()
    with CaptureQueriesContext(connection) as queries:
        Actor.objects.filter(pk=actor.pk).delete()
    tables = served_tables()
    writes = [q for q in queries if (m := WRITE.match(q["sql"])) and m.group(1) in tables]

    assert after_update == before + 1
    assert after_bulk == before_bulk + 1
    # One bump per statement Django sent (related rows, then the actor); the deletion
    # row that the actor's trigger wrote moved nothing.
    assert generation() - after_bulk == len(writes)
    assert Deletion.objects.filter(resource="actor", key="bump-probe").count() == 1


# Hits, 304s and what stays as it was


@pytest.mark.response_cache
def test_a_hit_costs_only_the_generation_read_and_answers_the_same(client):
    with CaptureQueriesContext(connection) as miss_queries:
        first = client.get(LIST)
    with CaptureQueriesContext(connection) as hit_queries:
        again = client.get(LIST)

    assert (first.status_code, again.status_code) == (200, 200)
    assert (first["X-Desk-Cache"], again["X-Desk-Cache"]) == ("miss", "hit")
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    assert again["Content-Type"] == first["Content-Type"]
    assert len(miss_queries) > 1
    assert [q["sql"] for q in hit_queries] == [GENERATION_SQL]


@pytest.mark.response_cache
def test_if_none_match_answers_304_from_the_generation_alone(client, settings):
    from django.core.cache import caches

    etag = client.get(DETAIL)["ETag"]
    caches[settings.DESK_RESPONSE_CACHE_ALIAS].clear()  # as in a process that never served it

    with CaptureQueriesContext(connection) as queries:
        again = client.get(DETAIL, headers={"if-none-match": etag})

    assert again.status_code == HTTPStatus.NOT_MODIFIED
    assert again.content == b""
    assert again["ETag"] == etag
    assert "max-age=60" in again["Cache-Control"]
    assert [q["sql"] for q in queries] == [GENERATION_SQL]


@pytest.mark.response_cache
def test_a_write_changes_the_answer_and_its_etag(client):
    actor = ActorFactory(slug="cache-change", description="avant")
    first = client.get("/api/v1/actors/cache-change/")
    Actor.objects.filter(pk=actor.pk).update(description="après")

    second = client.get("/api/v1/actors/cache-change/")
    conditional = client.get(
        "/api/v1/actors/cache-change/", headers={"if-none-match": first["ETag"]}
    )

    assert first.json()["description"] == "avant"
    assert second.json()["description"] == "après"
    assert second["ETag"] != first["ETag"]
    assert conditional.status_code == HTTPStatus.OK


@pytest.mark.response_cache
def test_csv_is_cached_apart_from_json(client):
    csv_first = client.get("/api/v1/actors/", headers={"accept": "text/csv"})
    body = b"".join(csv_first.streaming_content)
    as_json = client.get("/api/v1/actors/")
    with CaptureQueriesContext(connection) as queries:
        csv_again = client.get("/api/v1/actors/", headers={"accept": "text/csv"})

    assert (csv_first.status_code, csv_again.status_code, as_json.status_code) == (200, 200, 200)
    assert csv_again["X-Desk-Cache"] == "hit"
    assert csv_again.content == body
    assert csv_again["Content-Type"].startswith("text/csv")
    assert len(queries) == 1
    assert as_json["Content-Type"] == "application/json"
    assert as_json["X-Desk-Cache"] == "miss"


@pytest.mark.response_cache
def test_errors_are_never_cached(client):
    answers = [client.get("/api/v1/events/", {"date_after": "demain"}) for _ in range(2)]

    assert [a.status_code for a in answers] == [400, 400]
    assert all("no-store" in a["Cache-Control"] for a in answers)
    assert all("X-Desk-Cache" not in a for a in answers)


@pytest.mark.response_cache
def test_signed_in_readers_bypass_the_cache(admin_client):
    answers = [admin_client.get(DETAIL) for _ in range(2)]

    assert [a.status_code for a in answers] == [200, 200]
    assert all("X-Desk-Cache" not in a for a in answers)


@pytest.mark.response_cache
@pytest.mark.throttled
def test_hits_are_throttled_like_any_request(client, settings):
    from django.core.cache import cache

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "key": "5/hour"},
    }
    cache.clear()

    answers = [client.get(DETAIL) for _ in range(4)]
    cache.clear()

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.get("X-Desk-Cache") for a in answers[:3]] == ["miss", "hit", "hit"]
    assert 0 < int(answers[3]["Retry-After"]) <= 60


@pytest.mark.response_cache
def test_the_security_headers_come_with_hits_too(client):
    miss, hit = client.get(DETAIL), client.get(DETAIL)

    assert hit["X-Desk-Cache"] == "hit"
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"):
        assert hit[header] == miss[header]
    assert "Accept" in hit["Vary"]


# Readers and a writer together, against a live server with two processes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(database_url: str, port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "libya.wsgi:application"]
    command += ["-b", f"127.0.0.1:{port}", "-w", "2", "-k", "gthread", "--threads", "4"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "libya.settings",
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DESK_ANON_RATE": "100000000/s",
        "DESK_RESPONSE_CACHE": "true",
    }
    server = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError("the server did not start")


def _wait_for(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the readers stopped answering"
        time.sleep(0.005)


def test_no_reader_ever_gets_an_answer_older_than_an_acknowledged_write(test_database_url):
    """Writes commit on their own connection; readers check every answer against them.

    Each reader notes the last write acknowledged before it sent its request; the
    answer must show that write or a later one, whichever process and cache served it.
    """
    slug, writes = "cache-probe", 80
    writer = psycopg.connect(test_database_url, autocommit=True)
    writer.execute(
        "INSERT INTO desk_actor (name, slug, kind, description, country, created_at, "
        "updated_at, version) VALUES ('Sonde', %s, 'person', 'v0', 'ZZ', now(), now(), 1)",
        [slug],
    )
    port = _free_port()
    server = _serve(test_database_url, port)
    acknowledged, done, readings, problems = [0], threading.Event(), [], []
    urls = [f"/api/v1/actors/{slug}/", "/api/v1/actors/?country=ZZ&fields=slug,description"]

    def read(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = offset
        while not done.is_set():
            floor = acknowledged[0]
            conn.request("GET", urls[n % 2], headers={"Accept": "application/json"})
            response = conn.getresponse()
            body = json.loads(response.read())
            row = body["results"][0] if "results" in body else body
            seen = int(row["description"][1:])
            readings.append((floor, seen, response.getheader("X-Desk-Cache")))
            if seen < floor:
                problems.append((urls[n % 2], floor, seen))
            n += 1
        conn.close()

    readers = [threading.Thread(target=read, args=(n,)) for n in range(6)]
    try:
        for reader in readers:
            reader.start()
        _wait_for(lambda: len(readings) >= 20)
        for version in range(1, writes + 1):
            writer.execute(
                "UPDATE desk_actor SET description = %s WHERE slug = %s", [f"v{version}", slug]
            )
            acknowledged[0] = version
            # Let the readers answer a few requests between two writes.
            target = len(readings) + 6
            _wait_for(lambda: len(readings) >= target)  # noqa: B023 (called at once)
        time.sleep(0.2)
    finally:
        done.set()
        for reader in readers:
            reader.join(timeout=30)
        server.terminate()
        server.wait(timeout=30)
        actor_id = writer.execute("SELECT id FROM desk_actor WHERE slug = %s", [slug]).fetchone()[0]
        writer.execute("DELETE FROM desk_actor WHERE id = %s", [actor_id])
        writer.execute("DELETE FROM desk_deletion WHERE key = %s", [slug])
        writer.execute("DELETE FROM desk_actorhistory WHERE pgh_obj_id = %s", [actor_id])
        writer.close()

    hits = sum(1 for *_, status in readings if status == "hit")
    assert problems == []
    assert len(readings) > 6 * writes
    assert sum(1 for floor, seen, _ in readings if seen > floor) > 0  # reads overlapped writes
    assert hits > 0  # the cache did serve answers while the writes went on
    assert max(seen for _, seen, _ in readings) == writes
