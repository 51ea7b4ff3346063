"""Where the Python time of one API request goes, in process, without a network in between.

For a few benchmark URLs, many requests go through Django's WSGI handler as gunicorn
calls it (request_started and request_finished included, production settings):

1. the wall time per request and, through a database execute wrapper, the part spent
   waiting for PostgreSQL (statement sent to rows received); the rest is Python;
2. the same SQL run bare on psycopg with the rows dumped by orjson (L1 in process);
3. each middleware's own time, between clock stamps inserted around it (for an
   anonymous read: MIDDLEWARE up to the read path, then DESK_READ_MIDDLEWARE);
4. a cProfile of the full stack, own time grouped by package (DRF dispatch, content
   negotiation, throttling, filters, pagination, serializers, rendering, middleware...);
5. the same URL as a hit of the response cache (wall time, and the generation read's).

    python bench/overhead.py [--requests 400] [--out FILE.json]

DATABASE_URL names the bench database (``make bench-overhead`` sets it as ``make bench`` does).
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "libya.settings")

import django  # noqa: E402

django.setup()

import orjson  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from probe import deep_urls  # noqa: E402

from libya.desk.models import Actor, Article  # noqa: E402

# Own time of each function, grouped by the first of these path fragments it contains.
GROUPS = [
    ("libya/desk/responsecache", "response cache"),
    ("libya/desk/readpath", "response cache"),
    ("rest_framework/negotiation", "DRF content negotiation"),
    ("rest_framework/throttling", "DRF throttling"),
    ("rest_framework/serializers", "DRF serializers"),
    ("rest_framework/fields", "DRF serializers"),
    ("rest_framework/renderers", "DRF rendering"),
    ("libya/desk/api/renderers", "rendering (orjson)"),
    ("orjson", "rendering (orjson)"),
    ("libya/desk/api/pagination", "pagination (ours)"),
    ("rest_framework/pagination", "pagination (DRF)"),
    ("django/core/signing", "pagination (cursor signing)"),
    ("hashlib", "pagination (cursor signing)"),
    ("hmac", "pagination (cursor signing)"),
    ("libya/desk/api/serializers", "serializers (ours)"),
    ("libya/desk/api/filters", "filters (ours)"),
    ("libya/desk/api/backends", "filters (ours)"),
    ("django_filters", "django-filter"),
    ("rest_framework", "DRF dispatch, request, views"),
    ("libya/desk/api", "API views (ours)"),
    ("libya/desk/querysets", "querysets (ours)"),
    ("django/db/models/sql", "ORM: SQL compilation"),
    ("django/db/models", "ORM: querysets, models"),
    ("django/db/backends", "database adapter (Django)"),
    ("psycopg", "psycopg (incl. waiting for the server)"),
    ("corsheaders", "middleware: CORS"),
    ("csp/", "middleware: CSP"),
    ("whitenoise", "middleware: WhiteNoise"),
    ("axes", "middleware: axes"),
    ("pghistory", "middleware: pghistory"),
    ("django/contrib/sessions", "middleware: sessions"),
    ("django/contrib/auth", "middleware: authentication"),
    ("django/contrib/messages", "middleware: messages"),
    ("django/middleware", "middleware: Django's (security, common, CSRF, clickjacking)"),
    ("django/views/decorators", "conditional GET (ETag)"),
    ("django/utils/cache", "conditional GET (ETag)"),
    ("django/core/handlers", "Django request handling"),
    ("django/http", "Django request/response objects"),
    ("django/urls", "URL resolving"),
    ("django/dispatch", "signals"),
    ("django/utils", "Django utils"),
    ("django/", "Django, other"),
]


def urls() -> dict[str, str]:
    article = Article.objects.order_by("pk").values_list("slug", flat=True)[1000]
    publisher = Actor.objects.filter(kind=Actor.Kind.MEDIA).order_by("pk").first().slug
    first_claims = "/api/v1/claims/?page_size=20"
    return {
        "E1 claims, 20 newest": first_claims,
        "E2 articles by publisher": f"/api/v1/articles/?publisher={publisher}"
        "&published_after=2012-01-01&published_before=2013-06-30&page_size=20",
        "E3 claims at 90 % depth": deep_urls(first_claims)[0][0],
        "E4 article by slug": f"/api/v1/articles/{article}/",
        "E5 search, rare term": "/api/v1/articles/?search=ornithologue&page_size=20",
        "E5d search, rare term, newest first": "/api/v1/articles/?search=ornithologue"
        "&ordering=-published_on&page_size=20",
    }


def environ(url: str) -> dict:
    path, _, query = url.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_ACCEPT": "application/json",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }


def request(handler: WSGIHandler, url: str) -> int:
    status = []
    body = handler(environ(url), lambda s, h, *a: status.append(s))
    for _ in body:
        pass
    body.close()  # request_finished: as gunicorn does
    return int(status[0].split()[0])


class DatabaseClock:
    """Time spent inside cursor.execute (psycopg 3 receives the rows there)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def per_request(handler: WSGIHandler, url: str, count: int) -> tuple[float, float]:
    """Median wall time per request and median database time per request, in seconds."""
    for _ in range(20):
        status = request(handler, url)
        assert status == 200, (url, status)
    clock, times, database = DatabaseClock(), [], []
    with connection.execute_wrapper(clock):
        for _ in range(count):
            clock.seconds = 0.0
            started = time.perf_counter()
            request(handler, url)
            times.append(time.perf_counter() - started)
            database.append(clock.seconds)
    return statistics.median(times), statistics.median(database)


def l1_in_process(url: str, count: int) -> float:
    """The same SQL run bare on the same connection, rows dumped by orjson (median, seconds)."""
    handler = WSGIHandler()
    with CaptureQueriesContext(connection) as captured:
        request(handler, url)
    statements = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    raw = connection.connection
    times = []
    for _ in range(count):
        started = time.perf_counter()
        results = []
        with raw.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql.encode())
                names = [column.name for column in cursor.description]
                results.append([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])
        orjson.dumps({"results": results}, default=str)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


class Stamps:
    """Clock readings between middleware: a stamp sits before, between and after them all."""

    entered: list[float] = []
    left: list[float] = []
    sums: list[float] = []


def _stamp(position: int) -> type:
    class Stamp:
        def __init__(self, get_response) -> None:
            self.get_response = get_response

        def __call__(self, request):
            Stamps.entered[position] = time.perf_counter()
            response = self.get_response(request)
            Stamps.left[position] = time.perf_counter()
            return response

    Stamp.__name__ = f"Stamp{position}"
    return Stamp


def chain() -> tuple[list[str], list[str]]:
    """The middleware an anonymous API read passes: MIDDLEWARE up to the read path's
    middleware, then DESK_READ_MIDDLEWARE (libya/desk/readpath.py); and the rest of
    MIDDLEWARE, which it skips."""
    names = list(settings.MIDDLEWARE)
    read_path = "libya.desk.readpath.AnonymousReadMiddleware"
    if read_path not in names:
        return names, []
    cut = names.index(read_path) + 1
    return names[:cut] + list(settings.DESK_READ_MIDDLEWARE), names[cut:]


def middleware_costs(url: str, count: int) -> dict[str, float]:
    """Each middleware's own time, in and out (seconds per request), and the view's."""
    names, skipped = chain()
    stamps = []
    for position in range(len(names) + 1):
        globals()[f"Stamp{position}"] = _stamp(position)
        stamps.append(f"{__name__}.Stamp{position}")
    timed = [item for pair in zip(stamps, [*names, None], strict=True) for item in pair if item]
    outer = len(names) - len(settings.DESK_READ_MIDDLEWARE) if skipped else len(names)
    # The stamps up to the read path's middleware go into MIDDLEWARE, the others into
    # the short chain; the middleware it skips stay in place, unstamped.
    outer_timed, read_timed = timed[: 2 * outer], timed[2 * outer :]
    Stamps.entered, Stamps.left = [0.0] * len(stamps), [0.0] * len(stamps)
    Stamps.sums = [0.0] * (len(names) + 1)
    with override_settings(
        MIDDLEWARE=outer_timed + skipped if skipped else timed,
        DESK_READ_MIDDLEWARE=read_timed,
    ):
        handler = WSGIHandler()
        for number in range(count + 20):
            request(handler, url)
            if number < 20:
                continue  # warming up
            for k in range(1, len(stamps)):
                own = (Stamps.entered[k] - Stamps.entered[k - 1]) + (
                    Stamps.left[k - 1] - Stamps.left[k]
                )
                Stamps.sums[k - 1] += own
            Stamps.sums[-1] += Stamps.left[-1] - Stamps.entered[-1]
    costs = {name: total / count for name, total in zip(names, Stamps.sums, strict=False)}
    costs["(view: URL resolving, DRF, the API's code, SQL)"] = Stamps.sums[-1] / count
    return costs


# Phases of a request: (file fragment, function) whose cumulative time, SQL included, is shown.
PHASES = [
    ("rest_framework/views.py", "initialize_request", "DRF: wrap the request"),
    ("rest_framework/views.py", "perform_content_negotiation", "DRF: content negotiation"),
    ("rest_framework/views.py", "perform_authentication", "DRF: authentication"),
    ("rest_framework/views.py", "check_permissions", "DRF: permissions"),
    ("rest_framework/views.py", "check_throttles", "DRF: throttling"),
    ("rest_framework/generics.py", "filter_queryset", "filters: build the queryset"),
    ("rest_framework/generics.py", "paginate_queryset", "pagination: run the page's SQL"),
    ("rest_framework/generics.py", "get_paginated_response", "pagination: links, count"),
    ("rest_framework/serializers.py", "data", "serializers: rows to dicts"),
    ("rest_framework/views.py", "finalize_response", "DRF: finalize (headers)"),
    ("rest_framework/response.py", "rendered_content", "rendering to JSON"),
    ("django/utils/cache.py", "get_conditional_response", "conditional GET (ETag)"),
    ("django/utils/cache.py", "set_response_etag", "ETag: hash of the body"),
    ("django/urls/resolvers.py", "resolve", "URL resolving"),
    ("django/db/backends/base/base.py", "close_if_health_check_failed", "connection health check"),
    ("django/db/__init__.py", "close_old_connections", "request start/end: connections"),
]


def phases(stats: dict, count: int) -> dict[str, float]:
    """Cumulative time of each phase, in seconds per request (the largest match per phase)."""
    found: dict[str, float] = {}
    for (filename, _, function), (_, _, _, cumulative, _) in stats.items():
        for fragment, name, label in PHASES:
            if fragment in filename and function == name:
                found[label] = max(found.get(label, 0.0), cumulative / count)
    return {label: found[label] for *_, label in PHASES if label in found}


def profile(handler: WSGIHandler, url: str, count: int) -> tuple[dict, dict]:
    """Own time per group of packages, and the phases' cumulative times (seconds/request)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        request(handler, url)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    groups: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, _) in stats.items():
        label = next((g for fragment, g in GROUPS if fragment in filename), None)
        label = label or ("C built-ins (socket waits...)" if filename == "~" else "other")
        groups[label] = groups.get(label, 0.0) + own / count
    return dict(sorted(groups.items(), key=lambda item: -item[1])), phases(stats, count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--only", default="", help="measure the URLs whose label has this")
    args = parser.parse_args()
    report = {}
    anonymous_rate = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1000000/s"}}
    for label, url in urls().items():
        if args.only not in label:
            continue
        with override_settings(DESK_RESPONSE_CACHE=False, REST_FRAMEWORK=anonymous_rate):
            handler = WSGIHandler()
            wall, database = per_request(handler, url, args.requests)
            l1 = l1_in_process(url, args.requests)
            own, phase = profile(handler, url, args.requests // 2)
            costs = middleware_costs(url, args.requests // 2)
        with override_settings(DESK_RESPONSE_CACHE=True, REST_FRAMEWORK=anonymous_rate):
            # A hit of the response cache: the generation read, the lookup, the quota.
            hit_wall, hit_database = per_request(WSGIHandler(), url, args.requests)
        report[label] = {
            "url": url,
            "wall_ms": wall * 1000,
            "database_ms": database * 1000,
            "python_ms": (wall - database) * 1000,
            "l1_in_process_ms": l1 * 1000,
            "above_l1_ms": (wall - l1) * 1000,
            "hit_wall_ms": hit_wall * 1000,
            "hit_database_ms": hit_database * 1000,
            "hit_python_ms": (hit_wall - hit_database) * 1000,
            "middleware_ms": {k: v * 1000 for k, v in costs.items()},
            "profile_ms": {k: v * 1000 for k, v in own.items()},
            "phases_ms": {k: v * 1000 for k, v in phase.items()},
        }
        print(json.dumps({label: report[label]}, indent=1), flush=True)
    if args.out:
        args.out.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
