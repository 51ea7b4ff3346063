"""Compiled list statements against the queryset path, paired in one process.

For the list URLs of ``overhead.py`` (E1, E2, E5), requests alternate between the
compiled path (``views.CompiledListMixin``) and the queryset path (``compiled_page``
stepped aside), so that both see the same load; each reports the median Python time
per request (wall minus the time in the database's execute calls) and the median wall.

    python bench/compiled_lists.py [--requests 300]

DATABASE_URL names the bench database (``make bench-compiled-lists`` sets it).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "libya.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from overhead import DatabaseClock  # noqa: E402

from libya.desk.api.views import CompiledListMixin  # noqa: E402
from libya.desk.models import Actor  # noqa: E402


def urls() -> dict[str, str]:
    publisher = Actor.objects.filter(kind=Actor.Kind.MEDIA).order_by("pk").first().slug
    return {
        "E1 claims, 20 newest": "/api/v1/claims/?page_size=20",
        "E2 articles by publisher": f"/api/v1/articles/?publisher={publisher}"
        "&published_after=2012-01-01&published_before=2013-06-30&page_size=20",
        "E5 search, rare term": "/api/v1/articles/?search=ornithologue&page_size=20",
    }


def measure(client: Client, url: str, requests: int) -> dict[str, dict[str, float]]:
    compiled = CompiledListMixin.compiled_page
    paths = {"compiled": compiled, "queryset": lambda self, request: None}
    samples = {name: [] for name in paths}
    database = DatabaseClock()
    for _ in range(3):  # compile the shape, warm the caches
        client.get(url)
    try:
        with connection.execute_wrapper(database):
            for _ in range(requests):
                for name, method in paths.items():
                    CompiledListMixin.compiled_page = method
                    database.seconds = 0.0
                    start = time.perf_counter()
                    response = client.get(url)
                    wall = time.perf_counter() - start
                    if response.status_code != 200:
                        raise SystemExit(f"{url}: {response.status_code}")
                    samples[name].append((wall - database.seconds, wall))
    finally:
        CompiledListMixin.compiled_page = compiled
    return {
        name: {
            "python_ms": statistics.median(s[0] for s in found) * 1000,
            "wall_ms": statistics.median(s[1] for s in found) * 1000,
        }
        for name, found in samples.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    requests = parser.parse_args().requests
    rate = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1000000/s"}}
    with override_settings(DESK_RESPONSE_CACHE=False, REST_FRAMEWORK=rate):
        client = Client()
        for name, url in urls().items():
            for path, figures in measure(client, url, requests).items():
                print(
                    f"{name:26s} {path:9s} Python {figures['python_ms']:6.2f} ms"
                    f"  wall {figures['wall_ms']:6.2f} ms (medians)"
                )


if __name__ == "__main__":
    main()
