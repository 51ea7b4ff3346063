"""Imports and background enrichment as real processes: workers on the Postgres queue, faults.

Workers and imports are separate processes that commit, so they run against a copy
of the test database made for this module (as the outage test does) and the test
reads the copy over its own connection.
"""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
TASK = "desk.enrich_article"
# Fast heartbeats, so that a killed worker is found stalled within seconds.
FAST = {
    "DESK_WORKER_HEARTBEAT_SECONDS": "0.5",
    "DESK_WORKER_STALLED_SECONDS": "2",
    "DESK_STALLED_JOB_CRON": "* * * * * */2",
}
TEXT = (
    "Le maréchal Khalifa Haftar a rencontré le chef du gouvernement à Benghazi, selon un "
    "communiqué publié mardi soir.\n\nLes deux hommes ont évoqué la reprise du dialogue."
)

pytestmark = pytest.mark.django_db


def server(dbname: str = "postgres") -> psycopg.Connection:
    params = connection.get_connection_params()
    keys = ("user", "password", "host", "port")
    return psycopg.connect(
        dbname=dbname, autocommit=True, **{k: params[k] for k in keys if k in params}
    )


@pytest.fixture(scope="module")
def queue_database(django_db_setup, django_db_blocker) -> Iterator[str]:
    """A copy of the test database for this module alone, dropped afterwards."""
    with django_db_blocker.unblock():
        source = connection.settings_dict["NAME"]
        name = f"{source}_workers"
        connection.close()  # CREATE DATABASE ... TEMPLATE needs its source idle
        with server() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        try:
            yield name
        finally:
            with server() as conn:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def queue_url(queue_database, test_database_url) -> str:
    return urlsplit(test_database_url)._replace(path=f"/{queue_database}").geturl()


def environment(database_url: str, **extra: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "libya.settings",
        "DATABASE_URL": database_url,
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_SECURE_SSL": "false",
        **FAST,
        **extra,
    }


def manage(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment(database_url),
        capture_output=True,
        text=True,
        timeout=300,
    )


def write_feed(path: Path, prefix: str, count: int) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for n in range(count):
            record = {"source_id": f"{prefix}/{n}", "title": f"Dépêche {prefix} {n}", "text": TEXT}
            handle.write(json.dumps(record) + "\n")
    return path


def start_worker(database_url: str, log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(
        [sys.executable, "manage.py", "procrastinate", "worker"],
        cwd=ROOT,
        env=environment(database_url),
        stdout=handle,
        stderr=subprocess.STDOUT,
    )


def stop(*workers: subprocess.Popen) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def import_feed(database_url: str, path: Path, prefix: str, count: int) -> list[int]:
    """Import `count` articles through the command; the ids of their articles."""
    write_feed(path, prefix, count)
    done = manage(database_url, "import_articles", str(path), "--no-progress")
    assert done.returncode == 0, done.stderr
    assert f"created: {count}," in done.stdout
    with server(urlsplit(database_url).path.lstrip("/")) as conn:
        rows = conn.execute(
            "SELECT id FROM desk_article WHERE source LIKE %s ORDER BY id", [f"{prefix}/%"]
        ).fetchall()
    return [row[0] for row in rows]


def jobs_of(conn: psycopg.Connection, article_ids: list[int]) -> list[tuple]:
    return conn.execute(
        "SELECT id, status, attempts FROM procrastinate_jobs "
        "WHERE task_name = %s AND args->>'article_id' = ANY(%s) ORDER BY id",
        [TASK, [str(article_id) for article_id in article_ids]],
    ).fetchall()


def wait_until(condition, timeout: float = 120.0, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(every)
    raise AssertionError(f"not reached in {timeout} s")


def events(conn: psycopg.Connection, job_id: int) -> list[str]:
    rows = conn.execute(
        "SELECT type FROM procrastinate_events WHERE job_id = %s ORDER BY id", [job_id]
    ).fetchall()
    return [row[0] for row in rows]


def started_by(log: Path) -> set[int]:
    """Ids of the enrichment jobs a worker's log says it started."""
    marker = f"Starting job {TASK}["
    return {
        int(line.split(marker, 1)[1].split("]", 1)[0])
        for line in log.read_text().splitlines()
        if marker in line
    }


def test_two_workers_share_one_queue_and_each_job_runs_once(queue_url, queue_database, tmp_path):
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    workers = [start_worker(queue_url, log) for log in logs]
    try:
        with server(queue_database) as conn:
            wait_until(
                lambda: (
                    conn.execute("SELECT count(*) FROM procrastinate_workers").fetchone()[0] >= 2
                )
            )
            article_ids = import_feed(queue_url, tmp_path / "feed.jsonl", "shared", 30)
            wait_until(
                lambda: all(s == "succeeded" for _, s, _ in jobs_of(conn, article_ids)),
                timeout=400,
            )
            jobs = jobs_of(conn, article_ids)
            assert len(jobs) == 30
            assert all(events(conn, job_id).count("started") == 1 for job_id, _, _ in jobs)
    finally:
        stop(*workers)
    first, second = (started_by(log) for log in logs)
    assert first, "the first worker took jobs"
    assert second, "the second worker took jobs"
    assert not first & second
    assert first | second == {job_id for job_id, _, _ in jobs}


def test_a_worker_killed_mid_job_loses_nothing(queue_url, queue_database, tmp_path):
    (article_id,) = import_feed(queue_url, tmp_path / "feed.jsonl", "killed", 1)
    with server(queue_database) as conn, server(queue_database) as locker:
        # The job locks its article first: holding that lock keeps it mid-job.
        locker.execute("BEGIN")
        locker.execute("SELECT 1 FROM desk_article WHERE id = %s FOR UPDATE", [article_id])
        first = start_worker(queue_url, tmp_path / "worker-1.log")
        try:
            ((job_id, _, _),) = wait_until(
                lambda: [j for j in jobs_of(conn, [article_id]) if j[1] == "doing"]
            )
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            stop(first)
        locker.execute("ROLLBACK")
        second = start_worker(queue_url, tmp_path / "worker-2.log")
        try:
            wait_until(lambda: jobs_of(conn, [article_id])[0][1] == "succeeded", timeout=300)
        finally:
            stop(second)
        kinds = events(conn, job_id)
    assert kinds.count("started") == 2
    assert kinds.count("succeeded") == 1
    assert started_by(tmp_path / "worker-2.log") == {job_id}


def test_a_failing_job_is_not_retried_and_keeps_its_error(queue_url, queue_database, tmp_path):
    deferred = manage(queue_url, "procrastinate", "defer", TASK, '{"article_id": "not-an-id"}')
    assert deferred.returncode == 0, deferred.stderr
    worker = start_worker(queue_url, tmp_path / "worker.log")
    with server(queue_database) as conn:
        try:
            (job_id, attempts) = wait_until(
                lambda: conn.execute(
                    "SELECT id, attempts FROM procrastinate_jobs "
                    "WHERE task_name = %s AND status = 'failed'",
                    [TASK],
                ).fetchone()
            )
        finally:
            stop(worker)
        errors = conn.execute(
            "SELECT attempt, error FROM desk_joberror WHERE job_id = %s", [job_id]
        ).fetchall()
    assert attempts == 1
    assert len(errors) == 1
    assert errors[0][0] == 1
    assert errors[0][1].startswith("ValueError: Field 'id' expected a number")


def test_database_lost_mid_import_stops_clearly_and_a_rerun_finishes(
    queue_url, queue_database, tmp_path
):
    feed = write_feed(tmp_path / "feed.jsonl", "outage", 3000)
    command = [sys.executable, "manage.py", "import_articles", str(feed), "--no-progress"]
    env = environment(queue_url, PGAPPNAME="desk-import-under-test")
    stored = "SELECT count(*) FROM desk_article WHERE source LIKE 'outage/%'"
    with server(queue_database) as conn:
        importing = subprocess.Popen(
            [*command, "--batch-size", "100"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_until(lambda: conn.execute(stored).fetchone()[0] >= 300, every=0.05)
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'desk-import-under-test'"
        )
        _, err = importing.communicate(timeout=120)
        (before,) = conn.execute(stored).fetchone()
        rerun = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        (after,) = conn.execute(stored).fetchone()
        (jobs,) = conn.execute(
            "SELECT count(DISTINCT args->>'article_id') FROM procrastinate_jobs j "
            "JOIN desk_article a ON a.id::text = j.args->>'article_id' "
            "WHERE a.source LIKE 'outage/%'"
        ).fetchone()
    assert importing.returncode == 1
    assert "The database became unreachable" in err
    assert "run the same command again" in err
    assert 300 <= before < 3000
    assert before % 100 == 0, "only whole batches are stored"
    assert rerun.returncode == 0, rerun.stderr
    assert f"created: {3000 - before}, updated: 0, unchanged: {before}" in rerun.stdout
    assert after == 3000
    assert jobs == 3000


def parallel_feed(path: Path) -> Path:
    """Batches of 5 over two writers: a source updated two batches on, a title and a new
    publisher in two batches that are written at the same time."""
    records = [
        {"source_id": f"writers/{n}", "title": f"Dépêche parallèle {n}", "text": TEXT}
        for n in range(30)
    ]
    records[1] |= {"title": "Même titre parallèle", "publisher": "Organe Parallèle"}
    records[6] |= {"title": "Même titre parallèle", "publisher": "Organe Parallèle"}
    records[12] = records[3] | {"title": "Dépêche parallèle 3, corrigée"}
    records[17] = records[3] | {"title": "Dépêche parallèle 3, corrigée deux fois"}
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")
    return path


def test_two_writers_keep_the_feed_order_one_publisher_and_the_import_context(
    queue_url, queue_database, tmp_path
):
    feed = parallel_feed(tmp_path / "feed.jsonl")
    with server(queue_database) as conn:
        generation = conn.execute("SELECT number FROM desk_generation WHERE id = 1").fetchone()

        done = manage(
            queue_url,
            "import_articles",
            str(feed),
            "--no-progress",
            "--batch-size",
            "5",
            "--writers",
            "2",
        )

        assert done.returncode == 0, done.stderr
        assert "created: 28, updated: 2, unchanged: 0, rejected: 0" in done.stdout
        titles = dict(
            conn.execute(
                "SELECT source, title FROM desk_article WHERE source LIKE 'writers/%%'"
            ).fetchall()
        )
        slugs = conn.execute(
            "SELECT slug FROM desk_article WHERE title = 'Même titre parallèle' ORDER BY slug"
        ).fetchall()
        publishers = conn.execute(
            "SELECT count(*) FROM desk_actor WHERE name = 'Organe Parallèle'"
        ).fetchone()
        contexts = conn.execute(
            "SELECT DISTINCT c.metadata FROM desk_articlehistory h "
            "JOIN pghistory_context c ON c.id = h.pgh_context_id "
            "WHERE h.source LIKE 'writers/%%'"
        ).fetchall()
        stripes = conn.execute(
            "SELECT id, number FROM desk_generation WHERE id > 1 ORDER BY id"
        ).fetchall()
        after = conn.execute("SELECT number FROM desk_generation WHERE id = 1").fetchone()
    assert len(titles) == 28
    assert titles["writers/3"] == "Dépêche parallèle 3, corrigée deux fois"
    # Whichever batch committed first kept the title's slug; the other took the source's.
    first, second = (slug for (slug,) in slugs)
    assert first == "meme-titre-parallele"
    assert second in {
        "meme-titre-parallele-writers1",
        "meme-titre-parallele-writers6",
    }
    assert publishers == (1,)
    # One context per writer, each naming the same import.
    batches = {metadata["import_batch"] for (metadata,) in contexts}
    assert len(batches) == 1
    assert {metadata["command"] for (metadata,) in contexts} == {"import_articles"}
    assert 1 <= len(contexts) <= 2
    # Each batch moved its writer's stripe; row 1 moved only for the new publisher.
    assert [stripe for stripe, _ in stripes] == [2, 3]
    assert sum(number for _, number in stripes) >= 7
    assert after[0] > generation[0]
