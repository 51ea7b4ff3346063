"""The Django side of the benchmark: scenario URLs, query counts, SQL for L1, plans, ingest.

``prepare`` picks the URLs of every scenario from the loaded corpus, requests
each once through Django's test client inside CaptureQueriesContext (queries
per request, counted by Django itself), records the API's SQL for the L1 app
and saves EXPLAIN (ANALYZE, BUFFERS) of the slowest statements. ``ingest``
measures E8: the bulk path on a throwaway copy of the database, the rest inside a
transaction that is rolled back. ``bulk`` measures the bulk path alone.

Usage (from the repository root, DATABASE_URL pointing at the bench database):
    python bench/probe.py prepare OUT_DIR
    python bench/probe.py ingest OUT_DIR --seconds 20 --tier S --bulk-count 10000
    python bench/probe.py bulk OUT_DIR --tier S --bulk-count 10000
"""

import argparse
import itertools
import json
import math
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "libya.settings")

import django  # noqa: E402

django.setup()

import feed  # noqa: E402
import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core import signing  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from psycopg.conninfo import make_conninfo  # noqa: E402

from libya.desk import bulk, history, ingest  # noqa: E402
from libya.desk.models import Actor, Article, Claim, Event  # noqa: E402
from synthetic import MARKERS, TIERS  # noqa: E402
from synthetic.load import TableCopy  # noqa: E402
from synthetic.rows import Corpus  # noqa: E402
from synthetic.text import unaccented  # noqa: E402

API = "/api/v1"
NAIVE = "/naive"
PAGE = 20
ROTATION = 40
NAIVE_SETTINGS = {
    "ROOT_URLCONF": "naive_api",
}
E9_URLS = 10_000
E9_DRAWS = 200_000
E9_ZIPF = 1.0
SHARES = {"ornithologue": "rare", "lavande": "5%", "boulangerie": "20%", "parchemin": "98%"}


def case(case_id: str, label: str, ours: list[str], naive: list[str] | None, **extra) -> dict:
    return {"id": case_id, "label": label, "ours": ours, "naive": naive, **extra}


def cases() -> list[dict]:
    """Every scenario with the URLs it rotates through, for our API and the naive peer."""
    claims = f"{API}/claims/?page_size={PAGE}"
    found = [
        case("E1", "claims, 20 newest", [claims], [f"{NAIVE}/claims/"]),
        case("E2", "articles by publisher + dates", *publisher_urls()),
        case("E3 p1", "claims page 1", [claims], [f"{NAIVE}/claims/?page=1"]),
        case("E3 90%", "claims at 90 % depth", *deep_urls(claims)),
        case("E4", "article by slug", *detail_urls()),
    ]
    for term in MARKERS:
        ours = f"{API}/articles/?search={term}&page_size={PAGE}"
        found.append(
            case(
                f"E5 {SHARES[term]}",
                f"search {term!r}",
                [ours],
                [f"{NAIVE}/articles/?search={term}"],
            )
        )
    # Datasette's semantics, for a like-for-like comparison: the newest matches, unranked,
    # without snippets (the naive peer has no such ordering).
    for term in MARKERS:
        ours = f"{API}/articles/?search={term}&ordering=-published_on&page_size={PAGE}"
        found.append(case(f"E5d {SHARES[term]}", f"search {term!r}, newest first", [ours], None))
    found.append(case("E6", "actor search, misspelt", *actor_search_urls()))
    admin = f"/{settings.ADMIN_PATH}desk/claim/"
    found.append(case("E7 all", "admin claims", [admin], None, admin=True))
    found.append(
        case(
            "E7 filter",
            "admin claims, verified",
            [f"{admin}?status__exact=verified"],
            None,
            admin=True,
        )
    )
    return found


def spread(queryset, count: int = ROTATION) -> list:
    """``count`` rows spread evenly over the table by id, the same ones on every run."""
    last = queryset.order_by("-pk").values_list("pk", flat=True).first() or 0
    wanted = {1 + i * last // count for i in range(count)}
    return list(queryset.filter(pk__in=wanted).order_by("pk"))


def publisher_urls() -> tuple[list[str], list[str]]:
    publishers = list(
        Actor.objects.filter(kind=Actor.Kind.MEDIA)
        .order_by("pk")
        .values_list("slug", flat=True)[:10]
    )
    ours, naive = [], []
    for n, slug in enumerate(publishers or ["none"]):
        year = 2012 + n % 12
        query = {
            "publisher": slug,
            "published_after": f"{year}-01-01",
            "published_before": f"{year + 1}-06-30",
        }
        ours.append(f"{API}/articles/?{urlencode(query)}&page_size={PAGE}")
        naive.append(f"{NAIVE}/articles/?{urlencode(query)}")
    return ours, naive


def detail_urls() -> tuple[list[str], list[str]]:
    slugs = [article.slug for article in spread(Article.objects.only("slug"))]
    return [f"{API}/articles/{s}/" for s in slugs], [f"{NAIVE}/articles/{s}/" for s in slugs]


def misspelt(name: str) -> str:
    """Unaccented, with its last vowel changed: Haftar -> Hafter."""
    plain = unaccented(name)
    for i in range(len(plain) - 1, 0, -1):
        if plain[i] in "aeiou":
            return (
                plain[:i]
                + {"a": "e", "e": "a", "i": "y", "o": "a", "u": "o"}[plain[i]]
                + plain[i + 1 :]
            )
    return plain


def actor_search_urls() -> tuple[list[str], list[str]]:
    people = spread(Actor.objects.filter(kind=Actor.Kind.PERSON).only("name"))
    terms = [quote(misspelt(actor.name.split(" ", 1)[1])) for actor in people]
    return [f"{API}/actors/?search={t}&page_size={PAGE}" for t in terms], [
        f"{NAIVE}/actors/?search={t}" for t in terms
    ]


def deep_urls(first_page: str) -> tuple[list[str], list[str]]:
    """A cursor at 90 % depth, signed like the API's own ``next`` links; page N for the peer."""
    visible = Claim.objects.published()
    depth = int(visible.count() * 0.9)
    next_link = Client().get(first_page).json()["next"]
    token = parse_qs(urlsplit(next_link).query)["cursor"][0]
    cursor = signing.loads(token, salt="libya.desk.api.cursor")
    ordering = [term.replace("-", "", 1) if term.startswith("-") else term for term in cursor["o"]]
    fields = ["pk" if name in {"pk", "id"} else name for name in ordering]
    row = visible.order_by(*cursor["o"]).values_list(*fields)[depth]
    values = [value.isoformat() if hasattr(value, "isoformat") else value for value in row]
    deep = signing.dumps({**cursor, "v": values}, salt="libya.desk.api.cursor")
    return [f"{first_page}&cursor={quote(deep)}"], [
        f"{NAIVE}/claims/?page={math.ceil(depth / PAGE)}"
    ]


def e9_urls() -> list[str]:
    """At least 10,000 distinct read URLs: details, filtered lists and searches, mixed.

    Their order (a fixed shuffle) is their popularity rank in the Zipf draw.
    """
    articles = list(Article.objects.order_by("pk").values_list("slug", flat=True))
    claims = list(Claim.objects.published().order_by("pk").values_list("pk", flat=True))
    people = list(
        Actor.objects.filter(kind=Actor.Kind.PERSON).order_by("pk").values_list("name", "slug")
    )
    media = list(
        Actor.objects.filter(kind=Actor.Kind.MEDIA).order_by("pk").values_list("slug", flat=True)
    )
    years = range(2012, 2025)
    urls = [f"{API}/articles/{slug}/" for slug in articles[:: max(1, len(articles) // 5_500)]]
    urls += [f"{API}/claims/{pk}/" for pk in claims[:: max(1, len(claims) // 1_500)]]
    urls += [f"{API}/actors/{slug}/" for _, slug in people[:500]]
    urls += [
        f"{API}/articles/?publisher={slug}&published_after={y}-01-01&published_before={y}-12-31"
        f"&page_size={PAGE}"
        for slug, y in itertools.product(media[:60], years)
    ]
    urls += [
        f"{API}/events/?kind={kind}&date_after={y}-01-01&date_before={y}-12-31&page_size={PAGE}"
        for kind, y in itertools.product(Event.Kind.values, years)
    ]
    urls += [f"{API}/claims/?speaker={slug}&page_size={PAGE}" for _, slug in people[:1_000]]
    surnames = sorted({unaccented(name.split(" ", 1)[-1]) for name, _ in people})
    urls += [f"{API}/actors/?search={quote(term)}&page_size={PAGE}" for term in surnames[:400]]
    urls += [f"{API}/articles/?search={quote(term)}&page_size={PAGE}" for term in surnames[:300]]
    urls += [f"{API}/articles/?search={term}&page_size={PAGE}" for term in MARKERS]
    urls = list(dict.fromkeys(urls))
    if len(urls) < E9_URLS:
        raise SystemExit(f"E9 needs {E9_URLS:,} distinct URLs; this tier gives {len(urls):,}")
    random.Random(9).shuffle(urls)
    return urls


def zipf_draws(urls: list[str], draws: int = E9_DRAWS) -> list[str]:
    """A request sequence: the URL of rank r drawn with weight 1 / r**s (fixed seed)."""
    weights = list(itertools.accumulate(1 / rank**E9_ZIPF for rank in range(1, len(urls) + 1)))
    return random.Random(2026).choices(urls, cum_weights=weights, k=draws)


def capture(client: Client, path: str) -> tuple[int, list[dict]]:
    # The log keeps 9,000 queries: past that, a capture would slice an empty window.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, HTTP_ACCEPT="application/json")
    return response.status_code, queries.captured_queries


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def is_read(sql: str) -> bool:
    return sql.lstrip().upper().startswith(("SELECT", "WITH", "EXPLAIN"))


def prepare(out: Path) -> None:
    plan = {"cases": cases(), "queries": {}, "exact_count": {}, "status": {}}
    # The startup options of the desk's connections (settings.DESK_SERVER_SETTINGS): L1
    # runs the captured SQL under them, as the desk does (E6 matches by their threshold).
    plan["server_options"] = connection.settings_dict["OPTIONS"].get("options", "")
    l1: dict[str, list[str]] = {}
    plans: list[str] = []
    user, _ = get_user_model().objects.get_or_create(
        username="bench-editor", defaults={"is_staff": True, "is_superuser": True}
    )
    editor = Client()
    editor.force_login(user)
    plan["cookie"] = (
        f"{settings.SESSION_COOKIE_NAME}={editor.cookies[settings.SESSION_COOKIE_NAME].value}"
    )
    for item in plan["cases"]:
        servers = {"ours": (editor if item.get("admin") else Client(), item["ours"], None)}
        if item["naive"]:
            servers["naive"] = (Client(), item["naive"], NAIVE_SETTINGS)
        for server, (client, paths, overrides) in servers.items():
            with override_settings(**(overrides or {})):
                captured = [capture(client, path) for path in paths]
            key = f"{item['id']}/{server}"
            plan["status"][key] = sorted({status for status, _ in captured})
            plan["queries"][key] = max(len(queries) for _, queries in captured)
            plan["exact_count"][key] = any(_exact_count(q["sql"]) for _, qs in captured for q in qs)
            if server == "ours" and not item.get("admin"):
                for path, (_, queries) in zip(paths, captured, strict=True):
                    l1[path] = [q["sql"] for q in queries if is_read(q["sql"])]
            plans.append(_explained(key, captured[0][1]))
    plan["e9"] = prepare_e9(out, l1)
    (out / "plan.json").write_text(json.dumps(plan, indent=1))
    (out / "l1_queries.json").write_text(json.dumps(l1))
    (out / "explain.txt").write_text("\n".join(plans))


def prepare_e9(out: Path, l1: dict) -> dict:
    """E9's URLs, each requested once to record its SQL for L1; the draw goes to e9.json."""
    urls = e9_urls()
    client, statuses = Client(), {}
    for path in urls:
        status, queries = capture(client, path)
        statuses[status] = statuses.get(status, 0) + 1
        l1[path] = [q["sql"] for q in queries if is_read(q["sql"])]
        if status == 200 and not l1[path]:
            raise SystemExit(f"No SQL captured for {path}")
    draws = zipf_draws(urls)
    (out / "e9.json").write_text(json.dumps(draws))
    kinds: dict[str, int] = {}
    for path in urls:
        kind = path[len(API) :].split("?")[0].strip("/").split("/")
        label = kind[0] + ("/<key>" if len(kind) > 1 else "?search" if "search=" in path else "")
        kinds[label] = kinds.get(label, 0) + 1
    return {
        "urls": len(urls),
        "draws": len(draws),
        "distinct_drawn": len(set(draws)),
        "zipf_s": E9_ZIPF,
        "statuses": statuses,
        "kinds": kinds,
        "examples": urls[:5],
    }


def _exact_count(sql: str) -> bool:
    upper = sql.upper()
    return "COUNT(" in upper and "LIMIT" not in upper and "EXPLAIN" not in upper


def _explained(key: str, queries: list[dict]) -> str:
    slowest = sorted((q for q in queries if is_read(q["sql"])), key=lambda q: -float(q["time"]))[:3]
    parts = [f"===== {key}: {len(queries)} queries; EXPLAIN ANALYZE of the slowest {len(slowest)}"]
    for query in slowest:
        sql = query["sql"]
        body = (
            explain(sql)
            if not sql.lstrip().upper().startswith("EXPLAIN")
            else "(an EXPLAIN itself)"
        )
        parts += [f"--- {query['time']} s: {sql[:2000]}", body, ""]
    return "\n".join(parts)


def measure_ingest(out: Path, seconds: float, tier: str, bulk_count: int) -> None:
    """E8: the bulk path on a throwaway copy; documents through ingest.import_document, then
    claims through COPY, rolled back."""
    # A bulk run needs a copy of the whole database (27 GB at tier L): --bulk-count 0 skips it.
    report = {"bulk": _bulk_articles(tier, bulk_count) if bulk_count else None}
    with transaction.atomic():
        report["articles"] = _ingest_articles(seconds)
        report["claims_copy_loader"] = _copy_claims(replica=True)
        # Row triggers make this path two orders of magnitude slower: a sample is enough.
        report["claims_copy_triggers"] = _copy_claims(replica=False, count=5_000)
        transaction.set_rollback(True)
    (out / "ingest.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))


def _ingest_articles(seconds: float) -> dict:
    corpus = Corpus(TIERS["XS"], seed=8, sources_dir=settings.SOURCES_DIR)
    articles = [a for batch in corpus.article_batches() for a in batch.articles]
    with tempfile.TemporaryDirectory() as directory:
        paths = []
        for n, article in enumerate(articles):
            path = Path(directory) / f"bench-ingest-{n:05d}.txt"
            path.write_text(f"{article['title']}\n\n{article['body']}\n", "utf-8")
            paths.append((path, ingest.SourceMeta(source=path.name, title=article["title"])))
        started, done = time.perf_counter(), 0
        for path, meta in paths:
            ingest.import_document(path, meta, {})
            done += 1
            if time.perf_counter() - started > seconds:
                break
        elapsed = time.perf_counter() - started
    return {"documents": done, "seconds": elapsed, "per_second": done / elapsed}


def _bulk_articles(tier: str, count: int) -> dict:
    """``import_articles``'s path on a generated JSON Lines feed naming the tier's actors.

    Measured as the command runs, each batch committed, so on a throwaway copy of the
    bench database rather than in a transaction rolled back at the end: inside one
    long transaction every batch is a savepoint, and the mention links' key-share
    locks on the same actor rows, taken from savepoint after savepoint, made each
    batch cost the server about 40 % more than a committed batch does.
    """
    with tempfile.TemporaryDirectory() as directory, _database_copy("libya_bench_bulk"):
        path = Path(directory) / "feed.jsonl"
        feed.write_feed(path, count, tier, prefix="bench-bulk")
        size = path.stat().st_size
        with history.command_context("import_articles"):
            started = time.perf_counter()
            result = bulk.import_paths([path])
            elapsed = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM desk_article_mentioned_actors m JOIN desk_article a "
                "ON a.id = m.article_id WHERE a.source LIKE 'bench-bulk/%%'"
            )
            (mentions,) = cursor.fetchone()
    return {
        "documents": result.created,
        "rejected": len(result.rejected),
        "mentions": mentions,
        "bytes_per_document": size / max(count, 1),
        "seconds": elapsed,
        "per_second": result.created / elapsed,
    }


@contextmanager
def _database_copy(name: str) -> Iterator[None]:
    """Point Django's connection at a copy of the bench database for the block, then drop it."""
    settings_dict = connection.settings_dict
    source = settings_dict["NAME"]
    connection.close()  # a template must have no other session
    params = connection.get_connection_params()
    params = {key: params[key] for key in ("host", "port", "user", "password") if key in params}
    admin = make_conninfo(dbname="postgres", **params)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        settings_dict["NAME"] = source
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _copy_claims(*, replica: bool, count: int = 100_000) -> dict:
    """Existing claims COPYed again into the full table, under new ids, in a rolled-back savepoint.

    Real texts and lengths; the span end moves by one character only to pass the
    unique (article, span) constraint. Foreign keys and triggers fire unless ``replica``.
    """
    copier = TableCopy(Claim)
    first = (Claim.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    rows = []
    for n, claim in enumerate(Claim.objects.order_by("pk").values()[:count]):
        claim.pop("search_vector", None)
        rows.append({**claim, "id": first + count + n, "span_end": claim["span_end"] + 1})
    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor.connection.cursor()
        if replica:
            cursor.execute("SET LOCAL session_replication_role = replica")
        started = time.perf_counter()
        copier.write(cursor, rows, False, lambda _: None)
        elapsed = time.perf_counter() - started
        if replica:
            cursor.execute("SET LOCAL session_replication_role = origin")
        transaction.set_rollback(True)
    return {"rows": len(rows), "seconds": elapsed, "per_second": len(rows) / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["prepare", "ingest", "bulk"])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--tier", default="S")
    parser.add_argument("--bulk-count", type=int, default=10_000)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    # The SQL the views run, not the response cache's generation read.
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []},
        DESK_RESPONSE_CACHE=False,
    ):
        if args.action == "prepare":
            prepare(args.out)
        elif args.action == "bulk":  # E8 bulk alone, after `make bench` loaded the tier
            print(json.dumps(_bulk_articles(args.tier, args.bulk_count), indent=1))
        else:
            measure_ingest(args.out, args.seconds, args.tier, args.bulk_count)


if __name__ == "__main__":
    main()
