"""Shared pytest fixtures: the curated corpus in the test database, API and editor clients."""

from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

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
            call_command("loaddata", CORPUS, verbosity=0)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def _no_throttling(settings, request):
    """Anonymous throttling stays out of tests except those that test it."""
    if "throttled" not in request.keywords:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_CLASSES": [],
        }


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
