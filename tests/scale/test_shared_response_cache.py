"""The response cache shared through Redis: one process's answer serves another, never stale."""

import http.client
import json

import psycopg
import pytest

from tests.servers import gunicorn

SLUG = "shared-cache-probe"
DETAIL = f"/api/v1/actors/{SLUG}/"


@pytest.fixture
def probe_actor(test_database_url):
    """An actor written and committed on a connection of its own, so that servers see it."""
    writer = psycopg.connect(test_database_url, autocommit=True)
    writer.execute(
        "INSERT INTO desk_actor (name, slug, kind, description, country, created_at, "
        "updated_at, version) VALUES ('Sonde', %s, 'person', 'v0', 'ZZ', now(), now(), 1)",
        [SLUG],
    )
    yield writer
    actor_id = writer.execute("SELECT id FROM desk_actor WHERE slug = %s", [SLUG]).fetchone()[0]
    writer.execute("DELETE FROM desk_actor WHERE id = %s", [actor_id])
    writer.execute("DELETE FROM desk_deletion WHERE key = %s", [SLUG])
    writer.execute("DELETE FROM desk_actorhistory WHERE pgh_obj_id = %s", [actor_id])
    writer.close()


def get(port: int, path: str) -> tuple[str, str]:
    """(description, X-Desk-Cache) of an anonymous GET."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    # One Host for both processes, as behind the proxy: links in answers are absolute, so
    # the host is part of an answer's key.
    headers = {"Accept": "application/json", "Host": "127.0.0.1"}
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    assert response.status == 200, body
    return body["description"], response.getheader("X-Desk-Cache")


def test_two_processes_share_answers_and_neither_serves_one_older_than_a_write(
    test_database_url, redis_url, probe_actor, tmp_path
):
    env = {
        "DATABASE_URL": test_database_url,
        "REDIS_URL": redis_url,
        "DESK_CACHE_PREFIX": f"shared-responses-{tmp_path.name}",
        "DESK_RESPONSE_CACHE": "true",
        "DESK_ANON_RATE": "100000/minute",
    }
    with (
        gunicorn(env, tmp_path / "a.log", "--workers", "1", "--threads", "2") as port_a,
        gunicorn(env, tmp_path / "b.log", "--workers", "1", "--threads", "2") as port_b,
    ):
        assert get(port_a, DETAIL) == ("v0", "miss")
        # The other process finds the first one's answer in Redis.
        assert get(port_b, DETAIL) == ("v0", "hit")

        probe_actor.execute(
            "UPDATE desk_actor SET description = 'v1' WHERE slug = %s", [SLUG]
        )  # acknowledged: committed

        # Neither process serves the answer cached before the write.
        assert get(port_b, DETAIL) == ("v1", "miss")
        assert get(port_a, DETAIL) == ("v1", "hit")
