"""The load test (issue 7): gunicorn as deployed, on the S-tier corpus, 2 then 8 connections.

Gunicorn runs with libya/gunicorn.conf.py and production settings (DEBUG off,
persistent connections, anonymous throttling at its production rate) on
loopback, against the synthetic corpus in its own database, ``libya_load``
(LOAD_DATABASE_URL overrides it), generated there when absent. Each phase
sends every connection round a mix of lists, details, searches and CSV exports
until its time is up, while a monitor samples pg_stat_activity.

The run fails (exit 1) on any answer that is neither 2xx nor a deliberate 429,
on a server error or "too many clients" in gunicorn's log, or when the
database connections exceed what gunicorn was sized for (workers x threads).
Figures go to test-output/reliability/load.json (tests/scoreboard.py) when it
passes (load-anon-rate.json with --anon-rate), and with the server log to
test-output/load/<time>/ in any case.

    python bench/loadtest.py               # make loadtest: 60 s at 2, then 60 s at 8
    python bench/loadtest.py --seconds 10  # shorter phases
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import psycopg
import run as bench
from loadgen import _get as get
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from libya import serving  # noqa: E402
from tests.scoreboard import record  # noqa: E402

PHASES = (2, 8)
TIER = "S"
ROTATION = 20
MAX_REQUESTS = 500_000
API = "/api/v1"
# In gunicorn's and Django's stderr: a 500 (logged with its traceback), a killed worker, no slot.
FAILURES = ("Internal Server Error", "Traceback", "WORKER TIMEOUT", "too many clients")


def load_url() -> str:
    if os.environ.get("LOAD_DATABASE_URL"):
        return os.environ["LOAD_DATABASE_URL"]
    params = conninfo_to_dict(os.environ["DATABASE_URL"])
    return make_conninfo(**{**params, "dbname": "libya_load"})


def load_env(dsn: str, anon_rate: str | None) -> dict:
    """The benchmark's production environment, minus its two departures from the defaults.

    bench/run.py raises the anonymous rate out of reach and keeps connections
    for 600 s; here both stay at what settings.py gives a deployment.
    """
    env = bench.bench_env(dsn)
    for name in ("DESK_ANON_RATE", "DJANGO_CONN_MAX_AGE"):
        env.pop(name)
    if anon_rate:
        env["DESK_ANON_RATE"] = anon_rate
    return env | {"GUNICORN_ACCESS_LOG": ""}


# The mix


def endpoints(dsn: str) -> dict[str, list[str]]:
    """Endpoint name -> the URLs it rotates through, picked from the corpus the same every run."""
    with psycopg.connect(dsn) as conn:

        def column(sql: str) -> list:
            return [row[0] for row in conn.execute(sql)]

        articles = column(spread("desk_article", "slug"))
        actors = column(spread("desk_actor", "slug"))
        events = column(spread("desk_event", "slug"))
        claims = column(spread("desk_claim", "id"))
        people = column(spread("desk_actor", "name", "kind = 'person'"))
        speakers = column(
            "SELECT a.slug FROM desk_actor a JOIN desk_claim c ON c.speaker_id = a.id "
            f"GROUP BY a.slug ORDER BY count(*) DESC, a.slug LIMIT {ROTATION}"
        )
        kinds = column("SELECT DISTINCT kind FROM desk_event ORDER BY kind")
    return {
        "articles list": [f"{API}/articles/"],
        "events list": [f"{API}/events/?kind={kind}" for kind in kinds] + [f"{API}/events/"],
        "claims list": [f"{API}/claims/", f"{API}/claims/?status=verified"],
        "actors list": [f"{API}/actors/"],
        "article detail": [f"{API}/articles/{slug}/" for slug in articles],
        "actor detail": [f"{API}/actors/{slug}/" for slug in actors],
        "event detail": [f"{API}/events/{slug}/" for slug in events],
        "claim detail": [f"{API}/claims/{pk}/" for pk in claims],
        "article search": [f"{API}/articles/?search={quote(t)}" for t in SEARCHES],
        "actor search": [f"{API}/actors/?search={quote(misspelt(n))}" for n in people],
        # Both ways the contract offers: ?format=csv (with curl's Accept), and Accept: text/csv.
        "events csv": [f"{API}/events/?format=csv&kind={kind}" for kind in kinds],
        "claims csv": [f"{API}/claims/?speaker={slug}" for slug in speakers],
    }


# What each endpoint's client sends as Accept; format=csv with Accept: application/json is a 406.
ACCEPT = {"events csv": "*/*", "claims csv": "text/csv"}


# French full-text searches: the corpus's marker words (0.05 % to 98 % of articles), stemmed forms.
SEARCHES = ["ornithologue", "lavandes", "boulangerie", "parchemins", "boulangerie lavande"]


def spread(table: str, column: str, where: str = "true") -> str:
    """SQL for ROTATION rows spread evenly over the table by id, not just its first ones."""
    return (
        f"SELECT {column} FROM (SELECT {column}, row_number() OVER (ORDER BY id) - 1 AS n, "
        f"count(*) OVER () AS total FROM {table} WHERE {where}) t "
        f"WHERE n % greatest(total / {ROTATION}, 1) = 0 ORDER BY n LIMIT {ROTATION}"
    )


def misspelt(name: str) -> str:
    """The surname with its last vowel changed, as a hurried user types it: Haftar -> Hafter."""
    word = name.split(" ")[-1]
    for i in range(len(word) - 1, 0, -1):
        swap = {"a": "e", "e": "a", "i": "y", "o": "a", "u": "o"}.get(word[i])
        if swap:
            return word[:i] + swap + word[i + 1 :]
    return word


def schedule(mix: dict[str, list[str]]) -> list[tuple[str, str, dict]]:
    """Endpoints interleaved, each cycling through its URLs, so every connection sees the mix."""
    longest = max(len(paths) for paths in mix.values())
    return [
        (name, paths[i % len(paths)], {"Accept": ACCEPT.get(name, "application/json")})
        for i in range(longest)
        for name, paths in mix.items()
    ]


# Driving the load


def drive(port: int, plan: list[tuple[str, str, dict]], connections: int, seconds: float) -> list:
    """(endpoint, status, seconds) of every request ``connections`` keep-alive clients sent."""
    samples: list[tuple[str, int, float]] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    budget = iter(range(MAX_REQUESTS))

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, n = [], offset
        while time.perf_counter() < deadline and next(budget, None) is not None:
            name, path, headers = plan[n % len(plan)]
            began = time.perf_counter()
            status, *_ = get(conn, path, headers)
            mine.append((name, status, time.perf_counter() - began))
            n += 1
        conn.close()
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client, args=(i * 5,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


class ConnectionMonitor(threading.Thread):
    """Samples the server's client connections, to this database and in all, every 50 ms."""

    QUERY = (
        "SELECT count(*) FILTER (WHERE datname = %s), count(*) FROM pg_stat_activity "
        "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
    )

    def __init__(self, dsn: str) -> None:
        super().__init__(daemon=True)
        self.database = conninfo_to_dict(dsn)["dbname"]
        self.admin = make_conninfo(**{**conninfo_to_dict(dsn), "dbname": "postgres"})
        self.peak_database = self.peak_server = self.phase_peak = 0
        self.stopping = threading.Event()
        with psycopg.connect(self.admin) as conn:
            self.max_connections = int(conn.execute("SHOW max_connections").fetchone()[0])

    def run(self) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            while not self.stopping.wait(0.05):
                ours, everyone = conn.execute(self.QUERY, [self.database]).fetchone()
                self.peak_database = max(self.peak_database, ours)
                self.peak_server = max(self.peak_server, everyone)
                self.phase_peak = max(self.phase_peak, ours)

    def take_phase_peak(self) -> int:
        """The peak since the last call, for one phase's figures."""
        peak, self.phase_peak = self.phase_peak, 0
        return peak

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)


# Figures


def percentile(ordered: list[float], share: float) -> float | None:
    if not ordered:
        return None
    return round(1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


def figures(samples: list[tuple[str, int, float]]) -> dict:
    """Counts by outcome and latency percentiles (ms), over all answers and over the 2xx ones."""
    everything = sorted(seconds for _, _, seconds in samples)
    served = sorted(seconds for _, status, seconds in samples if 200 <= status < 300)
    throttled = sum(status == 429 for _, status, _ in samples)
    return {
        "requests": len(samples),
        "ok": len(served),
        "throttled_429": throttled,
        "other_non_2xx": len(samples) - len(served) - throttled,
        # Answers >= 500, and status 0: the connection broke without an answer.
        "server_errors": sum(status >= 500 or status == 0 for _, status, _ in samples),
        "statuses": dict(sorted(count_statuses(samples).items())),
        "p50_ms": percentile(everything, 0.50),
        "p95_ms": percentile(everything, 0.95),
        "p99_ms": percentile(everything, 0.99),
        "ok_p50_ms": percentile(served, 0.50),
        "ok_p95_ms": percentile(served, 0.95),
        "ok_p99_ms": percentile(served, 0.99),
    }


def count_statuses(samples: list) -> dict[str, int]:
    found: dict[str, int] = defaultdict(int)
    for _, status, _ in samples:
        found[str(status)] += 1
    return found


def by_endpoint(samples: list) -> dict[str, dict]:
    grouped = defaultdict(list)
    for sample in samples:
        grouped[sample[0]].append(sample)
    return {name: figures(rows) for name, rows in grouped.items()}


def log_findings(log: Path) -> dict[str, int]:
    """Lines of gunicorn's and Django's stderr that mean a server-side failure."""
    text = log.read_text(errors="replace")
    return {marker: text.count(marker) for marker in FAILURES}


COLUMNS = {
    "requests": "requests",
    "ok": "2xx",
    "throttled_429": "429",
    "other_non_2xx": "other",
    "p50_ms": "p50",
    "p95_ms": "p95",
    "p99_ms": "p99",
    "ok_p95_ms": "2xx p95",
}


def table(phase: str, found: dict) -> str:
    """One phase: a row per endpoint and the total; times in ms."""
    rows = [*sorted(found["endpoints"].items()), ("total", found["total"])]
    lines = [f"{'endpoint':<16}" + "".join(f"{title:>9}" for title in COLUMNS.values())]
    for name, row in rows:
        cells = ("-" if row[key] is None else row[key] for key in COLUMNS)
        lines.append(f"{name:<16}" + "".join(f"{cell:>9}" for cell in cells))
    return f"\n{phase} connections, {found['seconds']:g} s (times in ms)\n" + "\n".join(lines)


# The run


def start_gunicorn(env: dict, log: Path) -> tuple[subprocess.Popen, int]:
    """Gunicorn as the Dockerfile starts it, bound to loopback, its stderr into ``log``."""
    port = bench.free_port()
    command = [bench.PY, "-m", "gunicorn", "-c", "libya/gunicorn.conf.py"]
    command += ["-b", f"127.0.0.1:{port}", "libya.wsgi"]
    with log.open("w") as sink:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=sink, stderr=sink)
    bench._wait_until_listening("gunicorn", process, port)
    return process, port


def run_phases(port: int, plan: list, seconds: float, monitor: ConnectionMonitor) -> dict:
    phases = {}
    for connections in PHASES:
        print(f"Phase: {connections} connections for {seconds:g} s...", flush=True)
        monitor.take_phase_peak()
        samples = drive(port, plan, connections, seconds)
        phases[str(connections)] = {
            "seconds": seconds,
            "peak_connections": monitor.take_phase_peak(),
            "endpoints": by_endpoint(samples),
            "total": figures(samples),
        }
    return phases


def verdict(phases: dict, findings: dict, peak: int, budget: int) -> list[str]:
    """What makes the run fail; an empty list is a pass."""
    problems = [
        f"{found['total']['other_non_2xx']} answers neither 2xx nor 429 at {n} connections"
        for n, found in phases.items()
        if found["total"]["other_non_2xx"]
    ]
    # A client that died sends nothing: a phase without answers has measured nothing.
    problems += [
        f"no answer at {n} connections"
        for n, found in phases.items()
        if not found["total"]["requests"]
    ]
    problems += [f"{n} x {marker!r} in the server log" for marker, n in findings.items() if n]
    if peak > budget:
        problems.append(f"{peak} database connections, more than workers x threads = {budget}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="Length of each phase.")
    parser.add_argument(
        "--anon-rate",
        help="DESK_ANON_RATE for this run instead of the production default, e.g. 100000000/s "
        "to measure the endpoints rather than the throttle; recorded as load-anon-rate.",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "test-output" / "load")
    args = parser.parse_args()
    out = args.out / f"{datetime.now(UTC):%Y%m%dT%H%M%S}"
    out.mkdir(parents=True, exist_ok=True)
    dsn = load_url()
    env = load_env(dsn, args.anon_rate)
    bench.ensure_corpus(TIER, dsn, env)
    plan = schedule(endpoints(dsn))
    monitor = ConnectionMonitor(dsn)
    process, port = start_gunicorn(env, out / "gunicorn.log")
    monitor.start()
    try:
        phases = run_phases(port, plan, args.seconds, monitor)
    finally:
        monitor.stop()
        process.terminate()
        process.wait(timeout=60)
    return report(args, env, phases, monitor, out)


def report(args, env: dict, phases: dict, monitor: ConnectionMonitor, out: Path) -> int:
    """Print the tables and the verdict, save everything, record the figures if it passed."""
    findings = log_findings(out / "gunicorn.log")
    budget = serving.database_connections()
    summary = {
        "corpus": f"tier {TIER}",
        "anon_rate": env.get("DESK_ANON_RATE", "production default (settings.py)"),
        "workers": serving.workers(),
        "threads": serving.threads(),
        "connection_budget": budget,
        "peak_connections": monitor.peak_database,
        "peak_server_connections": monitor.peak_server,
        "max_connections": monitor.max_connections,
        "too_many_clients": findings["too many clients"],
        "server_log": findings,
        **{key: total(phases, key) for key in ("requests", "ok", "throttled_429")},
        **{key: total(phases, key) for key in ("other_non_2xx", "server_errors")},
        "p95_ms": {n: found["total"]["p95_ms"] for n, found in phases.items()},
        "ok_p95_ms": {n: found["total"]["ok_p95_ms"] for n, found in phases.items()},
        "phases": phases,
    }
    for n, found in phases.items():
        print(table(n, found))
    print(
        f"\nDatabase connections: peak {monitor.peak_database} to {monitor.database} "
        f"(gunicorn: {summary['workers']} x {summary['threads']} = {budget}), "
        f"{monitor.peak_server} on the whole server, max_connections {monitor.max_connections}; "
        f"server log: {findings}"
    )
    (out / "results.json").write_text(json.dumps(summary, indent=1))
    problems = verdict(phases, findings, monitor.peak_database, budget)
    if problems:
        print("FAILED: " + "; ".join(problems) + f"\nLog and figures: {out}")
        return 1
    # A run at another rate is a different experiment: it must not pass for the production one.
    record("load" if args.anon_rate is None else "load-anon-rate", **summary)
    print(f"Passed. Log and figures: {out}")
    return 0


def total(phases: dict, key: str) -> int:
    return sum(found["total"][key] for found in phases.values())


if __name__ == "__main__":
    sys.exit(main())
