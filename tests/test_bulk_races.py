"""A bulk writer's batch that the server ends in a deadlock is written again, whole
(libya/desk/bulk.py: ``_write_racing``), on real concurrent transactions."""

import threading
import time
from datetime import date

import psycopg
import pytest
from django.db import connection

from libya.desk import bulk
from libya.desk.models import Actor, Article, DatePrecision
from libya.desk.models.generation import BULK_STRIPES, BUMP_STRIPE_SQL

PUBLISHER = "Agence de la course"
BUMP_DESK_ROW = "UPDATE desk_generation SET number = number + 1 WHERE id = 1"


def row() -> bulk.Row:
    return bulk.Row(
        line=1,
        source="race-feed/1",
        title="Deux écritures se croisent à Tripoli",
        body="Le gouvernement a annoncé mardi la réouverture du port de Tripoli.",
        content_hash="race-1",
        url="https://feed.example/race/1",
        language="fr",
        published_on=date(2020, 6, 14),
        published_precision=DatePrecision.DAY,
        publisher=PUBLISHER,
        agency="",
    )


class ErrorsSeen:
    """The database errors the writer's statements raise (an execute wrapper: it only looks)."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []

    def __call__(self, execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except Exception as exc:
            self.errors.append(exc)
            raise


def wait_for_a_lock(pid: int, watcher: psycopg.Connection) -> None:
    """Until the backend `pid` waits for a lock."""
    for _ in range(1000):
        (event,) = watcher.execute(
            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid]
        ).fetchone()
        if event == "Lock":
            return
        time.sleep(0.005)
    raise AssertionError("the writer never waited for the rival's lock")


@pytest.mark.django_db
def test_a_batch_the_server_ended_in_a_deadlock_is_written_again():
    """The rival holds the desk's generation row, which the writer needs to create the
    batch's publisher, then asks for the writer's stripe: a cycle, and the server ends
    the writer's transaction (its deadlock_timeout is the shorter): here the batch's
    savepoint inside the test's transaction, whose locks go with it. The rival then rolls
    back, and the writer's second attempt writes the whole batch."""
    stripe = BULK_STRIPES.start
    params = connection.get_connection_params()
    connection.ensure_connection()
    writer = connection.connection.info.backend_pid
    watcher = psycopg.connect(**params, autocommit=True)
    rival = psycopg.connect(**params)
    rival.execute("SET deadlock_timeout = '60s'")
    rival.execute(BUMP_DESK_ROW)
    rival_outcome: list[BaseException | None] = []

    def close_the_cycle() -> None:
        try:
            wait_for_a_lock(writer, watcher)
            rival.execute(BUMP_STRIPE_SQL, [stripe])  # waits until the writer is ended
            rival_outcome.append(None)
        except BaseException as exc:  # reported by the assertion below
            rival_outcome.append(exc)
        finally:
            rival.rollback()

    seen = ErrorsSeen()
    thread = threading.Thread(target=close_the_cycle)
    thread.start()
    with connection.cursor() as cursor:
        # Checked once, this long after the writer starts to wait: the cycle must be closed
        # by then, or the rival would be the one ended, 60 s later.
        cursor.execute("SET deadlock_timeout = '1s'")
    try:
        with connection.execute_wrapper(seen):
            written = bulk._write_racing([row()], bulk.Outlets(), stripe)
    finally:
        thread.join(timeout=90)
        rival.close()
        watcher.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET deadlock_timeout")

    assert rival_outcome == [None]  # the rival was not the one ended
    assert [type(error.__cause__) for error in seen.errors] == [psycopg.errors.DeadlockDetected]
    assert len(written.created) == 1
    article = Article.objects.get(source="race-feed/1")
    assert article.publisher == Actor.objects.get(name=PUBLISHER, kind=Actor.Kind.MEDIA)
