"""Bulk import of articles from JSON Lines, CSV or a folder with a manifest, by the thousand.

Records are read as a stream and written in batches: each batch is parsed in
Python, staged with COPY into a temporary table (each article with the actors it
mentions, as an array), then inserted or updated in one ``INSERT ... ON CONFLICT``
and its mentions linked in one ``INSERT ... SELECT``: a fixed number of statements
per batch, whatever its size.
A batch is one transaction, so an interrupted import keeps every batch before the
fault and a re-run skips them by content hash. Parsing runs in a process of its own and
``WRITERS`` batches are written at once, each by a thread on a connection of its own,
so that the parser and more than one server backend work at the same time. A record
that cannot be imported is rejected with its line number and reason; the others are
still stored.
"""

import csv
import hashlib
import io
import multiprocessing
import queue
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import orjson
import pgtrigger
import psycopg
import trafilatura
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, OperationalError, connection, connections, transaction
from django.db.models import Q
from django.utils.text import slugify

from libya.desk import cleaning, enrichment, history, ingest
from libya.desk.models import Actor, Alias, Article
from libya.desk.models.generation import BULK_STRIPES, BUMP_STRIPE_SQL

BATCH_SIZE = 1_000
# Batches written at once, each on a connection of its own: the server's share of a
# batch (French vector, index entries, foreign-key checks) is most of an import's time.
WRITERS = 2
# Their generation triggers are off in the writers, which move a stripe instead.
GENERATION_TRIGGERS = (
    "desk.Article:article_generation",
    "desk.ArticleMentionsGeneration:article_mentions_generation",
)
# A 2 KB article is a few kilobytes of JSON; a record this large is a broken feed,
# and reading it whole would let one line take the memory of a thousand articles.
MAX_RECORD_BYTES = 2_000_000
COLUMNS = ("source_id", "text", "html", "title", "url", "published", "language", "publisher")
COLUMNS = (*COLUMNS, "agency")
# The article's column sizes; an actor's name is at most 200 characters.
LIMITS = {"source_id": 255, "title": 500, "url": 1000, "language": 8, "publisher": 200}
LIMITS["agency"] = 200
STAGE = "desk_import_stage"
STAGE_COLUMNS = (
    "line",
    "source",
    "title",
    "slug",
    "alt_slug",
    "body",
    "content_hash",
    "url",
    "language",
    "published_on",
    "published_precision",
    "publisher_id",
    "agency_id",
    "mentions",
)
# What a stored article takes from a changed record; its slug (a public URL) stays.
ARTICLE_COLUMNS = STAGE_COLUMNS[5:-1]
UPDATED_COLUMNS = (STAGE_COLUMNS[2], *ARTICLE_COLUMNS)

csv.field_size_limit(MAX_RECORD_BYTES)
_valid_url = URLValidator(schemes=["http", "https"])
COMBINING = re.compile("[\u0300-\u036f]")
NON_ALNUM = re.compile(r"[\W_]+")


class Rejected(Exception):
    """A record that cannot become an article; its message is the reason."""


@dataclass(frozen=True)
class Rejection:
    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass
class Row:
    """One article as it will be stored, before its actors are resolved."""

    line: int
    source: str
    title: str
    body: str
    content_hash: str
    url: str
    language: str
    published_on: date | None
    published_precision: str
    publisher: str
    agency: str
    agency_hint: str = ""
    mentions: set[int] = field(default_factory=set)
    slug: str = ""
    alt_slug: str = ""


@dataclass
class BulkReport:
    """What an import did: counts, rejected records, claims whose text is gone."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    unanchored: dict[str, list[int]] = field(default_factory=dict)
    enqueued: int = 0

    def add(self, other: "BulkReport") -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected
        self.unanchored |= other.unanchored
        self.enqueued += other.enqueued

    def add_written(self, written: "Written") -> None:
        self.created += len(written.created)
        self.updated += len(written.updated)
        self.unchanged += written.unchanged
        self.enqueued += len(written.created) + len(written.updated)
        self.unanchored |= written.unanchored


# Reading ---------------------------------------------------------------------------


def records(path: Path) -> Iterator[tuple[int, dict | Rejected]]:
    """``(line number, record or reason)`` for every record of a file or folder, streamed."""
    if path.is_dir():
        return folder_records(path)
    if path.suffix.lower() == ".csv":
        return csv_records(path)
    return jsonl_records(path)


def jsonl_records(path: Path) -> Iterator[tuple[int, dict | Rejected]]:
    with path.open("rb") as handle:
        for number, line in enumerate(_bounded_lines(handle), 1):
            if line is None:
                yield number, Rejected(f"line longer than {MAX_RECORD_BYTES:,} bytes")
                continue
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield number, Rejected(f"malformed JSON: {exc}")
                continue
            if not isinstance(record, dict):
                yield number, Rejected("not a JSON object")
                continue
            yield number, record


def _bounded_lines(handle: io.BufferedReader) -> Iterator[bytes | None]:
    """Each line of the file, or None for a line over the limit (skipped without keeping it)."""
    while line := handle.readline(MAX_RECORD_BYTES + 1):
        if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield None
        else:
            yield line


def csv_records(path: Path) -> Iterator[tuple[int, dict | Rejected]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        while True:
            start = reader.line_num + 1  # a quoted field may span lines: name the first
            try:
                record = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                yield start, Rejected(f"unreadable CSV: {exc}")
                continue
            if None in record:
                yield start, Rejected("more fields than the header names")
                continue
            yield start, {k: v for k, v in record.items() if v not in (None, "")}


def folder_records(directory: Path) -> Iterator[tuple[int, dict | Rejected]]:
    """The documents a ``manifest.toml`` lists, as records; the line is the document's rank."""
    manifest = ingest.read_manifest(directory)
    for number, (name, meta) in enumerate(sorted(manifest.documents.items()), 1):
        try:
            text = (directory / name).read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            yield number, Rejected(f"{name} is not UTF-8 text: {exc}")
            continue
        content = "html" if Path(name).suffix.lower() in {".html", ".htm"} else "text"
        record = {"source_id": meta.source, content: text}
        for key in ("title", "url", "published", "publisher", "agency"):
            if value := getattr(meta, key):
                record[key] = value
        yield number, record


# Parsing ---------------------------------------------------------------------------


def row_from(line: int, record: dict) -> Row:
    """The article a record describes, cleaned; raises Rejected with the reason."""
    values = {}
    for key in COLUMNS:
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            raise Rejected(f"{key} must be a string")
        value = (value or "").strip() if key not in {"text", "html"} else value or ""
        if key in LIMITS and len(value) > LIMITS[key]:
            raise Rejected(f"{key} is longer than {LIMITS[key]} characters")
        values[key] = value
    if not values["source_id"]:
        raise Rejected("source_id is missing")
    document = cleaning.parse(_main_text(values))
    if not document.paragraphs:
        raise Rejected("text is empty once cleaned")
    title = values["title"] or document.title
    if not title:
        raise Rejected("no title: give one in the title field")
    try:
        published_on, precision = ingest.parse_published(values["published"] or document.date_hint)
    except ingest.SourceError as exc:
        raise Rejected(f"published: {exc}") from None
    if values["url"]:
        try:
            _valid_url(values["url"])
        except ValidationError:
            raise Rejected(f"url {values['url']!r} is not an http(s) URL") from None
    return Row(
        line=line,
        source=values["source_id"],
        title=title,
        body=document.body,
        content_hash=_hash(values),
        url=values["url"],
        language=values["language"] or "fr",
        published_on=published_on,
        published_precision=precision,
        publisher=values["publisher"],
        agency=values["agency"],
        agency_hint=document.agency_hint,
    )


def _main_text(values: dict) -> str:
    if values["text"].strip():
        return values["text"]
    if not values["html"].strip():
        raise Rejected("neither text nor html is given")
    # trafilatura finds the article's main text in a page (menus, comments and
    # footers out); the desk's own rules then strip what it leaves.
    text = trafilatura.extract(values["html"], include_comments=False, include_tables=False)
    if not text:
        raise Rejected("html holds no article text")
    title = trafilatura.extract_metadata(values["html"])
    title = title.title if title is not None and title.title else ""
    return f"{title}\n\n{text}" if title and not values["title"] else text


def _hash(values: dict) -> str:
    """SHA-256 of everything the record says, so that any change to it updates the article."""
    return hashlib.sha256(orjson.dumps(values, option=orjson.OPT_SORT_KEYS)).hexdigest()


# Writing ---------------------------------------------------------------------------


class Outlets:
    """Publisher and agency actors by slug or name, created as media actors when unknown."""

    def __init__(self, described: dict[str, dict] | None = None) -> None:
        self.described = described or {}
        self.ids: dict[str, int | None] = {"": None}
        self.by_hint: dict[str, int | None] = {"": None}
        self.created: list[str] = []  # in the batch being written

    def forget_created(self) -> None:
        """The batch was rolled back, and the actors it created with it."""
        for key in self.created:
            del self.ids[key]
        self.created = []

    def resolve(self, rows: list[Row]) -> None:
        wanted = {key for row in rows for key in (row.publisher, row.agency)} - set(self.ids)
        if wanted:
            media = Actor.objects.filter(kind=Actor.Kind.MEDIA)
            found = media.filter(Q(slug__in=wanted) | Q(name__in=wanted))
            for actor in found.only("pk", "slug", "name").order_by("pk"):
                for key in (actor.slug, actor.name):
                    if key in wanted:
                        self.ids.setdefault(key, actor.pk)
            for key in sorted(wanted - set(self.ids)):
                self.ids[key] = self._create(key).pk
                self.created.append(key)
        for hint in {row.agency_hint for row in rows if not row.agency} - set(self.by_hint):
            actor = ingest.agency_from_text(hint)
            self.by_hint[hint] = actor.pk if actor else None

    def _create(self, key: str) -> Actor:
        entry = self.described.get(key, {})
        slug = slugify(key)[:80] or "media"
        name = entry.get("name", key)
        if Actor.objects.filter(slug=slug).exists():
            slug = f"{slug}-media"
        return Actor.objects.create(
            slug=slug,
            name=name,
            kind=Actor.Kind.MEDIA,
            country=entry.get("country", ""),
        )

    def publisher(self, row: Row) -> int | None:
        return self.ids[row.publisher]

    def agency(self, row: Row) -> int | None:
        return self.ids[row.agency] if row.agency else self.by_hint[row.agency_hint]


@dataclass
class Written:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0
    unanchored: dict[str, list[int]] = field(default_factory=dict)


def write_batch(rows: list[Row], outlets: Outlets, stripe: int | None = None) -> Written:
    """Insert or update the articles of a batch in one transaction; link their mentions.

    With a ``stripe``, the batch moves that row of the desk's generation itself, first
    thing in its transaction (the caller has the tables' own generation triggers off).
    """
    outlets.created = []
    try:
        return _write_batch(rows, outlets, stripe)
    except BaseException:
        outlets.forget_created()
        raise


def _write_batch(rows: list[Row], outlets: Outlets, stripe: int | None) -> Written:
    with transaction.atomic():
        if stripe is not None:
            with connection.cursor() as cursor:
                cursor.execute(BUMP_STRIPE_SQL, [stripe])
        outlets.resolve(rows)
        _slugs(rows)
        # The stripe stands for these statements' generation bumps (not the claims').
        skipped = pgtrigger.ignore(*GENERATION_TRIGGERS) if stripe is not None else nullcontext()
        with connection.cursor() as cursor, skipped:
            _stage(cursor, rows, outlets)
            cursor.execute(UPSERT)
            outcome = cursor.fetchall()
            written = Written(unchanged=len(rows) - len(outcome))
            for article_id, created in outcome:
                (written.created if created else written.updated).append(article_id)
            changed = written.created + written.updated
            if changed:
                _link_mentions(cursor, changed)
        if changed:
            written.unanchored = reanchor(written.updated)
            enrichment.enqueue(changed)
        return written


def _slugs(rows: list[Row]) -> None:
    """A slug per title, cut at a word; the source's id breaks a tie in the batch or the desk."""
    taken = set()
    for row in rows:
        slug = slugify(row.title)
        if len(slug) > ingest.SLUG_MAX_CHARS:
            slug = slug[: ingest.SLUG_MAX_CHARS].rsplit("-", 1)[0]
        slug = slug or "article"
        row.alt_slug = f"{slug}-{slugify(row.source)}"[:200]
        row.slug = row.alt_slug if slug in taken else slug
        taken.add(row.slug)


def _stage(cursor, rows: list[Row], outlets: Outlets) -> None:
    # Dropped at commit; dropped here too for a batch inside a longer transaction.
    cursor.execute(
        f"DROP TABLE IF EXISTS {STAGE}; CREATE TEMP TABLE {STAGE} ("
        "line integer, source text, title text, slug text, alt_slug text, body text, "
        "content_hash text, url text, language text, "
        "published_on date, published_precision text, publisher_id bigint, agency_id bigint, "
        "mentions bigint[]) ON COMMIT DROP"
    )
    columns = ", ".join(STAGE_COLUMNS)
    with cursor.connection.cursor().copy(f"COPY {STAGE} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                (
                    row.line,
                    row.source,
                    row.title,
                    row.slug,
                    row.alt_slug,
                    row.body,
                    row.content_hash,
                    row.url,
                    row.language,
                    row.published_on,
                    row.published_precision,
                    outlets.publisher(row),
                    outlets.agency(row),
                    sorted(row.mentions),
                )
            )


_INSERTED = ("source", "title", "slug", *ARTICLE_COLUMNS)
UPSERT = f"""
INSERT INTO desk_article AS article (created_at, updated_at, version, {", ".join(_INSERTED)})
SELECT now(), now(), 1, stage.source, stage.title,
    CASE WHEN EXISTS (
        SELECT 1 FROM desk_article other
        WHERE other.slug = stage.slug AND other.source <> stage.source
    ) THEN stage.alt_slug ELSE stage.slug END,
    {", ".join(f"stage.{c}" for c in ARTICLE_COLUMNS)}
FROM {STAGE} stage
ORDER BY stage.line
ON CONFLICT (source) DO UPDATE SET {", ".join(f"{c} = EXCLUDED.{c}" for c in UPDATED_COLUMNS)}
WHERE article.content_hash IS DISTINCT FROM EXCLUDED.content_hash
RETURNING article.id, (article.xmax = 0) AS created
"""


def fold(text: str) -> str:
    """SQL ``desk_fold`` in Python: accents off, lower case, every non-alphanumeric run one space.

    In SQL it costs about a millisecond per 2 KB article, as much as storing the
    article; here a tenth of that, off the database. The enrichment job links
    mentions again with the SQL rule, so any difference is made good there.
    """
    text = unicodedata.normalize("NFD", text)
    text = COMBINING.sub("", text)
    for old, new in (("œ", "oe"), ("Œ", "oe"), ("æ", "ae"), ("Æ", "ae")):
        text = text.replace(old, new)
    return NON_ALNUM.sub(" ", text.lower()).strip()


class AliasIndex:
    """Every folded alias with its actors, to find mentions as ``ingest.link_mentions`` does."""

    def __init__(self) -> None:
        self.actors: dict[str, set[int]] = {}
        for folded, actor_id in Alias.objects.values_list("folded", "actor_id").iterator(10_000):
            if len(folded) >= 2 and len(folded.split(" ")) <= ingest.MAX_ALIAS_WORDS:
                self.actors.setdefault(folded, set()).add(actor_id)
        # Every alias's first word, first two words...: a run of the text is extended
        # only while it can still become an alias.
        self.prefixes = {
            " ".join(words[:n])
            for words in (folded.split(" ") for folded in self.actors)
            for n in range(1, len(words) + 1)
        }

    def mentioned(self, text: str) -> set[int]:
        """Actors an alias of which equals a run of whole words of the text."""
        words, found = fold(text).split(" "), set()
        for i, run in enumerate(words):
            end = i + 1
            while run in self.prefixes:
                found.update(self.actors.get(run, ()))
                if end == len(words):
                    break
                run, end = f"{run} {words[end]}", end + 1
        return found


def _link_mentions(cursor, article_ids: list[int]) -> None:
    """Link the staged mentions of the articles written, in one statement for the batch.

    Added, never removed (as ``ingest``). The actors travel with their article in the
    staged row (an array), so the links need no staging of their own.
    """
    through = Article.mentioned_actors.through._meta.db_table
    cursor.execute(
        f"INSERT INTO {through} (article_id, actor_id) "
        f"SELECT article.id, mention.actor_id FROM {STAGE} stage "
        "JOIN desk_article article ON article.source = stage.source "
        "CROSS JOIN LATERAL unnest(stage.mentions) AS mention(actor_id) "
        "WHERE article.id = ANY(%s) ON CONFLICT DO NOTHING",
        [article_ids],
    )


def reanchor(article_ids: list[int]) -> dict[str, list[int]]:
    """Move the claims of updated articles to where their text now is; the lost ones by source."""
    lost: dict[str, list[int]] = {}
    if not article_ids:
        return lost
    for article in Article.objects.filter(pk__in=article_ids, claims__isnull=False).distinct():
        if claims := ingest.reanchor_claims(article):
            lost[article.source] = [claim.pk for claim in claims]
    return lost


# Driving ---------------------------------------------------------------------------


@dataclass
class Batch:
    """Parsed rows ready to write, with the records rejected while parsing them."""

    path: Path
    rows: list[Row] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    records: int = 0

    def sources(self) -> set[str]:
        return {row.source for row in self.rows}


def import_paths(
    paths: Iterable[Path],
    *,
    batch_size: int = BATCH_SIZE,
    writers: int = WRITERS,
    progress: Callable[[int], None] = lambda n: None,
) -> BulkReport:
    """Import every record of every path; batches commit one by one (see the module doc).

    Parsing runs in a process of its own while the database writes the batches before:
    cleaning and mention detection are Python, storing (French vector, history) is
    the server's, so the two overlap instead of taking turns. Several writers, each on
    a connection of its own, keep more than one server backend busy; inside a caller's
    transaction every batch belongs to it, so this thread writes them all.
    """
    report = BulkReport()
    paths = list(paths)
    with closing(_in_background(_batches(paths, AliasIndex(), batch_size))) as batches:
        if writers > 1 and not connection.in_atomic_block:
            _write_in_parallel(batches, writers, report, progress)
        else:
            outlets = OutletsByPath()
            for batch in batches:
                report.add(_flush(batch, outlets[batch.path]))
                progress(batch.records)
    return report


class OutletsByPath(dict):
    """An ``Outlets`` per path: a folder's manifest may describe its outlets."""

    def __missing__(self, path: Path) -> Outlets:
        described = ingest.read_manifest(path).outlets if path.is_dir() else {}
        self[path] = Outlets(described)
        return self[path]


def _batches(paths: list[Path], aliases: AliasIndex, batch_size: int) -> Iterator[Batch]:
    for path in paths:
        batch, sources = Batch(path), set()
        for line, record in records(path):
            # A source repeated in one batch is written in the next, as its own update.
            if len(batch.rows) >= batch_size or _source(record) in sources:
                yield batch
                batch, sources = Batch(path), set()
            batch.records += 1
            try:
                if isinstance(record, Rejected):
                    raise record
                row = row_from(line, record)
                row.mentions = aliases.mentioned(f"{row.title} {row.body}")
            except Rejected as reason:
                batch.rejected.append(Rejection(str(path), line, str(reason)))
                continue
            batch.rows.append(row)
            sources.add(row.source)
        yield batch


def _source(record: dict | Rejected) -> str | None:
    source = record.get("source_id") if isinstance(record, dict) else None
    return source.strip() if isinstance(source, str) else None


_DONE = "done"


def _in_background(items: Iterator[Batch], ahead: int = 2) -> Iterator[Batch]:
    """The items of an iterator produced in a forked process, at most ``ahead`` ahead.

    Parsing, cleaning and finding mentions are pure Python. In a thread they hold the
    GIL while the writing thread waits to read the server's answers, so the two took
    turns; a process of their own keeps both cores busy. The child never touches the
    database: it inherits the parent's connection objects, keeps them referenced so
    that they are not finished (which would end the parent's session), and leaves by
    ``os._exit``, as multiprocessing's children do. An error in the child is raised
    here; when the consumer stops (the database went away), the child is terminated.
    """
    context = multiprocessing.get_context("fork")
    handoff = context.Queue(maxsize=ahead)
    child = context.Process(target=_produce, args=(items, handoff), name="import-parser")
    child.daemon = True
    child.start()
    try:
        while (item := handoff.get()) != _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)
        handoff.close()


# The parent's connections, as the child inherited them: referenced until the child's
# os._exit, so that no finalizer ends the parent's sessions on the shared sockets.
_INHERITED: list = []


def _produce(items: Iterator[Batch], handoff) -> None:
    _INHERITED.extend(c.connection for c in connections.all(initialized_only=True))
    for alias in connections:
        connections[alias].connection = None  # a query here would open its own
    try:
        for item in items:
            handoff.put(item)
        handoff.put(_DONE)
    except BaseException as exc:  # handed to the consumer, raised there
        handoff.put(exc)
    finally:
        handoff.close()
        handoff.join_thread()


class Writer(threading.Thread):
    """Writes the batches it is given on a connection of its own (Django's are per thread).

    Its history rows carry the importing thread's context metadata, under a context row
    of its own (pghistory updates the context row with every history row, so writers
    sharing one would queue on it). Each batch moves this writer's stripe of the desk's
    generation instead of the row that every other writer queues on.
    """

    def __init__(self, stripe: int, finished: queue.SimpleQueue, metadata: dict | None):
        super().__init__(name=f"import-writer-{stripe}", daemon=True)
        self.stripe, self.finished, self.metadata = stripe, finished, metadata
        self.inbox: queue.SimpleQueue[Batch | None] = queue.SimpleQueue()
        self.outlets = OutletsByPath()

    def run(self) -> None:
        try:
            with history.thread_context(self.metadata):
                while (batch := self.inbox.get()) is not None:
                    try:
                        outcome = _flush(batch, self.outlets[batch.path], self.stripe)
                    except BaseException as exc:  # raised by the importing thread
                        outcome = exc
                    self.finished.put((self, batch, outcome))
        finally:
            connection.close()


def _write_in_parallel(
    batches: Iterator[Batch], count: int, report: BulkReport, progress: Callable[[int], None]
) -> None:
    """Hand each batch to a free writer; a batch waits for the batches holding its sources.

    A source that a later line of the feed updates must be written after the earlier
    one, so a batch naming a source of a batch still being written waits for it.
    """
    finished: queue.SimpleQueue = queue.SimpleQueue()
    metadata = history.current_metadata()
    pool = [Writer(stripe, finished, metadata) for stripe in BULK_STRIPES[:count]]
    holding: dict[Writer, set[str]] = {}

    def collect() -> None:
        writer, batch, outcome = finished.get()
        del holding[writer]
        if isinstance(outcome, BaseException):
            raise outcome
        report.add(outcome)
        progress(batch.records)

    for writer in pool:
        writer.start()
    try:
        for batch in batches:
            sources = batch.sources()
            while len(holding) == len(pool) or any(sources & held for held in holding.values()):
                collect()
            writer = next(writer for writer in pool if writer not in holding)
            holding[writer] = sources
            writer.inbox.put(batch)
        while holding:
            collect()
    finally:
        for writer in pool:
            writer.inbox.put(None)
        for writer in pool:
            writer.join()


def _flush(batch: Batch, outlets: Outlets, stripe: int | None = None) -> BulkReport:
    """Write a batch; what it did, with the records rejected while parsing it."""
    report = BulkReport(rejected=list(batch.rejected))
    if not batch.rows:
        return report
    try:
        report.add_written(_write_racing(batch.rows, outlets, stripe))
    except IntegrityError:
        # One row broke a constraint (a slug taken twice over, a publisher's kind):
        # write the batch again row by row, so that only that row is rejected.
        for row in batch.rows:
            try:
                report.add_written(write_batch([row], outlets, stripe))
            except IntegrityError as exc:
                reason = str(exc).splitlines()[0]
                report.rejected.append(Rejection(str(batch.path), row.line, reason))
    return report


def _write_racing(rows: list[Row], outlets: Outlets, stripe: int | None) -> Written:
    """Write a batch, and once more if it lost a race with a batch written beside it.

    That batch may have taken a slug or created a publisher first (a unique key), or
    the two may have waited on each other's keys (a deadlock, which the server ends by
    failing one of them): once the other has committed, this one goes through.
    """
    try:
        return write_batch(rows, outlets, stripe)
    except (IntegrityError, OperationalError) as exc:
        deadlock = isinstance(exc.__cause__, psycopg.errors.DeadlockDetected)
        if not (isinstance(exc, IntegrityError) or deadlock):
            raise
    return write_batch(rows, outlets, stripe)
