"""The editor's pages on a synthetic tier: the review dashboard and actor dossiers (issue 13).

    python bench/desk.py --tier curated  # make bench-desk TIER=curated (target: 300 ms)
    python bench/desk.py --tier M        # make bench-desk TIER=M (target: 1 s)

``curated`` is the development database (DATABASE_URL) with the curated corpus seeded;
the tiers use the benchmark's database (``libya_bench``, see run.py), generated first if
it does not hold the tier. The pages are rendered in this process through Django's test
client, logged in as an editor of the Editors group (created in the bench database if
missing), with production settings: the whole request, middleware and templates included,
without a network in between. Dossiers are timed for the actors with the most claims,
events and relations (the heaviest pages) and for a median one, and for the dossier's JSON
endpoints (timeline and graph) as the charts load them.
"""

import argparse
import json
import os
import subprocess
import sys
import time

from run import PY, ROOT, TIERS, bench_env, bench_url, ensure_corpus

GOAL_SECONDS = {"curated": 0.3, "M": 1.0}  # issue 13: ≤ 300 ms on the curated corpus, ≤ 1 s on M

# Runs in a Django process of its own on the bench database: prints one line per page.
SCRIPT = r"""
import json, statistics, sys, time
import django
django.setup()
from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.models import Count
from django.db.models.functions import Coalesce
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from libya.desk.models import Actor

rounds = int(sys.argv[1])
editor, _ = User.objects.get_or_create(username="bench-editor", defaults={"is_staff": True})
editor.groups.add(Group.objects.get(name="Editors"))
client = Client()
client.force_login(editor)

from django.db.models import OuterRef, Subquery
from libya.desk.models import Claim, Participation

def counted(model, field):
    rows = model.objects.filter(**{field: OuterRef("pk")}).order_by().values(field)
    return Subquery(rows.annotate(n=Count("pk")).values("n")[:1])

by_weight = Actor.objects.annotate(
    weight=Coalesce(counted(Claim, "speaker"), 0) + Coalesce(counted(Participation, "actor"), 0)
).order_by("-weight", "pk")
heaviest = list(by_weight[:2])
median = by_weight[by_weight.count() // 2]
from django.conf import settings
from django.core.cache import caches

def forget_figures():
    caches[settings.DESK_RESPONSE_CACHE_ALIAS].clear()  # as a write's new generation does

pages = [
    ("dashboard, first view after a change", reverse("admin:index"), forget_figures),
    ("dashboard, later views", reverse("admin:index"), None),
]
for label, actor in [("heaviest", a) for a in heaviest] + [("median", median)]:
    name = f"{actor.name} ({label}, {actor.weight} claims and events)"
    dossier = reverse("admin:desk_actor_dossier", args=[actor.pk])
    pages.append((f"dossier of {name}", dossier, None))
    pages.append((f"timeline JSON of {name}", f"/api/v1/actors/{actor.slug}/timeline/", None))
    pages.append((f"graph JSON of {name}", f"/api/v1/actors/{actor.slug}/graph/", None))

for label, url, before in pages:
    client.get(url)  # warm: templates, compiled statements, connection
    times = []
    for _ in range(rounds):
        if before:
            before()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(json.dumps({"page": label, "url": url, "p50": statistics.median(times), "p95": p95,
                      "queries": len(queries), "bytes": len(response.content)}), flush=True)
editor.delete()  # the account exists for this run only
"""


def database(tier: str) -> dict:
    """The environment of a process on the tier's database, filled first if need be."""
    if tier == "curated":
        env = bench_env(os.environ["DATABASE_URL"])
        for command in (
            ["migrate", "--noinput", "-v0"],
            ["seed"],
            ["collectstatic", "--noinput", "-v0"],
        ):
            subprocess.run(
                [PY, "manage.py", *command], env=env, cwd=ROOT, check=True, capture_output=True
            )
        return env
    dsn = bench_url()
    env = bench_env(dsn)
    ensure_corpus(tier, dsn, env)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", default="S", choices=[*TIERS, "curated"])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    env = database(args.tier) | {"DJANGO_SETTINGS_MODULE": "libya.settings"}
    started = time.perf_counter()
    done = subprocess.run(
        [PY, "-c", SCRIPT, str(args.rounds)], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    goal = GOAL_SECONDS.get(args.tier)
    print(f"tier {args.tier}: editor pages, {args.rounds} requests each (in-process, logged in)")
    print(f"{'page':<78}{'p50 ms':>8}{'p95 ms':>8}{'queries':>9}{'KB':>7}")
    for row in rows:
        print(
            f"{row['page'][:77]:<78}{row['p50'] * 1000:8.0f}{row['p95'] * 1000:8.0f}"
            f"{row['queries']:9d}{row['bytes'] / 1024:7.0f}"
        )
    if goal is not None:
        worst = max(row["p95"] for row in rows)
        verdict = "met" if worst <= goal else "MISSED"
        worst_ms = worst * 1000
        print(
            f"goal: every page ≤ {goal * 1000:.0f} ms at p95: {verdict} (worst {worst_ms:.0f} ms)"
        )
    print(
        f"(whole run {time.perf_counter() - started:.0f} s, load average {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    sys.exit(main())
