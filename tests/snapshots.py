"""What a database holds, seen through its tables and through every list of the API.

``table_fingerprints()`` reads the tables over the current connection. Run as
``python -m tests.snapshots OUT.json`` in a Django process of its own (DATABASE_URL
picks the database), it writes both the tables and a crawl of the API, so that two
databases can be compared record by record (tests/test_backup.py).
"""

import csv
import io
import json
import re
import sys
from pathlib import Path

# Small pages, so that every list is also walked through several `next` links.
SMALL_PAGE = 7
PATH_PARAM = re.compile(r"{(\w+)}")


def table_fingerprints(cursor=None) -> dict[str, list]:
    """Row count and an MD5 of all rows of every table, through a DB-API `cursor` (by
    default one of Django's connection)."""
    if cursor is None:
        from django.db import connection

        with connection.cursor() as cursor:
            return table_fingerprints(cursor)
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    fingerprints = {}
    for (table,) in sorted(cursor.fetchall()):
        name = '"{}"'.format(table.replace('"', '""'))
        cursor.execute(
            "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), ''))"
            f" FROM {name} AS t"
        )
        fingerprints[table] = list(cursor.fetchone())
    return fingerprints


def api_snapshot(client) -> dict[str, dict]:
    """Every record of every GET operation in the schema, all pages, keyed by first URL.

    Lists are read at the default and at a small page size, and as CSV where offered;
    operations with a path parameter (details, timelines) are read for every record of
    the list their path starts with.
    """
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    operations = {path: ops["get"] for path, ops in schema["paths"].items() if "get" in ops}
    responses = {}
    for path, operation in operations.items():
        if PATH_PARAM.search(path):
            continue
        small = f"{path}?page_size={SMALL_PAGE}"
        responses[path] = crawl(client, path, path, operation)
        responses[small] = crawl(client, small, path, operation)
        if "text/csv" in _media_types(operation):
            responses[f"{path}?format=csv"] = crawl_csv(client, f"{path}?format=csv", path)
    for path, operation in operations.items():
        for url in _filled(path, responses):
            responses[url] = crawl(client, url, path, operation)
    return responses


def crawl(client, url: str, path: str, operation: dict) -> dict:
    """Follow `next` links from `url` until they run out; a detail is a one-record page."""
    result = {"path": path, "list": _is_list(operation), "statuses": [], "count": None}
    result["records"] = []
    while url:
        response = client.get(url)
        result["statuses"].append(response.status_code)
        if response.status_code != 200:
            break
        body = response.json()
        if not result["list"]:
            result["records"].append(body)
            break
        if result["count"] is None:
            result["count"] = body["count"]
        result["records"] += body["results"]
        url = body["next"]
    return result


def crawl_csv(client, url: str, path: str) -> dict:
    """One streamed CSV answer: the header, then a record per line."""
    response = client.get(url)
    text = b"".join(response.streaming_content).decode() if response.status_code == 200 else ""
    rows = list(csv.reader(io.StringIO(text)))
    return {"path": path, "list": True, "statuses": [response.status_code], "records": rows[1:]}


def _filled(path: str, responses: dict) -> list[str]:
    """`path` with its parameter filled from each record of the list it starts with."""
    params = PATH_PARAM.findall(path)
    if len(params) != 1:
        return []
    parent = responses.get(path[: path.index("{")], {"records": []})
    return [path.replace(f"{{{params[0]}}}", str(row[params[0]])) for row in parent["records"]]


def _media_types(operation: dict) -> list[str]:
    return list(operation["responses"].get("200", {}).get("content", {}))


def _is_list(operation: dict) -> bool:
    # drf-spectacular names list actions <basename>_list (custom list actions included).
    return operation["operationId"].endswith("_list")


def main(output: str) -> None:
    import django

    django.setup()
    from django.test import Client

    tables = table_fingerprints()  # before any request, in case a request writes
    snapshot = {"tables": tables, "responses": api_snapshot(Client())}
    Path(output).write_text(json.dumps(snapshot, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
