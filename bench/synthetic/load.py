"""Bulk-load a synthetic corpus with PostgreSQL COPY, in one transaction.

Row by row through the ORM, a million claims take most of an hour; COPY
streams them at the speed the server can compute their generated columns.
Secondary indexes are dropped first and rebuilt once at the end, which is
several times cheaper than maintaining them row by row.
"""

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, models, transaction
from tqdm import tqdm

from libya.desk.models import (
    Actor,
    Affiliation,
    Alias,
    Article,
    Claim,
    ClaimLink,
    Event,
    Generation,
    Participation,
)
from synthetic.rows import Corpus

SECONDARY_INDEXES = """
SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid)
FROM pg_index x
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_class i ON i.oid = x.indexrelid
WHERE c.relname = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
ORDER BY c.relname, i.relname
"""


class CorpusNotEmpty(Exception):
    """The desk tables already hold rows and no reset was asked for."""


@dataclass
class Timing:
    """Rows and seconds per table (COPY) or per index (build), in load order."""

    copied: dict[str, list[float]] = field(default_factory=dict)
    indexes: dict[str, float] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    analyze: float = 0.0
    total: float = 0.0

    def add(self, table: str, rows: int, seconds: float) -> None:
        done = self.copied.setdefault(table, [0, 0.0])
        done[0] += rows
        done[1] += seconds


class TableCopy:
    """COPY into one table: stored columns minus generated ones (and the pk, if sequenced)."""

    def __init__(self, model: type[models.Model], *, with_pk: bool = True) -> None:
        fields = [f for f in model._meta.concrete_fields if not f.generated]
        if not with_pk:
            fields = [f for f in fields if not f.primary_key]
        self.table = model._meta.db_table
        self.attnames = [f.attname for f in fields]
        self.defaults = {f.attname: f.get_default() for f in fields}
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        self.sql = f"COPY {self.table} ({columns}) FROM STDIN"

    def write(self, cursor, rows: Iterable[dict], freeze: bool, progress: Callable) -> int:
        count = 0
        attnames, defaults = self.attnames, self.defaults
        with cursor.copy(self.sql + (" (FREEZE)" if freeze else "")) as copy:
            for row in rows:
                copy.write_row([row[a] if a in row else defaults[a] for a in attnames])
                count += 1
                if count % 5_000 == 0:
                    progress(5_000)
        progress(count % 5_000)
        return count


def desk_tables() -> list[str]:
    """Every table of the desk app: models, many-to-many tables and history tables.

    The generation row is not the corpus's: truncating the tables moves it on instead.
    """
    config = apps.get_app_config("desk")
    models = config.get_models(include_auto_created=True)
    return sorted({m._meta.db_table for m in models} - {Generation._meta.db_table})


def load_corpus(corpus: Corpus, *, reset: bool = False, progress: bool = True, log=print) -> Timing:
    """Load every table of ``corpus`` in one transaction; a failure leaves the database as it was.

    Raises CorpusNotEmpty when articles, actors or claims exist and ``reset`` is false.
    """
    timing = Timing()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor.connection.cursor()
        _truncate(cursor, reset)
        # Ordinary triggers (pghistory's history rows, pgtrigger's stamps) and foreign-key
        # checks do not fire in replica mode: a bulk load would otherwise write one history
        # row per loaded row. The generator keeps keys consistent itself. SET LOCAL ends
        # with the transaction (or a rollback); it is also reset explicitly below, since
        # a caller's outer transaction (a test) would otherwise keep running without them.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        dropped = _drop_secondary_indexes(cursor)
        _copy_all(cursor, corpus, timing, progress, log)
        _rebuild_indexes(cursor, dropped, timing, log)
        _reset_sequences(cursor)
        cursor.execute("SET LOCAL session_replication_role = origin")
        analyzed = time.perf_counter()
        for table in desk_tables():
            cursor.execute(f"ANALYZE {table}")
        timing.analyze = time.perf_counter() - analyzed
    timing.total = time.perf_counter() - started
    return timing


def _truncate(cursor, reset: bool) -> None:
    """Empty the desk tables; COPY FREEZE then needs no later VACUUM to make rows all-visible."""
    for model in (Article, Actor, Claim):
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {model._meta.db_table})")
        if cursor.fetchone()[0] and not reset:
            raise CorpusNotEmpty(f"{model._meta.db_table} is not empty; reset it to load a corpus.")
    cursor.execute(f"TRUNCATE {', '.join(desk_tables())} RESTART IDENTITY")


def _drop_secondary_indexes(cursor) -> list[tuple[str, str, str]]:
    """Drop indexes that back no constraint (unique and primary keys stay); return their DDL."""
    cursor.execute(SECONDARY_INDEXES, [desk_tables()])
    dropped = cursor.fetchall()
    for _, index, _ in dropped:
        cursor.execute(f'DROP INDEX "{index}"')
    return dropped


def _copy_all(cursor, corpus: Corpus, timing: Timing, progress: bool, log) -> None:
    tier = corpus.tier
    simple = [
        (TableCopy(Actor), corpus.actor_rows, tier.actors),
        (TableCopy(Alias), corpus.alias_rows, None),
        (TableCopy(Affiliation), corpus.affiliation_rows, None),
        (TableCopy(Event), corpus.event_rows, tier.events),
        (TableCopy(Participation, with_pk=False), corpus.participation_rows, None),
        (TableCopy(Event.articles.through, with_pk=False), corpus.event_article_rows, None),
    ]
    for copier, rows, total in simple:
        _copy_table(cursor, copier, rows(), total, timing, progress)
    _copy_articles(cursor, corpus, timing, progress)
    _copy_table(cursor, TableCopy(ClaimLink), corpus.claim_link_rows(), None, timing, progress)
    for table, (rows, seconds) in timing.copied.items():
        rate = rows / max(seconds, 1e-9)
        log(f"  {table:<32} {int(rows):>10,} rows {seconds:8.1f} s  {rate:>9,.0f} rows/s")
    for phase, seconds in timing.phases.items():
        log(f"  {phase:<43} {seconds:8.1f} s")


def _copy_table(cursor, copier: TableCopy, rows, total, timing, progress) -> None:
    with tqdm(total=total, desc=copier.table, unit=" rows", disable=not progress) as bar:
        started = time.perf_counter()
        count = copier.write(cursor, rows, True, bar.update)
        timing.add(copier.table, count, time.perf_counter() - started)


def _copy_articles(cursor, corpus: Corpus, timing: Timing, progress: bool) -> None:
    """Articles and what hangs off them, batch by batch, each table's COPY timed on its own.

    A thread generates the next batch while the server digests the current one
    (COPY waits on the socket without the GIL), so Python and PostgreSQL each
    keep a core busy. The phase's wall time is recorded as well.
    """
    parts = {
        "articles": TableCopy(Article),
        "claims": TableCopy(Claim),
        "mentions": TableCopy(Article.mentioned_actors.through, with_pk=False),
        "subjects": TableCopy(Claim.subjects.through, with_pk=False),
    }
    silent = lambda _: None  # noqa: E731
    claims = parts["claims"].table
    started = time.perf_counter()
    bar = tqdm(
        total=corpus.tier.articles, desc="articles + claims", unit=" articles", disable=not progress
    )
    with bar:
        for batch in _prefetched(corpus.article_batches()):
            for name, copier in parts.items():
                copy_started = time.perf_counter()
                count = copier.write(cursor, getattr(batch, name), True, silent)
                timing.add(copier.table, count, time.perf_counter() - copy_started)
            bar.update(len(batch.articles))
            bar.set_postfix(claims=f"{int(timing.copied[claims][0]):,}")
    timing.phases["articles + claims (wall)"] = time.perf_counter() - started


def _prefetched(batches: Iterator, depth: int = 2) -> Iterator:
    """The same items, produced by a background thread up to ``depth`` ahead."""
    done = object()
    ready: queue.Queue = queue.Queue(depth)

    def produce() -> None:
        try:
            for item in batches:
                ready.put(item)
            ready.put(done)
        except BaseException as exc:  # handed to the consumer, which raises it
            ready.put(exc)

    threading.Thread(target=produce, daemon=True).start()
    while (item := ready.get()) is not done:
        if isinstance(item, BaseException):
            raise item
        yield item


def _rebuild_indexes(cursor, dropped, timing: Timing, log) -> None:
    for table, index, ddl in dropped:
        started = time.perf_counter()
        cursor.execute(ddl)
        timing.indexes[f"{table}.{index}"] = seconds = time.perf_counter() - started
        if seconds > 1:
            log(f"  index {index:<40} {seconds:6.1f} s")


def _reset_sequences(cursor) -> None:
    """Point every id sequence past the loaded rows, so later inserts get fresh ids."""
    for table in desk_tables():
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        if sequence:
            cursor.execute(
                f"SELECT setval(%s, coalesce(max(id), 0) + 1, false) FROM {table}", [sequence]
            )
