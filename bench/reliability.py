"""RELIABILITY.md's scoreboard, from the figures the reliability checks recorded.

Each check (a test marked ``reliability``, ``bench/loadtest.py``, the long
schemathesis run) writes ``test-output/reliability/<name>.json`` after its
assertions pass (``tests/scoreboard.py``). This script renders one table row
per expected check, marking a check without figures as missing, and replaces
the part of RELIABILITY.md between its markers.

    python bench/reliability.py              # print the scoreboard
    python bench/reliability.py --write      # and rewrite RELIABILITY.md
    python bench/reliability.py --strict     # exit 1 if a check has no figures
"""

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "test-output" / "reliability"
DOCUMENT = ROOT / "RELIABILITY.md"
START, END = "<!-- reliability:start -->", "<!-- reliability:end -->"


def _n(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _fuzz(f: dict) -> str:
    return (
        f"{_n(f['cases'])} cases generated ({_n(f['documented_operation_cases'])} on the "
        f"{f['operations']} documented operations, {f['max_examples']} examples each, seed "
        f"{f['seed']}) in {f['seconds']} s: {f['server_errors']} server errors, "
        f"{f['schema_violations']} schema violations"
    )


def _load(f: dict) -> str:
    phases = ", ".join(
        f"{c} connections p95 {f['p95_ms'][c]} ms (2xx only: {f['ok_p95_ms'][c]} ms)"
        for c in sorted(f["p95_ms"], key=int)
    )
    return (
        f"{_n(f['requests'])} requests on the {f.get('corpus', '?')} corpus: {_n(f['ok'])} 2xx, "
        f"{_n(f['throttled_429'])} deliberate 429s, {f['other_non_2xx']} other non-2xx, "
        f"{f['server_errors']} server errors; {phases}; peak {f['peak_connections']} "
        f"connections for a budget of {f['connection_budget']} ({f['workers']} workers x "
        f"{f['threads']} threads; max_connections {f['max_connections']}), "
        f"{f['too_many_clients']} 'too many clients'"
    )


# name: (check, what it shows, how to summarise its figures)
CHECKS: dict[str, tuple[str, str, Callable[[dict], str]]] = {
    "outage": (
        "Database down under load",
        "gunicorn under read and write load, database cut for 10 s",
        lambda f: (
            f"{_n(f['requests'])} requests, {_n(f['answers_503'])} answered 503 JSON with "
            f"Retry-After, {f['server_errors_5xx_other']} other 5xx; longest request during "
            f"the outage {f['max_latency_during_outage_ms']} ms; first 200 "
            f"{f['recovery_seconds']} s after the database returned; writes: "
            f"{f['writes_acknowledged']} acknowledged, {f['writes_present']} stored, "
            f"{f['writes_lost']} lost, {f['writes_duplicated']} duplicated"
        ),
    ),
    "statement-timeout": (
        "Slow query",
        "a query cancelled by statement_timeout",
        lambda f: (
            f"timeout {f['timeout_ms']} ms, answered {f['status']} JSON after "
            f"{f['answered_ms']} ms (measured, not asserted)"
        ),
    ),
    "load": ("Bounded load", "2 then 8 connections, 60 s each, production settings", _load),
    "load-anon-rate": (
        "Bounded load, throttling out of reach",
        "the same mix, 30 s a phase, the anonymous rate out of reach: every request served",
        _load,
    ),
    "hostile-input": (
        "Hostile query input",
        "hostile values in every parameter and path of every operation",
        lambda f: (
            f"{_n(f['requests'])} requests over {f['operations']} operations "
            f"({f['values']} hostile values, query strings up to "
            f"{_n(f['longest_query_string'])} characters): {f['server_errors']} answers "
            f">= 500, {f['non_json_errors']} non-JSON errors"
        ),
    ),
    "hostile-bodies": (
        "Hostile bodies",
        "3 MB bodies (JSON, form, multipart, raw) to every operation and admin form",
        lambda f: (
            f"{_n(f['requests'])} requests of {_n(f['body_bytes'])} bytes to "
            f"{f['operations']} operations and {f['admin_views']} admin views: "
            f"{f['server_errors']} answers >= 500, {f['non_json_errors']} non-JSON API errors"
        ),
    ),
    "fuzz-bounded": ("Schema fuzzing in `make test`", "schemathesis, bounded", _fuzz),
    "fuzz": ("Schema fuzzing, `make fuzz`", "schemathesis, long run", _fuzz),
    "permissions-admin": (
        "Permission matrix, admin",
        "every admin page and write x 5 roles x published/retracted claim",
        lambda f: f"{_n(f['cells'])} cells, {f['mismatches']} mismatches",
    ),
    "permissions-api-writes": (
        "Permission matrix, API writes",
        "every write operation x 5 roles by API key x published/retracted claim",
        lambda f: f"{_n(f['cells'])} cells, {f['mismatches']} mismatches",
    ),
    "permissions-review": (
        "Permission matrix, suggestion review",
        "the review screen, read and decide, x 5 roles x published/retracted claim",
        lambda f: f"{_n(f['cells'])} cells, {f['mismatches']} mismatches",
    ),
    "security-headers": (
        "Security headers",
        "API, docs, admin and error responses",
        lambda f: (
            f"{f['responses']} responses (statuses {', '.join(map(str, f['statuses']))}): "
            f"{f['problems']} missing or wrong headers"
        ),
    ),
    "backup-restore": (
        "Backup round trip",
        "pg_dump, pg_restore into a fresh database, every list endpoint compared",
        lambda f: (
            f"{f['endpoints']} list endpoints, {f['pages']} pages, "
            f"{_n(f['records_compared'])} records compared: {f['records_differ']} differ; "
            f"{f['tables']} tables, {_n(f['rows_compared'])} rows: {f['tables_differ']} differ; "
            f"dump {_n(f['dump_bytes'])} bytes, backup {f['backup_seconds']} s, "
            f"restore {f['restore_seconds']} s"
        ),
    ),
    "audit": (
        "Audit completeness",
        "every write path leaves a history row, with its user when there is one",
        lambda f: (
            f"{f['with_history']} of {f['paths']} paths leave history; "
            f"{f['with_user']} of {f['users_expected']} carry their user"
            + (f"; missing: {', '.join(f['missing'])}" if f["missing"] else "")
        ),
    ),
    "fixture-atomicity": (
        "Atomic fixture loading",
        "a fixture with one invalid object, through load_corpus and seed",
        lambda f: (
            f"{f['runs']} loads of {f['objects_in_fixture']} objects: database unchanged in "
            f"{f['unchanged']} of {f['runs']}; the error names the object: "
            f"{'yes' if f['error_names_object'] else 'no'}"
        ),
    ),
}


def load() -> dict[str, dict]:
    found = {}
    for path in sorted(FIGURES.glob("*.json")):
        found[path.stem] = json.loads(path.read_text())
    return found


def summary(name: str, figures: dict) -> str:
    try:
        return CHECKS[name][2](figures)
    except (KeyError, TypeError):  # a check whose figures changed shape: show them raw
        return ", ".join(f"{k} {v}" for k, v in figures.items() if not isinstance(v, dict | list))


def render(found: dict[str, dict]) -> str:
    lines = [
        "| check | what it exercises | figures | measured (UTC) |",
        "|---|---|---|---|",
    ]
    for name, (title, what, _) in CHECKS.items():
        figures = found.get(name)
        if figures is None:
            lines.append(f"| {title} | {what} | **missing**: no figures recorded | - |")
            continue
        taken = figures.get("measured_at", "?").replace("T", " ").removesuffix("+00:00")
        lines.append(f"| {title} | {what} | {summary(name, figures)} | {taken} |")
    for name in sorted(set(found) - set(CHECKS)):
        lines.append(f"| {name} | - | {summary(name, found[name])} | - |")
    return "\n".join(lines) + "\n"


def write(table: str) -> None:
    text = DOCUMENT.read_text()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    DOCUMENT.write_text(f"{head}{START}\n{table}{END}{tail}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite RELIABILITY.md")
    parser.add_argument("--strict", action="store_true", help="fail if a check is missing")
    args = parser.parse_args()
    found = load()
    table = render(found)
    print(table)
    if args.write:
        write(table)
    missing = [name for name in CHECKS if name not in found]
    if missing:
        print(f"No figures for: {', '.join(missing)}", file=sys.stderr)
    return 1 if args.strict and missing else 0


if __name__ == "__main__":
    sys.exit(main())
