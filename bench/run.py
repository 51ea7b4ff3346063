"""The benchmark: our API, the L1 limit and a naive DRF peer, served by gunicorn, under load.

Steps: make sure the bench database holds the tier's corpus (generate_corpus),
prepare the scenarios (probe.py), start three gunicorns with one configuration,
load them in rounds that alternate the order of servers, take each metric's
median over rounds, measure ingest (E8) last, print one table and save
everything under OUT/<tier>-<time>/.

    python bench/run.py --tier S            # make bench
    python bench/run.py --tier M --record   # make bench TIER=M, writes BENCHMARKS.md

DATABASE_URL (or BENCH_DATABASE_URL) names the server; the corpus goes into
its own database, ``libya_bench`` unless BENCH_DATABASE_URL says otherwise.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import datasette_peer
import loadgen
import psycopg
import report
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TIERS = {"XS": 400, "S": 20_000, "M": 200_000, "L": 2_000_000}
GUNICORN = ["-w", "2", "-k", "gthread", "--threads", "4", "--keep-alive", "30", "--timeout", "300"]
SERVERS = ["ours", "l1", "naive", "datasette"]
# E9: the response cache ("cached", our app with DESK_RESPONSE_CACHE on) against L1 and
# ours without it, on one Zipf draw of URLs.
E9_SERVERS = ["cached", "l1", "ours"]


def bench_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    params = conninfo_to_dict(os.environ["DATABASE_URL"])
    return make_conninfo(**{**params, "dbname": "libya_bench"})


def bench_env(dsn: str) -> dict:
    params = conninfo_to_dict(dsn)
    user, host = params.get("user", "postgres"), params.get("host", "")
    url = f"postgres://{user}@/{params['dbname']}?host={host}&port={params.get('port', 5432)}"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return env | {
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_CONN_MAX_AGE": "600",
        "DJANGO_LOG_LEVEL": "WARNING",
        # Production throttling stays on, with a rate the load cannot reach.
        "DESK_ANON_RATE": "100000000/s",
        # E1-E7 measure the read path itself; E9 starts a server of its own with the cache.
        "DESK_RESPONSE_CACHE": "false",
        "DJANGO_SECRET_KEY": os.environ.get(
            "DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789"
        ),
    }


def ensure_corpus(tier: str, dsn: str, env: dict) -> None:
    """Create the database, migrate it, and generate the tier unless it is already there."""
    admin = make_conninfo(**{**conninfo_to_dict(dsn), "dbname": "postgres"})
    name = conninfo_to_dict(dsn)["dbname"]
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    manage = [PY, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    with psycopg.connect(dsn) as conn:
        articles = conn.execute("SELECT count(*) FROM desk_article").fetchone()[0]
    if articles != TIERS[tier]:
        print(f"Generating tier {tier} ({articles:,} articles found)...", flush=True)
        generate = [PY, str(ROOT / "bench" / "generate_corpus.py"), "--tier", tier, "--reset"]
        subprocess.run(generate, env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)


def ensure_sqlite_copy(tier: str, out: Path, dsn: str) -> Path:
    """The Datasette peer's SQLite copy of the tier, exported once (a development-only step)."""
    lite = out / f"datasette-{tier}" / f"{datasette_peer.DATABASE}.db"
    with psycopg.connect(dsn) as conn:
        articles = conn.execute("SELECT count(*) FROM desk_article").fetchone()[0]
    if not datasette_peer.is_current(lite, articles):
        print(f"Exporting tier {tier} to SQLite for Datasette...", flush=True)
        started = time.perf_counter()
        lite.parent.mkdir(parents=True, exist_ok=True)
        datasette_peer.export(dsn, lite)
        print(f"  exported in {time.perf_counter() - started:.0f} s", flush=True)
    return lite


def revision(checkout: Path) -> str:
    """A checkout's short commit hash; a `git archive` export has none: its folder's name."""
    if not (checkout / ".git").exists():
        return checkout.name
    command = ["git", "-C", str(checkout), "rev-parse", "--short=7", "HEAD"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def baseline_database(dsn: str, env: dict, baseline: Path, tier: str) -> str:
    """The tier's corpus as the baseline builds it, on its own schema, for its server.

    Indexes change with migrations, so an earlier revision is measured on its own
    schema: its own migrations and its own generator (same seed) fill a database of
    its own, generated once per tier. Migrating a copy of this revision's database
    backwards is not an option: history triggers of later columns cannot be rebuilt
    on the way down.
    """
    params = conninfo_to_dict(dsn)
    name = f"{params['dbname']}_{revision(baseline)}"
    admin = make_conninfo(**{**params, "dbname": "postgres"})
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    copy = make_conninfo(**{**params, "dbname": name})
    before_env = bench_env(copy)
    manage = [PY, str(baseline / "manage.py")]
    subprocess.run(
        [*manage, "migrate", "--noinput", "-v0"], env=before_env, check=True, cwd=baseline
    )
    with psycopg.connect(copy) as conn:
        articles = conn.execute("SELECT count(*) FROM desk_article").fetchone()[0]
    if articles != TIERS[tier]:
        print(f"Generating tier {tier} for the baseline...", flush=True)
        generator = baseline / "bench" / "generate_corpus.py"  # a command before issue 15
        generate = (
            [PY, str(generator), "--tier", tier, "--reset"]
            if generator.exists()
            else [*manage, "generate_corpus", "--tier", tier, "--reset"]
        )
        subprocess.run(generate, env=before_env, check=True, cwd=baseline)
    return copy


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_servers(
    env: dict, out: Path, dsn: str, lite: Path | None, baselines: list[Path], tier: str = "S"
) -> dict[str, tuple[subprocess.Popen, int]]:
    """Each server by name; an earlier revision's is named ``at-<commit>``."""
    plan = json.loads((out / "plan.json").read_text())
    l1_dsn = make_conninfo(dsn, options=plan["server_options"])
    apps = {
        "cached": ("libya.wsgi:application", {"DESK_RESPONSE_CACHE": "true"}),
        "ours": ("libya.wsgi:application", {}),
        "l1": (
            "l1_app:application",
            {"BENCH_L1_QUERIES": str(out / "l1_queries.json"), "BENCH_L1_DSN": l1_dsn},
        ),
        "naive": ("libya.wsgi:application", {"DJANGO_SETTINGS_MODULE": "naive_settings"}),
    }
    roots = {}
    for baseline in baselines:
        name = f"at-{revision(baseline)}"
        earlier = bench_env(baseline_database(dsn, env, baseline, tier))
        apps[name] = ("libya.wsgi:application", {"DATABASE_URL": earlier["DATABASE_URL"]})
        roots[name] = baseline
    servers = {}
    for name, (app, extra) in apps.items():
        root = roots.get(name, ROOT)
        port = free_port()
        command = [PY, "-m", "gunicorn", app, "-b", f"127.0.0.1:{port}", *GUNICORN]
        command += [
            "--pythonpath",
            f"{root},{root / 'bench'}",
            "--error-logfile",
            str(out / f"{name}.log"),
        ]
        servers[name] = (subprocess.Popen(command, env=env | extra, cwd=root), port)
    if lite is not None:
        servers["datasette"] = start_datasette(lite, env, out)
    for name, (process, port) in servers.items():
        _wait_until_listening(name, process, port)
    return servers


def start_datasette(lite: Path, env: dict, out: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    log = (out / "datasette.log").open("w")
    command = datasette_peer.serve_command(lite, port)
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    return process, port


def _wait_until_listening(name: str, process: subprocess.Popen, port: int) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"{name} server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{name} server did not start")


def stop_servers(servers: dict) -> None:
    for process, _ in servers.values():
        process.terminate()
    for process, _ in servers.values():
        process.wait(timeout=30)


def measure(plan: dict, servers: dict, rounds: int, seconds: float) -> dict:
    """{case: {server: [round results]}}; odd rounds run the servers in reverse order."""
    results: dict = {}
    cookie = {"Cookie": plan["cookie"]}
    names = [name for name in SERVERS if name in servers]
    names += sorted(name for name in servers if name.startswith("at-"))
    for number in range(rounds):
        order = names if number % 2 == 0 else names[::-1]
        for item in plan["cases"]:
            for server in order:
                paths = item[server] if server in {"naive", "datasette"} else item["ours"]
                if not paths or (item.get("admin") and server != "ours"):
                    continue
                port = servers[server][1]
                headers = cookie if item.get("admin") else None
                many = loadgen.run(port, paths, connections=16, seconds=seconds, headers=headers)
                one = loadgen.run(port, paths, connections=1, seconds=seconds, headers=headers)
                results.setdefault(item["id"], {}).setdefault(server, []).append(
                    _summary(many, one)
                )
            print(f"  round {number + 1}/{rounds}: {item['id']:<10} done", flush=True)
    return {case: {s: _median(runs) for s, runs in by.items()} for case, by in results.items()}


def measure_e9(draws: list[str], servers: dict, rounds: int, seconds: float) -> dict:
    """E9 on one Zipf draw after a warm-up; each round starts elsewhere in it."""
    results: dict = {}
    for server in E9_SERVERS:  # unmeasured: the cache and PostgreSQL's buffers warm up
        loadgen.run(servers[server][1], draws, connections=16, seconds=seconds, spread=True)
    for number in range(rounds):
        order = E9_SERVERS if number % 2 == 0 else E9_SERVERS[::-1]
        shift = number * len(draws) // max(rounds, 1) // 16
        paths = draws[shift:] + draws[:shift]
        for server in order:
            port = servers[server][1]
            many = loadgen.run(port, paths, connections=16, seconds=seconds, spread=True)
            one = loadgen.run(port, paths[::-1], connections=1, seconds=seconds)
            summary = _summary(many, one)
            summary["hit_ratio"] = many.hit_ratio if many.hit_ratio is not None else -1
            summary["cache"] = many.cache
            results.setdefault(server, []).append(summary)
        print(f"  round {number + 1}/{rounds}: E9 done", flush=True)
    return {
        server: _median([{k: v for k, v in run.items() if k != "cache"} for run in runs])
        | {"rounds": runs}
        for server, runs in results.items()
    }


def _summary(many: loadgen.Result, one: loadgen.Result) -> dict:
    return {
        "rps16": many.rps,
        "p50_16": many.percentile(0.50),
        "p99_16": many.percentile(0.99),
        "p50_1": one.percentile(0.50),
        "p95_1": one.percentile(0.95),
        "p99_1": one.percentile(0.99),
        "bytes": one.mean_bytes or many.mean_bytes,
        "errors": many.errors + one.errors,
        "requests": many.requests + one.requests,
        "statuses": sorted(set(many.statuses) | set(one.statuses)),
    }


def _median(runs: list[dict]) -> dict:
    merged = {
        key: statistics.median(run[key] for run in runs) for key in runs[0] if key != "statuses"
    }
    merged["errors"] = sum(run["errors"] for run in runs)
    merged["statuses"] = sorted({s for run in runs for s in run["statuses"]})
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--tier", default="S", choices=list(TIERS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=None, help="Per measurement (S 1, M 2).")
    parser.add_argument("--ingest-seconds", type=float, default=15.0)
    parser.add_argument("--e9-seconds", type=float, default=6.0, help="Per E9 measurement.")
    parser.add_argument("--out", type=Path, default=ROOT / "test-output" / "bench")
    parser.add_argument("--record", action="store_true", help="Write the table to BENCHMARKS.md.")
    parser.add_argument("--from", dest="saved", type=Path, help="Only re-render a saved run.")
    parser.add_argument(
        "--baseline",
        type=Path,
        action="append",
        default=[],
        help="A checkout of an earlier revision, served in the same rounds as 'at-<commit>', "
        "on the same corpus built by its own migrations (repeat for several revisions).",
    )
    parser.add_argument(
        "--datasette",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="Serve the Datasette peer (default: on, except at tier L, whose SQLite export "
        "would take hours and as much disk again).",
    )
    args = parser.parse_args()
    if args.saved:
        return rerender(args.saved, args.record)
    seconds = args.seconds or (1.0 if args.tier in {"XS", "S"} else 2.0)
    started = datetime.now(UTC)
    out = args.out / f"{args.tier}-{started:%Y%m%dT%H%M%S}"
    out.mkdir(parents=True, exist_ok=True)
    dsn = bench_url()
    env = bench_env(dsn)
    ensure_corpus(args.tier, dsn, env)
    with_datasette = args.datasette if args.datasette is not None else args.tier != "L"
    lite = ensure_sqlite_copy(args.tier, args.out, dsn) if with_datasette else None
    probe = [PY, str(ROOT / "bench" / "probe.py")]
    subprocess.run([*probe, "prepare", str(out)], env=env, check=True, cwd=ROOT)
    plan = json.loads((out / "plan.json").read_text())
    if lite:
        datasette_peer.add_urls(plan, lite)
    (out / "plan.json").write_text(json.dumps(plan, indent=1))
    draws = json.loads((out / "e9.json").read_text())
    servers = start_servers(env, out, dsn, lite, args.baseline, args.tier)
    try:
        results = measure(plan, servers, args.rounds, seconds)
        results["E9"] = measure_e9(draws, servers, args.rounds, args.e9_seconds)
    finally:
        stop_servers(servers)
    # The bulk run works on a copy of the database: at tier L that copy would be 27 GB more.
    ingest_args = ["--seconds", str(args.ingest_seconds), "--tier", args.tier]
    ingest_args += ["--bulk-count", "0"] if args.tier == "L" else []
    subprocess.run(
        [*probe, "ingest", str(out), *ingest_args],
        env=env,
        check=True,
        cwd=ROOT,
    )
    ingest = json.loads((out / "ingest.json").read_text())
    saved = {"results": results, "ingest": ingest, "rounds": args.rounds, "seconds": seconds}
    (out / "results.json").write_text(json.dumps(saved, indent=1))
    command = " ".join(["make bench", *([f"TIER={args.tier}"] if args.tier != "S" else [])])
    text = report.render(args.tier, plan, results, ingest, started, command, args.rounds, seconds)
    (out / "table.md").write_text(text)
    print(text)
    print(f"Output, query plans included: {out}")
    if args.record:
        report.record(ROOT / "BENCHMARKS.md", text)


def rerender(saved: Path, record: bool) -> None:
    """Print (and record) the table of a run saved under ``saved``, without measuring again."""
    meta = json.loads((saved / "results.json").read_text())
    plan = json.loads((saved / "plan.json").read_text())
    tier, stamp = saved.name.split("-", 1)
    started = datetime.strptime(stamp, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    command = "make bench" + (f" TIER={tier}" if tier != "S" else "")
    rounds, seconds = meta.get("rounds", 3), meta.get("seconds", 2.0)
    text = report.render(
        tier, plan, meta["results"], meta["ingest"], started, command, rounds, seconds
    )
    print(text)
    if record:
        report.record(ROOT / "BENCHMARKS.md", text)


if __name__ == "__main__":
    main()
