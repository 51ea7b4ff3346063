"""The Datasette peer: the bench corpus exported to SQLite with an FTS5 index, served by Datasette.

A development-only step of ``make bench``. The export flattens what our list rows
show (the publisher's slug and name beside each article, the speaker's, article's
and event's beside each claim, a claim's subjects as a JSON array of slugs), so that
Datasette answers the same rows from one table each, as one would publish it.
Articles are keyed by slug, so ``/desk/articles/<slug>.json`` is our detail URL.
FTS5 has no French stemmer: ``unicode61`` with diacritics removed matches the
benchmark's marker words, which are searched as whole words.

Served as Datasette's performance documentation recommends for data that never
changes: immutable mode (``-i``: no locking, no change detection) with the row
counts precomputed by ``datasette inspect`` (``--inspect-file``); facet suggestion
is off, as our API suggests none, and uvicorn runs on uvloop (installed).

    python bench/datasette_peer.py export OUT.db     # DATABASE_URL: the bench database
"""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import psycopg

DATABASE = "desk"  # the file's stem: Datasette's URLs start with /desk/
BATCH = 5_000

ARTICLES = """
SELECT a.slug, a.title, p.slug, p.name, g.slug, g.name, a.language,
       a.published_on::text, a.published_precision, a.source, a.url,
       to_char(a.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), a.body
FROM desk_article a
LEFT JOIN desk_actor p ON p.id = a.publisher_id
LEFT JOIN desk_actor g ON g.id = a.agency_id
ORDER BY a.id
"""
CLAIMS = """
SELECT c.id, c.text, c.kind, c.status, s.slug, s.name, a.slug, a.title, e.slug, e.title,
       coalesce((SELECT json_agg(x.slug ORDER BY x.slug) FROM desk_claim_subjects cs
                 JOIN desk_actor x ON x.id = cs.actor_id WHERE cs.claim_id = c.id), '[]')::text,
       c.said_on::text, c.said_precision, c.span_start, c.span_end,
       to_char(c.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
FROM desk_claim c
JOIN desk_article a ON a.id = c.article_id
LEFT JOIN desk_actor s ON s.id = c.speaker_id
LEFT JOIN desk_event e ON e.id = c.event_id
ORDER BY c.id
"""
SCHEMA = """
CREATE TABLE articles (
    slug TEXT PRIMARY KEY, title TEXT, publisher TEXT, publisher_name TEXT, agency TEXT,
    agency_name TEXT, language TEXT, published_on TEXT, published_precision TEXT,
    source TEXT, url TEXT, updated_at TEXT, body TEXT
);
CREATE TABLE claims (
    id INTEGER PRIMARY KEY, text TEXT, kind TEXT, status TEXT, speaker TEXT, speaker_name TEXT,
    article TEXT, article_title TEXT, event TEXT, event_title TEXT, subjects TEXT,
    said_on TEXT, said_precision TEXT, span_start INTEGER, span_end INTEGER, updated_at TEXT
);
"""
INDEXES = """
CREATE INDEX articles_published_on ON articles (published_on);
CREATE INDEX articles_publisher_published_on ON articles (publisher, published_on);
CREATE INDEX claims_said_on ON claims (said_on);
CREATE INDEX claims_status ON claims (status);
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, body, content="articles", tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');
ANALYZE;
"""


def export(dsn: str, target: Path) -> None:
    """Write the SQLite copy to ``target`` (replaced), then its row counts beside it."""
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    lite = sqlite3.connect(partial)
    lite.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + SCHEMA)
    with psycopg.connect(dsn) as pg:
        _copy(pg, lite, ARTICLES, "articles", 13)
        _copy(pg, lite, CLAIMS, "claims", 16)
    lite.executescript(INDEXES)
    lite.commit()
    lite.execute("VACUUM")
    lite.close()
    partial.replace(target)
    counts = inspect_file(target)
    subprocess.run(
        [_datasette(), "inspect", str(target), "--inspect-file", str(counts)], check=True
    )


def _copy(pg, lite, query: str, table: str, width: int) -> None:
    marks = ", ".join("?" * width)
    with pg.cursor(name=f"export_{table}") as cursor:
        cursor.execute(query)
        while rows := cursor.fetchmany(BATCH):
            lite.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)


def inspect_file(database: Path) -> Path:
    return database.with_suffix(".counts.json")


def serve_command(database: Path, port: int) -> list[str]:
    """Datasette in immutable mode with precomputed counts, as its docs recommend."""
    command = [_datasette(), "serve", "-i", str(database)]
    command += ["--inspect-file", str(inspect_file(database))]
    command += ["-h", "127.0.0.1", "-p", str(port)]
    for name, value in {
        "suggest_facets": "off",
        "sql_time_limit_ms": "30000",
        "num_sql_threads": "4",
    }.items():
        command += ["--setting", name, value]
    return command


def is_current(database: Path, articles: int) -> bool:
    """An export of the same tier (its article count) is already there."""
    counts = inspect_file(database)
    if not (database.exists() and counts.exists()):
        return False
    tables = json.loads(counts.read_text()).get(DATABASE, {}).get("tables", {})
    return tables.get("articles", {}).get("count") == articles


def add_urls(plan: dict, database: Path) -> None:
    """Give each case Datasette's equivalent of our URLs (``datasette``), where it has one.

    E6 (a misspelt actor name) has none: Datasette matches words, not misspellings.
    """
    for item in plan["cases"]:
        item["datasette"] = equivalent(item, database)


def equivalent(item: dict, database: Path) -> list[str] | None:
    claims = "/desk/claims.json?" + urlencode(
        {"status__not": "retracted", "_sort_desc": "said_on", "_size": 20, "_shape": "objects"}
    )
    case = item["id"]
    if case in {"E1", "E3 p1"}:
        return [claims]
    if case == "E3 90%":
        return [f"{claims}&_next={quote(deep_claim_token(database), safe=',')}"]
    if case == "E2":
        return [_articles(parse_qs(urlsplit(url).query)) for url in item["ours"]]
    if case == "E4":
        return [
            f"/desk/articles/{url.rstrip('/').rsplit('/', 1)[1]}.json?_shape=objects"
            for url in item["ours"]
        ]
    if case.startswith("E5"):
        return [_articles(parse_qs(urlsplit(url).query)) for url in item["ours"]]
    return None


def _articles(query: dict) -> str:
    """An article list as ours filters it: publisher, dates, search; newest first, no body."""
    params = {
        "publisher": query.get("publisher", [None])[0],
        "published_on__gte": query.get("published_after", [None])[0],
        "published_on__lte": query.get("published_before", [None])[0],
        "_search": query.get("search", [None])[0],
    }
    params = {k: v for k, v in params.items() if v}
    params |= {"_sort_desc": "published_on", "_size": 20, "_nocol": "body", "_shape": "objects"}
    return "/desk/articles.json?" + urlencode(params)


def deep_claim_token(database: Path) -> str:
    """Datasette's ``_next`` token (sort value, primary key) for the claim at 90 % depth.

    Datasette orders ``_sort_desc=said_on`` by ``said_on DESC, id``.
    """
    lite = sqlite3.connect(database)
    visible = "FROM claims WHERE status != 'retracted'"
    total = lite.execute(f"SELECT count(*) {visible}").fetchone()[0]
    said_on, pk = lite.execute(
        f"SELECT said_on, id {visible} ORDER BY said_on DESC, id LIMIT 1 OFFSET ?",
        [int(total * 0.9)],
    ).fetchone()
    lite.close()
    return f"{said_on},{pk}"


def _datasette() -> str:
    return str(Path(sys.executable).with_name("datasette"))


if __name__ == "__main__":
    import os

    if len(sys.argv) != 3 or sys.argv[1] != "export":
        raise SystemExit(__doc__)
    export(os.environ["DATABASE_URL"], Path(sys.argv[2]))
