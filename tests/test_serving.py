"""Gunicorn's size against the database server: the desk.E002 check and the shared config."""

import runpy
from pathlib import Path

import pytest
from django.conf import settings

from libya.desk.checks import check_connection_budget

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def size(monkeypatch):
    def set_size(workers: str, threads: str) -> None:
        monkeypatch.setenv("WEB_CONCURRENCY", workers)
        monkeypatch.setenv("GUNICORN_THREADS", threads)

    return set_size


@pytest.mark.django_db
def test_the_default_size_fits(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)

    assert check_connection_budget(None, databases=["default"]) == []


@pytest.mark.django_db
def test_a_size_beyond_max_connections_is_an_error(size):
    size("50", "8")

    [error] = check_connection_budget(None, databases=["default"])

    assert error.id == "desk.E002"
    assert "400 database connections (50 workers x 8 threads)" in error.msg


@pytest.mark.django_db
def test_a_malformed_size_is_an_error(size):
    size("lots", "4")

    [error] = check_connection_budget(None, databases=["default"])

    assert error.id == "desk.E002"
    assert "WEB_CONCURRENCY" in error.msg


def test_the_check_needs_the_database_to_be_asked_for():
    assert check_connection_budget(None) == []


def test_gunicorn_config_reads_the_same_size(size):
    size("3", "5")

    config = runpy.run_path(str(ROOT / "libya" / "gunicorn.conf.py"))

    assert (config["workers"], config["threads"], config["worker_class"]) == (3, 5, "gthread")
    # A slow query is cancelled and answered 504 before gunicorn would kill its worker.
    assert config["timeout"] * 1000 > settings.DESK_STATEMENT_TIMEOUT_MS
