"""The benchmark's table and its goals, as Markdown."""

import math
import re
from datetime import datetime
from pathlib import Path

START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def ms(seconds: float) -> str:
    return "-" if seconds is None or math.isnan(seconds) else f"{seconds * 1000:.1f}"


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a and b else "-"


def render(tier, plan, results, ingest, started: datetime, command, rounds, seconds) -> str:
    lines = [
        f"Tier {tier}, {started:%Y-%m-%d %H:%M} UTC, `{command}`: median of {rounds} rounds "
        f"(servers alternated), {seconds:g} s per measurement; times in ms.",
        "",
        "| case | scenario | req/s @16 ours | L1 | naive | ours/L1 | ours/naive "
        "| p50 @1 | p95 @1 | p99 @1 | p50 @16 | p99 @16 | queries ours/naive "
        "| bytes ours/L1/naive | errors ours/L1/naive |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for item in plan["cases"]:
        by = results.get(item["id"], {})
        ours, l1, naive = by.get("ours", {}), by.get("l1", {}), by.get("naive", {})
        counts = [
            plan["queries"].get(f"{item['id']}/{server}", "-") for server in ("ours", "naive")
        ]
        queries = "/".join(map(str, counts))
        size = "/".join(f"{s.get('bytes', 0):,.0f}" if s else "-" for s in (ours, l1, naive))
        errors = "/".join(str(s.get("errors", 0)) if s else "-" for s in (ours, l1, naive))
        rps = ours.get("rps16")
        cells = [item["id"], item["label"], _rps(ours), _rps(l1), _rps(naive)]
        cells += [ratio(rps, l1.get("rps16")), ratio(rps, naive.get("rps16"))]
        cells += [ms(ours.get(key)) for key in ("p50_1", "p95_1", "p99_1", "p50_16", "p99_16")]
        cells += [queries, size, errors]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    lines += ["", _geomeans(results), "", _ingest(ingest), "", "Goals (set for tier M):", ""]
    lines += [f"- {line}" for line in goals(plan, results, ingest)]
    return "\n".join(lines) + "\n"


def _rps(stats: dict) -> str:
    return f"{stats['rps16']:,.0f}" if stats else "-"


def _geomeans(results: dict) -> str:
    parts = []
    pairs = [("ours", "l1"), ("ours", "naive")]
    if any("before" in by for by in results.values()):
        pairs.append(("before", "l1"))
    for server, peer in pairs:
        ratios = [
            by[server]["rps16"] / by[peer]["rps16"]
            for case, by in results.items()
            if re.match(r"E[1-6]\b", case)
            and by.get(peer)
            and by[peer]["rps16"]
            and by.get(server)
            and by[server]["rps16"]
        ]
        mean = math.exp(sum(map(math.log, ratios)) / len(ratios)) if ratios else float("nan")
        parts.append(f"{server}/{peer.upper() if peer == 'l1' else peer} {mean:.2f}")
    return "Geometric mean of throughput ratios over E1-E6: " + ", ".join(parts) + "."


def _ingest(ingest: dict) -> str:
    articles, loader = ingest["articles"], ingest["claims_copy_loader"]
    triggers = ingest["claims_copy_triggers"]
    return (
        f"E8 ingest: {articles['per_second']:,.1f} documents/s through `ingest.import_document` "
        f"({articles['documents']} documents); claims by COPY {loader['per_second']:,.0f} rows/s "
        f"as `generate_corpus.py` loads them (triggers off), {triggers['per_second']:,.0f} rows/s "
        "with history triggers and foreign-key checks on."
    )


def goals(plan: dict, results: dict, ingest: dict) -> list[str]:
    """Each goal of the issue with the measured value, met or MISSED."""
    out = []

    def mark(ok: bool, text: str) -> None:
        out.append(f"{'met' if ok else '**MISSED**'}: {text}")

    def stat(case: str, server: str, key: str) -> float:
        return results.get(case, {}).get(server, {}).get(key, float("nan"))

    for case in ("E1", "E2", "E4"):
        share = stat(case, "ours", "rps16") / stat(case, "l1", "rps16")
        queries = plan["queries"].get(f"{case}/ours", 99)
        counted = plan["exact_count"].get(f"{case}/ours", True)
        mark(share >= 0.5, f"{case} throughput ≥ 0.5 x L1: {share:.2f}")
        mark(queries <= 3, f"{case} ≤ 3 queries per request: {queries}")
        mark(
            not counted,
            f"{case} no exact COUNT(*) over the table: {'exact count' if counted else 'none'}",
        )
    deep, first = stat("E3 90%", "ours", "p50_1"), stat("E3 p1", "ours", "p50_1")
    mark(deep <= 1.5 * first, f"E3 depth 90 % within 1.5 x page 1: {deep / first:.2f} x")
    for case in [c["id"] for c in plan["cases"] if c["id"].startswith("E5")]:
        p95 = stat(case, "ours", "p95_1")
        mark(p95 <= 0.025, f"{case} p95 @1 ≤ 25 ms: {ms(p95)} ms")
    p95 = stat("E6", "ours", "p95_1")
    mark(p95 <= 0.020, f"E6 p95 @1 ≤ 20 ms: {ms(p95)} ms")
    for case in ("E7 all", "E7 filter"):
        p50 = stat(case, "ours", "p50_1")
        mark(p50 <= 0.150, f"{case} changelist p50 @1 ≤ 150 ms: {ms(p50)} ms")
    claims, articles = ingest["claims_copy_loader"]["per_second"], ingest["articles"]["per_second"]
    mark(claims >= 100_000, f"E8 claims ≥ 100,000 rows/s: {claims:,.0f}")
    mark(articles >= 2_000, f"E8 articles ≥ 2,000 documents/s: {articles:,.1f}")
    errors = sum(by.get("ours", {}).get("errors", 0) for by in results.values())
    peers = sum(by[s].get("errors", 0) for by in results.values() for s in by if s != "ours")
    mark(errors == 0, f"0 errors (ours): {errors}; L1 and naive peer: {peers}")
    return out


def record(path: Path, text: str) -> None:
    """Replace the table between the markers of BENCHMARKS.md (or append it)."""
    current = path.read_text() if path.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in current:
        current += f"\n{START}\n{END}\n"
    head, rest = current.split(START, 1)
    tail = rest.split(END, 1)[1]
    path.write_text(f"{head}{START}\n{text}{END}{tail}")
