"""Shared pytest fixtures: the curated corpus in the test database, API and editor clients."""

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient
from rest_framework.views import APIView

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "corpus.json"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the curated corpus once into the test database; each test then runs in a rollback.

    With --reuse-db the corpus is already there from an earlier session: loading
    it again would bump every record's version. After changing the fixture or
    the models, run once with --create-db.
    """
    from libya.desk.models import Article

    with django_db_blocker.unblock():
        if not Article.objects.exists():
            call_command("load_corpus", CORPUS, verbosity=0)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def _no_throttling(monkeypatch, request):
    """Anonymous throttling stays out of tests except those that test it.

    Views take DEFAULT_THROTTLE_CLASSES when their classes are defined, as DRF does.
    """
    if "throttled" not in request.keywords:
        monkeypatch.setattr(APIView, "throttle_classes", [])


@pytest.fixture(autouse=True)
def _empty_default_cache():
    """Each test starts with an empty default cache: what another test left there (a
    search term's estimate, over other rows) would change its queries."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _no_response_cache(settings, request):
    """The response cache stays out of tests except those that test it, which start empty.

    Otherwise every pinned query count would include the generation read, and an
    answer cached by one test could serve another whose rolled-back writes it never saw.
    """
    if "response_cache" in request.keywords:
        from django.core.cache import caches

        caches[settings.DESK_RESPONSE_CACHE_ALIAS].clear()
    else:
        settings.DESK_RESPONSE_CACHE = False


@pytest.fixture
def test_database_url(db) -> str:
    """DATABASE_URL of the test database, for tests that start another Django process.

    Through ``db``: pytest-django sets up only the databases that collected tests
    ask for, so without it a test run alone would be handed the development database.
    """
    from django.db import connection

    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    if db["HOST"]:
        return f"postgres://{user}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    socket = quote(db["OPTIONS"]["host"], safe="/")
    port = db["OPTIONS"].get("port", 5432)
    return f"postgres://{user}{password}@/{db['NAME']}?host={socket}&port={port}"


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server for the whole session (never mocked); stopped at its end."""
    from tests.servers import redis_server

    with redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def streaming_replica(django_db_setup, django_db_blocker) -> Iterator[tuple[str, int]]:
    """A real hot standby of the test server (pg_basebackup), for the session; then removed.

    After django_db_setup, so that it holds the test database and its corpus.
    Yields the replica's (socket directory, port).
    """
    from django.db import connection

    from tests.servers import streaming_replica

    with django_db_blocker.unblock():
        params = connection.get_connection_params()
    with streaming_replica(params["host"], params.get("port", 5432), params["user"]) as replica:
        yield replica


@pytest.fixture(scope="module")
def pgbouncer_port(django_db_setup, django_db_blocker) -> Iterator[int]:
    """A real PgBouncer in transaction mode before the test server, for one module.

    Not for the session: its idle server connections to the test database would
    stop later tests from copying it (CREATE DATABASE ... TEMPLATE).
    """
    from django.db import connection

    from tests.servers import pgbouncer

    with django_db_blocker.unblock():
        params = connection.get_connection_params()
    with pgbouncer(params["host"], params.get("port", 5432)) as port:
        yield port
