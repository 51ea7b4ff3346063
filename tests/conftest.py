"""Shared pytest fixtures: the curated corpus in the test database, API and editor clients."""

from pathlib import Path

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
