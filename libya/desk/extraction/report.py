"""EXTRACTION.md: the evaluation's figures, per text and in total, with every miss."""

from libya.desk.extraction import EXTRACTOR_NAME, EXTRACTOR_VERSION
from libya.desk.extraction.evaluation import METRICS, THRESHOLDS, Tally, totals

HEADER = """# Extraction quality

Written by `manage.py evaluate_extraction` (`make evaluate`); do not edit by hand.
Extractor: {name} version {version}.

The extractor reads only each text's body and publication date; the gold is
compared afterwards. A suggestion counts for a gold span when it covers at least
80 % of it. Speakers are compared by desk slug; a gold speaker the desk lacks
(`new:<name>`) counts when a new actor of that surname is proposed; a gold
claim with no speaker counts when none, or only an unnamed one, is proposed.
Said dates are scored on the recalled claims whose gold date has day precision;
"hier", weekdays and undated statements count from the day the text states as
its own (a dateline, "ce 19 février", a weekday beside "hier"), else from the
publication date. Mentions compare the set of desk actors a text names (known
aliases, capitals and nationality words, a nationality word inside a state
organ's name, new spellings) with the gold set.

The hand-written texts are described in `tests/data/extraction/README.md`:
01 to 06 were used to improve the rules, 07 and 08 were written after the
rules were frozen and never used to change them.
"""


def render(corpus_results, own_results) -> str:
    parts = [HEADER.format(name=EXTRACTOR_NAME, version=EXTRACTOR_VERSION)]
    parts += _section("The curated corpus (thresholds apply here)", corpus_results, True)
    tuned = [r for r in own_results if not r[0].held_out]
    held_out = [r for r in own_results if r[0].held_out]
    parts += _section("Hand-written texts used to improve the rules", tuned, False)
    parts += _section(
        "Held-out hand-written texts (never used to change the rules)", held_out, False
    )
    parts += _section("All hand-written texts", own_results, False)
    return "\n".join(parts).rstrip() + "\n"


def _section(title: str, results, with_thresholds: bool) -> list[str]:
    summed = totals(results)
    lines = [
        f"## {title}",
        "",
        "| measure | hits / total | rate | threshold |",
        "|---|---|---|---|",
    ]
    for key, label in METRICS.items():
        tally = summed[key]
        threshold = THRESHOLDS.get(key) if with_thresholds else None
        counted = f"{tally.hits} / {tally.total}"
        lines.append(f"| {label} | {counted} | {_rate(tally)} | {_bar(tally, threshold)} |")
    lines += ["", "### Per text", "", "| text | " + " | ".join(_short(k) for k in METRICS) + " |"]
    lines.append("|---" * (len(METRICS) + 1) + "|")
    for case, _, tallies in results:
        cells = " | ".join(f"{t.hits}/{t.total}" for t in tallies.values())
        lines.append(f"| {case.name} | {cells} |")
    lines += ["", "### Misses", ""]
    for case, extraction, tallies in results:
        misses = [m for t in tallies.values() for m in t.misses]
        notes = [f"message: {m}" for m in extraction.messages]
        lines.append(f"- **{case.name}**:" + ("" if misses + notes else " none"))
        lines += [f"  - {_escape(m)}" for m in notes + misses]
    lines.append("")
    return lines


def _rate(tally: Tally) -> str:
    return "n/a" if tally.rate is None else f"{tally.rate:.3f}"


def _bar(tally: Tally, threshold: float | None) -> str:
    if threshold is None:
        return ""
    met = tally.rate is not None and tally.rate >= threshold
    return f"≥ {threshold:.2f} {'met' if met else 'NOT MET'}"


def _short(key: str) -> str:
    return key.replace("_", " ")


def _escape(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())
