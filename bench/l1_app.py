"""L1, the physical limit: a bare WSGI app that runs the API's own SQL and dumps rows with orjson.

For every benchmark URL, ``probe.py`` records the SQL statements the Django
API executed (parameters bound) into the JSON file named by BENCH_L1_QUERIES.
This app answers the same URL by running those statements on a persistent
psycopg 3 connection per thread and serialising every row it gets back: the
same SQL for the same rows, minus Django, DRF and their serializers.

Run: gunicorn --pythonpath bench l1_app:application
"""

import os
import threading
from pathlib import Path
from urllib.parse import urlunsplit

import orjson
import psycopg

QUERIES: dict[str, list[str]] = orjson.loads(Path(os.environ["BENCH_L1_QUERIES"]).read_bytes())
DSN = os.environ["BENCH_L1_DSN"]
local = threading.local()


def connection() -> psycopg.Connection:
    conn = getattr(local, "conn", None)
    if conn is None or conn.closed:
        conn = local.conn = psycopg.connect(DSN, autocommit=True)
    return conn


def answer(statements: list[str]) -> bytes:
    results = []
    with connection().cursor() as cursor:
        for sql in statements:
            cursor.execute(sql.encode())
            if cursor.description is None:
                continue
            names = [column.name for column in cursor.description]
            results.append([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])
    return orjson.dumps({"results": results}, default=str)


def application(environ, start_response):
    path = urlunsplit(("", "", environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), ""))
    statements = QUERIES.get(path)
    if statements is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"unknown benchmark URL\n"]
    body = answer(statements)
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
