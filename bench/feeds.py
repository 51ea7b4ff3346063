"""Feeds at scale: a large JSON Lines import (rate, peak memory) and worker throughput.

On a copy of the bench database (the tier's corpus, loaded by ``make bench``):
1. writes a generated feed of at least ``--megabytes`` and imports it with
   ``manage.py import_articles`` in a process of its own: articles/s and the
   process's peak resident memory (the file is streamed, so it must not grow
   with the file);
2. runs 1, then 2 worker processes on the enrichment jobs that import queued,
   ``--seconds`` each after a warm-up, and counts the jobs they finish (from the
   queue's own event timestamps).
The copy is dropped at the end. Figures print as JSON and go to
test-output/bench/feeds-<tier>.json.

Usage (DATABASE_URL set, as by the Makefile): python bench/feeds.py --tier S
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import feed  # noqa: E402
from run import bench_env, bench_url  # noqa: E402

COPY = "libya_feeds"
TASK = "desk.enrich_article"


def admin(dsn: str) -> psycopg.Connection:
    return psycopg.connect(make_conninfo(dsn, dbname="postgres"), autocommit=True)


def copy_database(dsn: str) -> str:
    source = conninfo_to_dict(dsn)["dbname"]
    with admin(dsn) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{COPY}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{COPY}" TEMPLATE "{source}"')
    return make_conninfo(dsn, dbname=COPY)


def import_feed(env: dict, path: Path) -> dict:
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "import_articles", str(path), "--no-progress"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    peak_kb = 0
    while process.poll() is None:
        peak_kb = max(peak_kb, _peak_rss_kb(process.pid))
        time.sleep(0.5)
    elapsed = time.perf_counter() - started
    last = process.stdout.read().strip().splitlines()[-1]
    assert process.returncode == 0, last
    counts = dict(part.strip().split(": ") for part in last.split(","))
    created = int(counts["created"])
    return {
        "file_megabytes": path.stat().st_size / 1e6,
        "created": created,
        "rejected": int(counts["rejected"]),
        "seconds": elapsed,
        "per_second": created / elapsed,
        "peak_rss_megabytes": peak_kb / 1024,
    }


def _peak_rss_kb(pid: int) -> int:
    """The process's peak resident set so far (VmHWM), 0 once it has ended."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    line = next((row for row in status.splitlines() if row.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1])


def workers_throughput(env: dict, dsn: str, count: int, warmup: float, seconds: float) -> dict:
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "procrastinate", "worker"],
            cwd=ROOT,
            env=env | {"DJANGO_LOG_LEVEL": "WARNING"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    try:
        time.sleep(warmup)
        with psycopg.connect(dsn, autocommit=True) as conn:
            (start,) = conn.execute("SELECT now()").fetchone()
            time.sleep(seconds)
            (finished,) = conn.execute(
                "SELECT count(*) FROM procrastinate_events e JOIN procrastinate_jobs j "
                "ON j.id = e.job_id WHERE e.type = 'succeeded' AND j.task_name = %s "
                "AND e.at >= %s AND e.at < %s + make_interval(secs => %s)",
                [TASK, start, start, seconds],
            ).fetchone()
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:  # a job longer than the grace: cut it off
                worker.kill()
                worker.wait()
    return {
        "workers": count,
        "seconds": seconds,
        "jobs": finished,
        "per_second": finished / seconds,
        "per_second_per_worker": finished / seconds / count,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tier", default=os.environ.get("TIER", "S"))
    parser.add_argument("--megabytes", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    source = bench_url()
    dsn = copy_database(source)
    env = bench_env(dsn)
    result = {"tier": args.tier}
    try:
        # The bench database was migrated when its corpus was generated, maybe long ago.
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "feed.jsonl"
            # Articles of about 2.3 KB: enough of them for the size asked.
            count = int(args.megabytes * 1e6 / 2_250) + 1
            feed.write_feed(path, count, args.tier, prefix="bench-feed")
            result["import"] = import_feed(env, path)
        print(json.dumps(result["import"]), flush=True)
        result["workers"] = [
            # The warm-up covers loading the extractor's language model in each worker.
            workers_throughput(env, dsn, n, warmup=30.0, seconds=args.seconds)
            for n in (1, 2)
        ]
    finally:
        with admin(source) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{COPY}" WITH (FORCE)')
    out = ROOT / "test-output" / "bench" / f"feeds-{args.tier}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
