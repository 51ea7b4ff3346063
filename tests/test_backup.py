"""Backup round trip: dump the test database (the curated corpus), restore it into a new
database, and find no difference in any table or in any page of any API list."""

import io
import json
import os
import subprocess
import sys
import time
from itertools import zip_longest
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.core.management import call_command

from libya import backup
from tests.scoreboard import record
from tests.snapshots import table_fingerprints

ROOT = Path(__file__).resolve().parent.parent
MISSING = object()


def renamed(database_url: str, name: str) -> str:
    return urlsplit(database_url)._replace(path=f"/{name}").geturl()


def start_snapshot(database_url: str, output: Path) -> subprocess.Popen:
    """A Django process of its own reading `database_url` (tests/snapshots.py)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.snapshots", str(output)],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "libya.settings",
            "DATABASE_URL": database_url,
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "DJANGO_SECURE_SSL": "false",
            "DESK_ANON_RATE": "1000000/minute",
        },
    )


def snapshots(*database_urls: str, directory: Path) -> list[dict]:
    """Snapshots of several databases, taken in parallel."""
    outputs = [directory / f"snapshot-{i}.json" for i in range(len(database_urls))]
    processes = [start_snapshot(url, out) for url, out in zip(database_urls, outputs, strict=True)]
    for process in processes:
        assert process.wait(timeout=300) == 0
    return [json.loads(out.read_text()) for out in outputs]


def differing(records: list, others: list) -> int:
    """Records that differ position by position, a missing or extra one counting as one."""
    pairs = zip_longest(records, others, fillvalue=MISSING)
    return sum(1 for a, b in pairs if a != b)


@pytest.fixture
def restored_url(test_database_url):
    """URL of a database that does not exist yet, dropped again after the test."""
    name = urlsplit(test_database_url).path.lstrip("/") + "_restored"
    url = renamed(test_database_url, name)
    backup.drop_database(backup.url_params(url))  # left over by an interrupted run
    yield url
    backup.drop_database(backup.url_params(url))


# django_db makes pytest-django set up the test database even when this test runs alone;
# nothing is written through the test's connection.
@pytest.mark.reliability
@pytest.mark.django_db
def test_backup_restores_into_a_new_database_with_no_difference(
    test_database_url, restored_url, tmp_path
):
    archive, out = tmp_path / "desk.dump", io.StringIO()
    start = time.perf_counter()
    call_command("backup", output=archive, stdout=out)
    backup_seconds = time.perf_counter() - start
    start = time.perf_counter()
    call_command(
        "restore", archive, database_url=restored_url, create=True, interactive=False, stdout=out
    )
    restore_seconds = time.perf_counter() - start

    original, restored = snapshots(test_database_url, restored_url, directory=tmp_path)

    responses = original["responses"]
    lists = sorted({page["path"] for page in responses.values() if page["list"]})
    assert {status for page in responses.values() for status in page["statuses"]} == {200}
    assert "/api/v1/claims/" in lists
    assert len(responses["/api/v1/claims/"]["records"]) > 50
    for page in responses.values():
        if page.get("count") is not None:  # every page was walked: the records add up
            assert len(page["records"]) == page["count"]
    assert sorted(restored["responses"]) == sorted(responses)
    records_differ = sum(
        differing(page["records"], restored["responses"][key]["records"])
        for key, page in responses.items()
    )
    assert records_differ == 0
    tables_differ = [
        table
        for table, fingerprint in original["tables"].items()
        if restored["tables"].get(table) != fingerprint
    ]
    assert tables_differ == []
    assert sorted(restored["tables"]) == sorted(original["tables"])
    assert any(
        table.startswith("desk_") and table.endswith("history") for table in original["tables"]
    )

    record(
        "backup-restore",
        endpoints=len(lists),
        endpoint_names=lists,
        requests=sum(len(page["statuses"]) for page in responses.values()),
        pages=sum(len(page["statuses"]) for page in responses.values() if page["list"]),
        records_compared=sum(len(page["records"]) for page in responses.values()),
        records_differ=records_differ,
        tables=len(original["tables"]),
        rows_compared=sum(count for count, _ in original["tables"].values()),
        tables_differ=len(tables_differ),
        dump_bytes=archive.stat().st_size,
        backup_seconds=round(backup_seconds, 2),
        restore_seconds=round(restore_seconds, 2),
    )


@pytest.mark.django_db
def test_client_older_than_the_server_is_refused(monkeypatch, tmp_path, test_database_url):
    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 12.22'\n")
    old.chmod(0o755)
    monkeypatch.setattr(backup, "find_program", lambda name, host: old)

    with pytest.raises(backup.BackupError, match=r"PostgreSQL 12, older than the server \(\d+\)"):
        backup.backup(tmp_path / "x.dump", backup.url_params(test_database_url))

    assert list(tmp_path.iterdir()) == [old]  # no archive, not even a partial one


def fingerprints(params: dict[str, str]) -> dict[str, list]:
    with psycopg.connect(**params) as conn, conn.cursor() as cursor:
        return table_fingerprints(cursor)


def exists(params: dict[str, str]) -> bool:
    with psycopg.connect(**{**params, "dbname": "postgres"}) as conn:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        return conn.execute(query, [params["dbname"]]).fetchone() is not None


@pytest.mark.django_db
def test_restore_is_all_or_nothing(test_database_url, restored_url, tmp_path):
    archive, truncated = tmp_path / "desk.dump", tmp_path / "truncated.dump"
    backup.backup(archive, backup.url_params(test_database_url))
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    params = backup.url_params(restored_url)

    with pytest.raises(backup.BackupError, match="pg_restore failed"):
        backup.restore(truncated, params, create=True)
    assert not exists(params)  # the new database was dropped again

    backup.restore(archive, params, create=True)
    before = fingerprints(params)
    with pytest.raises(backup.BackupError, match="pg_restore failed"):
        backup.restore(truncated, params)
    after_failure = fingerprints(params)
    backup.restore(archive, params)  # over the existing database, as `make restore` does

    assert after_failure == before
    assert fingerprints(params) == before


def test_unreachable_server_is_named_in_the_error(tmp_path):
    params = {"dbname": "desk", "host": str(tmp_path), "port": "5432", "user": "postgres"}

    with pytest.raises(backup.BackupError, match=f"Cannot connect to desk on {tmp_path}:5432"):
        backup.backup(tmp_path / "x.dump", params)
