"""Scoring the extractor against gold claims and mentions (the curated corpus, or hand-made)."""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from libya.desk.extraction.mentions import fold
from libya.desk.extraction.pipeline import extract
from libya.desk.extraction.types import ActorRef, Extraction, Proposal
from libya.desk.forms import find_span
from libya.desk.models import Article, Claim, DatePrecision

COVERED = 0.8  # a suggestion counts when it covers this share of the gold span
THRESHOLDS = {
    "quote_recall": 0.95,
    "quote_precision": 0.90,
    "quote_speaker": 0.90,
    "reported_speaker": 0.75,
    "said_day": 0.80,
    "mention_recall": 0.98,
    "mention_precision": 0.90,
}


@dataclass(frozen=True)
class GoldClaim:
    kind: str
    start: int
    end: int
    text: str
    speaker: str | None  # a slug, "new:<name>" for someone the desk lacks, or None
    said_on: date | None
    said_precision: str
    event: str | None = None


@dataclass
class Case:
    """One text with its gold: claims and the actors it mentions."""

    name: str
    body: str
    published: date | None
    precision: str
    claims: list[GoldClaim]
    mentions: set[str]
    new_actors: list[str] = field(default_factory=list)
    new_aliases: list[dict] = field(default_factory=list)
    held_out: bool = False  # written after the rules were frozen, never used to change them


@dataclass
class Tally:
    hits: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, miss: str) -> None:
        self.total += 1
        self.hits += ok
        if not ok:
            self.misses.append(miss)

    @property
    def rate(self) -> float | None:
        return self.hits / self.total if self.total else None

    def __iadd__(self, other: "Tally") -> "Tally":
        self.hits += other.hits
        self.total += other.total
        self.misses += other.misses
        return self


METRICS = {
    "quote_recall": "Direct quotes: recall",
    "quote_precision": "Direct quotes: precision",
    "quote_speaker": "Speakers of recalled direct quotes",
    "reported_recall": "Reported speech: recall",
    "reported_precision": "Reported speech: precision",
    "reported_speaker": "Speakers of recalled reported speech",
    "said_day": "Said date, exact day (recalled claims dated to the day)",
    "event": "Event of recalled claims that have one",
    "mention_recall": "Mentions: recall",
    "mention_precision": "Mentions: precision",
    "new_actor": "New people and organisations proposed as actors",
    "new_alias": "New spellings and metonymies proposed as aliases",
}


def score(case: Case, extraction: Extraction) -> dict[str, Tally]:
    tallies = {key: Tally() for key in METRICS}
    quotes = [p for p in extraction.proposals if p.kind == "direct_quote"]
    reports = [p for p in extraction.proposals if p.kind == "reported_speech"]
    claims = quotes + reports
    gold_quotes = [c for c in case.claims if c.kind == "direct_quote"]
    for gold in gold_quotes:
        found = _covering(gold, quotes)
        tallies["quote_recall"].add(found is not None, f"quote missed: « {gold.text} »")
        if found is not None:
            ok = _same_speaker(found.speaker, gold.speaker)
            tallies["quote_speaker"].add(ok, _speaker_miss(gold, found))
    for proposal in quotes:
        ok = any(_covers(proposal, gold) for gold in gold_quotes)
        tallies["quote_precision"].add(ok, f"quote not in gold: « {proposal.text} »")
    for gold in (c for c in case.claims if c.kind == "reported_speech"):
        found = _covering(gold, reports)
        tallies["reported_recall"].add(found is not None, f"reported speech missed: {gold.text}")
        if found is not None:
            ok = _same_speaker(found.speaker, gold.speaker)
            tallies["reported_speaker"].add(ok, _speaker_miss(gold, found))
    gold_reports = [c for c in case.claims if c.kind == "reported_speech"]
    for proposal in reports:
        ok = any(_covers(proposal, gold) for gold in gold_reports)
        tallies["reported_precision"].add(ok, f"reported speech not in gold: {proposal.text}")
    for gold in case.claims:
        found = _covering(gold, claims)
        if found is None:
            continue
        if gold.said_on and gold.said_precision == DatePrecision.DAY:
            ok = found.said_on == gold.said_on and found.said_precision == DatePrecision.DAY
            tallies["said_day"].add(ok, _date_miss(gold, found))
        if gold.event:
            tallies["event"].add(found.event == gold.event, f"event {found.event} for {gold.event}")
    _score_mentions(case, extraction, tallies)
    _score_new_names(case, extraction, tallies)
    return tallies


def _score_new_names(case: Case, extraction: Extraction, tallies: dict[str, Tally]) -> None:
    actors = [fold(p.name) for p in extraction.proposals if p.kind == "actor"]
    for name in case.new_actors:
        surname = fold(name).split()[-1]
        found = any(surname in proposed.split() for proposed in actors)
        tallies["new_actor"].add(found, f"new actor not proposed: {name}")
    aliases = {
        (fold(p.text), p.actor.slug) for p in extraction.proposals if p.kind == "alias" and p.actor
    }
    for alias in case.new_aliases:
        found = (fold(alias["text"]), alias["actor"]) in aliases
        tallies["new_alias"].add(found, f"alias not proposed: {alias['text']} ({alias['actor']})")


def _score_mentions(case: Case, extraction: Extraction, tallies: dict[str, Tally]) -> None:
    found = {m.actor.slug for m in extraction.mentions}
    found |= {p.actor.slug for p in extraction.proposals if p.kind == "alias" and p.actor}
    found.discard(None)
    for slug in sorted(case.mentions):
        tallies["mention_recall"].add(slug in found, f"mention missed: {slug}")
    for slug in sorted(found):
        tallies["mention_precision"].add(slug in case.mentions, f"mention not in gold: {slug}")


def _covers(proposal: Proposal, gold: GoldClaim) -> bool:
    overlap = min(proposal.end, gold.end) - max(proposal.start, gold.start)
    return overlap >= COVERED * (gold.end - gold.start)


def _covering(gold: GoldClaim, proposals: Iterable[Proposal]) -> Proposal | None:
    return next((p for p in proposals if _covers(p, gold)), None)


def _same_speaker(found: ActorRef | None, gold: str | None) -> bool:
    if gold is None:
        return found is None or (found.slug is None and not found.name)
    if gold.startswith("new:"):
        surname = fold(gold[4:]).split()[-1]
        return found is not None and found.slug is None and surname in fold(found.name).split()
    return found is not None and found.slug == gold


def _speaker_miss(gold: GoldClaim, found: Proposal) -> str:
    said = f"{found.speaker.slug or found.speaker.name}" if found.speaker else "nobody"
    return f"speaker {said} instead of {gold.speaker or 'nobody'}: {gold.text[:70]}"


def _date_miss(gold: GoldClaim, found: Proposal) -> str:
    said = f"{found.said_on} ({found.said_precision})" if found.said_on else "no date"
    return f"said {said} instead of {gold.said_on}: {gold.text[:70]}"


def corpus_cases() -> list[Case]:
    """The desk's articles with their curated claims and mentions as gold."""
    cases = []
    for article in Article.objects.order_by("source").prefetch_related("mentioned_actors"):
        claims = [
            GoldClaim(
                c.kind,
                c.span_start,
                c.span_end,
                c.text,
                c.speaker.slug if c.speaker else None,
                c.said_on,
                c.said_precision,
                c.event.slug if c.event else None,
            )
            for c in Claim.objects.filter(article=article).select_related("speaker", "event")
        ]
        mentioned = {a.slug for a in article.mentioned_actors.all()}
        cases.append(
            Case(
                article.source,
                article.body,
                article.published_on,
                article.published_precision,
                claims,
                mentioned,
            )
        )
    return cases


def own_cases(directory: Path) -> list[Case]:
    """Hand-made texts: NAME.txt and, beside it, NAME.json with the gold."""
    cases = []
    for path in sorted(directory.glob("*.txt")):
        body = path.read_text(encoding="utf-8")
        gold = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        claims = []
        for item in gold["claims"]:
            start, end = find_span(body, item["text"])
            said = item.get("said_on")
            claims.append(
                GoldClaim(
                    item["kind"],
                    start,
                    end,
                    item["text"],
                    item.get("speaker"),
                    date.fromisoformat(said) if said else None,
                    item.get("said_precision", DatePrecision.DAY),
                )
            )
        published = date.fromisoformat(gold["published"]) if gold.get("published") else None
        cases.append(
            Case(
                path.stem,
                body,
                published,
                gold.get("precision", DatePrecision.DAY),
                claims,
                set(gold["mentions"]),
                gold.get("new_actors", []),
                gold.get("new_aliases", []),
                gold.get("held_out", False),
            )
        )
    return cases


def evaluate(cases: list[Case]) -> list[tuple[Case, Extraction, dict[str, Tally]]]:
    results = []
    for case in cases:
        extraction = extract(case.body, case.published, case.precision)
        results.append((case, extraction, score(case, extraction)))
    return results


def totals(results) -> dict[str, Tally]:
    summed = {key: Tally() for key in METRICS}
    for _, _, tallies in results:
        for key, tally in tallies.items():
            summed[key] += tally
    return summed
