"""``extract``: the whole first pass over one article body."""

from dataclasses import replace
from datetime import date

from libya.desk.extraction import dates as datefind
from libya.desk.extraction import language, reported
from libya.desk.extraction.article import Article
from libya.desk.extraction.events import EventFinder
from libya.desk.extraction.newnames import name_proposals
from libya.desk.extraction.speakers import Speakers
from libya.desk.extraction.types import Extraction, Proposal
from libya.desk.models import DatePrecision

MAX_BODY_CHARS = 100_000


def extract(
    body: str, published: date | None = None, published_precision: str = "day"
) -> Extraction:
    """Proposals for one article body; reads actors, aliases and events, writes nothing."""
    messages = []
    if not body or not body.strip():
        return Extraction([], ["body is empty"])
    if len(body) > MAX_BODY_CHARS:
        body = body[:MAX_BODY_CHARS]
        messages.append(f"body truncated at {MAX_BODY_CHARS:,} characters")
    why = language.not_french(body)
    if why:
        return Extraction([], [*messages, f"{why}: nothing proposed"])
    article = Article(body, published, published_precision)
    messages += [f"quotation mark at character {at} is never closed" for at in article.unclosed]
    claims = _claims(article)
    proposals = claims + _events(claims, article) + name_proposals(article)
    own = _own_date(article)
    if own is not None:
        proposals.append(own)
    return Extraction(
        sorted(proposals, key=lambda p: (p.start, p.kind)),
        messages,
        sorted(article.mentions + article.implied, key=lambda m: m.start),
    )


def _claims(article: Article) -> list[Proposal]:
    speakers = Speakers(article)
    found = []
    for sentence in article.doc.sents:
        candidates = []
        for quote in article.quotes_between(sentence.start_char, sentence.end_char):
            if sentence.start_char <= quote.open_at:
                candidates.append((quote.open_at, "quote", quote))
        for report in reported.find_reports(sentence):
            candidates.append((report.start, "report", report))
        for _, what, item in sorted(candidates, key=lambda c: c[0]):
            proposal = (
                _quote(article, speakers, item, sentence)
                if what == "quote"
                else _report(article, speakers, item, sentence, found)
            )
            if proposal is not None:
                found.append(proposal)
    return found


def _quote(article, speakers, quote, sentence) -> Proposal:
    speaker, confidence = speakers.of_quote(quote, sentence)
    speakers.remember(quote.open_at, speaker, quoted=True)
    closing = article.sentence_at(quote.close_at + 1)
    region = (sentence.start_char, max(sentence.end_char, closing.end_char))
    hidden = [(quote.open_at, quote.close_at)]
    said_on, precision = _said(article, region, hidden, speaker, scene=True)
    return Proposal(
        "direct_quote",
        quote.start,
        quote.end,
        article.body[quote.start : quote.end],
        round(0.5 + 0.5 * confidence, 2),
        speaker=speaker,
        said_on=said_on,
        said_precision=precision,
    )


def _report(article, speakers, report, sentence, found) -> Proposal | None:
    if report.end <= report.start or article.quotes_between(report.start - 2, report.end):
        return None  # the quotation it touches carries the statement
    if any(p.start < report.end and report.start < p.end for p in found):
        return None
    if article.in_quote(report.source_head.idx):
        return None
    speaker, confidence = speakers.of_phrase(report.source_head, report.source_head.idx)
    speakers.remember(report.start, speaker)
    hidden = [(report.content_start, report.content_end)]
    region = (sentence.start_char, sentence.end_char)
    said_on, precision = _said(article, region, hidden, speaker)
    return Proposal(
        "reported_speech",
        report.start,
        report.end,
        article.body[report.start : report.end],
        round(0.4 + 0.4 * confidence, 2),
        speaker=speaker,
        said_on=said_on,
        said_precision=precision,
    )


def _said(article, region, hidden, speaker, scene=False) -> tuple[date | None, str | None]:
    """When it was said, from the first of these that gives a date.

    The sentence around the statement (what was said aside: a date inside a quote
    is what it is about); the speaker's previous statement, unless the text has
    since moved on to a later day of its own and this one is not told in the
    pluperfect; for a quotation, the
    day a verb earlier in the paragraph set ("Il a reçu hier … « … », a lancé
    ce dernier"); the day the text was written (its publication date unless it
    states its own).
    """
    start, end = region
    text = _blank(article.body, start, end, hidden)
    history = article.said_by
    key = (speaker.slug or speaker.name) if speaker else None
    found = datefind.find_dates(text, article.today, article.today_precision)
    paragraph = max(article.body.rfind("\n", 0, start), 0)
    inside = [(q.open_at, q.close_at) for q in article.quotes_between(paragraph, start)]
    before = _blank(article.body, paragraph, start, inside)
    earlier = [
        found_date
        for found_date in datefind.find_dates(
            before, article.today, article.today_precision, paragraph
        )
        if scene and article.dates_a_verb(found_date)
    ]
    carried, carried_from = history.get(key, ((None, None), start))
    looks_back = article.looks_back(start)
    if found:
        result = (found[0].on, found[0].precision)
    elif key in history and (looks_back or not article.moved_on(carried_from, start, carried[0])):
        result = carried
    elif earlier:
        result = (earlier[0].on, earlier[0].precision)
    elif article.today and article.today_precision != DatePrecision.UNKNOWN:
        result = (article.today, article.today_precision)
    else:
        result = (None, None)
    if key is not None and not (looks_back and result == carried):
        # A look back does not move the speaker's clock: their next statement is
        # still dated from where the story stands.
        history[key] = (result, end)
    return result


def _blank(body: str, start: int, end: int, hidden: list[tuple[int, int]]) -> str:
    """body[start:end] with the hidden stretches blanked out (same length, same offsets)."""
    chars = list(body[start:end])
    for h_start, h_end in hidden:
        for at in range(max(h_start, start), min(h_end + 1, end)):
            chars[at - start] = " "
    return "".join(chars)


def _events(claims: list[Proposal], article: Article) -> list[Proposal]:
    finder = EventFinder([c.said_on for c in claims if c.said_on])
    proposals, seen = [], set()
    for index, claim in enumerate(claims):
        named = {m.actor.slug for m in article.mentions_between(claim.start - 200, claim.end + 200)}
        slug = finder.best(claim.said_on, claim.speaker.slug if claim.speaker else None, named)
        if slug is None:
            continue
        claims[index] = _with_event(claim, slug)
        if slug not in seen:
            seen.add(slug)
            proposals.append(Proposal("event", claim.start, claim.end, claim.text, 0.5, event=slug))
    return proposals


def _with_event(claim: Proposal, slug: str) -> Proposal:
    return replace(claim, event=slug)


def _own_date(article: Article) -> Proposal | None:
    """The latest day the text calls its own ("ce 14 janvier")."""
    found = datefind.own_dates(article.body, article.published, article.precision)
    if not found:
        return None
    latest = max(found, key=lambda d: d.on)
    return Proposal(
        "date",
        latest.start,
        latest.end,
        article.body[latest.start : latest.end],
        0.6,
        said_on=latest.on,
        said_precision=latest.precision,
    )
