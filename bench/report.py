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
    lines += ["", *datasette_table(plan, results), "", *e9_table(plan, results)]
    if revisions(results):
        lines += ["", *revisions_table(plan, results)]
    return "\n".join(lines) + "\n"


def datasette_table(plan: dict, results: dict) -> list[str]:
    """Ours (no response cache) beside Datasette on the equivalent URLs, with those URLs."""
    if not any("datasette" in by for by in results.values()):
        return []
    lines = [
        "Datasette (immutable SQLite copy with FTS5, one process, uvloop) on the equivalent "
        "URLs; ours without the response cache.",
        "",
        "| case | req/s @16 ours | Datasette | ours/Datasette | p50 @1 ours | Datasette "
        "| p95 @1 ours | Datasette | errors ours/Datasette "
        "| Datasette URL (first of the rotation) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    ratios, p50s = {}, {}
    for item in plan["cases"]:
        by = results.get(item["id"], {})
        ours, peer = by.get("ours", {}), by.get("datasette", {})
        if not item.get("datasette") or not peer:
            continue
        if ours.get("rps16") and peer.get("rps16"):
            ratios[item["id"]] = ours["rps16"] / peer["rps16"]
            p50s[item["id"]] = (ours.get("p50_1", math.inf), peer.get("p50_1", 0))
        cells = [item["id"], _rps(ours), _rps(peer), ratio(ours.get("rps16"), peer.get("rps16"))]
        cells += [ms(ours.get("p50_1")), ms(peer.get("p50_1"))]
        cells += [ms(ours.get("p95_1")), ms(peer.get("p95_1"))]
        cells += [f"{ours.get('errors', 0)}/{peer.get('errors', 0)}", f"`{item['datasette'][0]}`"]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return [*lines, "", *datasette_goals(ratios, p50s)]


def datasette_goals(ratios: dict, p50s: dict) -> list[str]:
    """The issue's goals against Datasette, over the like-for-like cases.

    Datasette's search is a date-sorted match: E5d (ours, newest first, no snippet) is
    its like; E5 (ours ranked by relevance) is shown beside it, outside the goals.
    """
    alike = {case: r for case, r in ratios.items() if not re.match(r"E5 ", case)}
    every = geometric_mean(ratios.values())
    mean = geometric_mean(alike.values())
    slowest = min(alike, key=alike.get, default=None)
    slower_p50 = [case for case in alike if p50s[case][0] > p50s[case][1]]
    verdict = "met" if mean >= 1.5 else "**MISSED**"
    lines = [
        f"Geometric mean of ours/Datasette throughput, like for like (E5d, not the ranked "
        f"E5): {mean:.2f}; over every row above: {every:.2f}.",
        "",
        f"- {verdict}: geometric mean ≥ 1.5 x Datasette, like for like: {mean:.3f}",
    ]
    if slowest:
        ok = alike[slowest] >= 1.0
        lines.append(
            f"- {'met' if ok else '**MISSED**'}: every like-for-like case ≥ 1.0 x Datasette: "
            f"lowest {slowest} {alike[slowest]:.2f}"
            + ("" if ok else f" (under 1.0: {', '.join(c for c in alike if alike[c] < 1.0)})")
        )
        lines.append(
            f"- {'met' if not slower_p50 else '**MISSED**'}: p50 @1 no slower than Datasette's: "
            + (", ".join(slower_p50) + " slower" if slower_p50 else "every like-for-like case")
        )
    return lines


def geometric_mean(values) -> float:
    values = list(values)
    return math.exp(sum(map(math.log, values)) / len(values)) if values else float("nan")


def e9_table(plan: dict, results: dict) -> list[str]:
    """E9: the response cache on a Zipf mix of URLs, against L1 and ours without it."""
    e9, meta = results.get("E9"), plan.get("e9")
    if not e9 or not meta:
        return []
    kinds = ", ".join(f"{kind} {count:,}" for kind, count in sorted(meta["kinds"].items()))
    lines = [
        f"E9: {meta['draws']:,} requests drawn by Zipf's law (s = {meta['zipf_s']}) over "
        f"{meta['urls']:,} distinct URLs ({kinds}); {meta['distinct_drawn']:,} distinct URLs "
        "in the draw; 16 connections each start at their own share of it.",
        "",
        "| server | req/s @16 | x L1 | p50 @1 | p95 @1 | p50 @16 | p99 @16 | hit ratio | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    l1 = e9.get("l1", {}).get("rps16")
    names = {"cached": "ours, response cache on", "l1": "L1", "ours": "ours, cache off"}
    for server in ("cached", "l1", "ours"):
        stats = e9.get(server)
        if not stats:
            continue
        hits = stats.get("hit_ratio", -1)
        cells = [names[server], _rps(stats), ratio(stats["rps16"], l1)]
        cells += [ms(stats.get(k)) for k in ("p50_1", "p95_1", "p50_16", "p99_16")]
        cells += [f"{hits:.1%}" if hits >= 0 else "-", stats.get("errors", 0)]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    rounds = e9.get("cached", {}).get("rounds", [])
    per_round = ", ".join(f"{r['hit_ratio']:.1%}" for r in rounds if r.get("hit_ratio", -1) >= 0)
    cached = e9.get("cached", {}).get("rps16")
    verdict = "met" if cached and l1 and cached >= 2 * l1 else "**MISSED**"
    lines += [
        "",
        f"Hit ratio per round (the cache starts cold): {per_round}.",
        f"- {verdict}: E9 with the response cache ≥ 2 x L1: {ratio(cached, l1)}",
    ]
    return lines


def revisions(results: dict) -> list[str]:
    """The earlier revisions served beside ours (``at-<commit>``; ``before`` in older runs)."""
    names = {name for by in results.values() for name in by}
    return sorted(name for name in names if name.startswith("at-") or name == "before")


def revisions_table(plan: dict, results: dict) -> list[str]:
    """Req/s @16 of each earlier revision beside ours, each as a share of L1 in the same run."""
    earlier = revisions(results)
    if not earlier:
        return []
    names = ["ours", *earlier]
    lines = [
        "Earlier revisions in the same rounds, each on its own schema and corpus (req/s @16; "
        "x L1 in brackets).",
        "",
        "| case | " + " | ".join(names) + " | L1 |",
        "|---|" + "---:|" * (len(names) + 1),
    ]
    for item in plan["cases"]:
        by = results.get(item["id"], {})
        l1 = by.get("l1", {}).get("rps16")
        if not l1 or item.get("admin"):
            continue
        cells = [item["id"]]
        cells += [f"{_rps(by.get(n, {}))} ({ratio(by.get(n, {}).get('rps16'), l1)})" for n in names]
        lines.append("| " + " | ".join([*cells, _rps(by["l1"])]) + " |")
    return lines


def _rps(stats: dict) -> str:
    return f"{stats['rps16']:,.0f}" if stats else "-"


def _geomeans(results: dict) -> str:
    parts = []
    pairs = [("ours", "l1"), ("ours", "naive")]
    pairs += [(name, "l1") for name in revisions(results)]
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
        mean = geometric_mean(ratios)
        parts.append(f"{server}/{peer.upper() if peer == 'l1' else peer} {mean:.2f}")
    return "Geometric mean of throughput ratios over E1-E6: " + ", ".join(parts) + "."


def _ingest(ingest: dict) -> str:
    articles, loader = ingest["articles"], ingest["claims_copy_loader"]
    triggers = ingest["claims_copy_triggers"]
    bulk = ingest.get("bulk")
    bulk_line = (
        f"E8 bulk: {bulk['per_second']:,.0f} articles/s through `import_articles` "
        f"({bulk['documents']:,} generated JSON Lines articles of "
        f"{bulk['bytes_per_document'] / 1000:.1f} KB, {bulk['mentions']:,} mentions linked by "
        f"alias, {bulk['seconds']:.1f} s). Per document: "
        if bulk
        else "E8 ingest: "
    )
    return (
        f"{bulk_line}{articles['per_second']:,.1f} documents/s through `ingest.import_document` "
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
    if bulk := ingest.get("bulk"):
        rate = bulk["per_second"]
        mark(rate >= 1_000, f"E8 bulk import ≥ 1,000 articles/s: {rate:,.0f}")
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
