"""The doctor's time on a synthetic tier: `manage.py doctor` over the whole bench database.

    python bench/doctor.py --tier S     # make bench-doctor
    python bench/doctor.py --tier M     # make bench-doctor TIER=M (the issue's target: 60 s)

The database is the benchmark's (``libya_bench``, see run.py), generated first if it
does not hold the tier. Prints the wall-clock time of each run (the command in a
process of its own, as an operator runs it), the median, the rule totals, and the
slowest rules timed one by one in this process.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time

from run import PY, ROOT, TIERS, bench_env, bench_url, ensure_corpus


def time_command(env: dict) -> tuple[float, dict]:
    command = [PY, str(ROOT / "manage.py"), "doctor", "--format", "json", "--limit", "20"]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: the synthetic corpus has errors, by design
        raise SystemExit(done.stderr)
    return seconds, json.loads(done.stdout)


def time_rules(env: dict) -> list[tuple[float, str]]:
    """Each rule alone, in a Django process of its own, slowest first."""
    script = (
        "import json, time, django; django.setup()\n"
        "from libya.desk import doctor\n"
        "times = []\n"
        "for rule in doctor.RULES:\n"
        "    started = time.perf_counter(); rule.run(doctor.Scope(), 20)\n"
        "    times.append((time.perf_counter() - started, rule.code))\n"
        "print(json.dumps(sorted(times, reverse=True)))\n"
    )
    env = env | {"DJANGO_SETTINGS_MODULE": "libya.settings"}
    done = subprocess.run([PY, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    return [tuple(pair) for pair in json.loads(done.stdout)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", default="S", choices=list(TIERS))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    dsn = bench_url()
    env = bench_env(dsn)
    ensure_corpus(args.tier, dsn, env)
    runs = []
    for round_number in range(1, args.rounds + 1):
        seconds, report = time_command(env)
        runs.append(seconds)
        print(f"round {round_number}: {seconds:.1f} s", flush=True)
    median = statistics.median(runs)
    print(f"tier {args.tier}: manage.py doctor, median of {len(runs)}: {median:.1f} s")
    print(f"  {report['errors']:,} errors, {report['warnings']:,} warnings")
    for rule in report["rules"]:
        print(f"  {rule['severity']:<8}{rule['code']:<28}{rule['total']:>10,}")
    print("slowest rules, alone:")
    for seconds, code in time_rules(env)[:5]:
        print(f"  {code:<28}{seconds:6.2f} s")


if __name__ == "__main__":
    sys.exit(main())
