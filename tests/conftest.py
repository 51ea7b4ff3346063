"""Shared pytest fixtures: the curated corpus in the test database, API and editor clients."""

from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "corpus.json"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the curated corpus once per test session; each test then runs in a rollback."""
    with django_db_blocker.unblock():
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
