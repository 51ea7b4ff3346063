"""``extract``: the whole first pass over one article body."""

import bisect
from dataclasses import replace
from datetime import date

from libya.desk.extraction import dates as datefind
from libya.desk.extraction import language, mentions, nlp, quotes, reported, vocabulary
from libya.desk.extraction.actors import Resolver, clean_name
from libya.desk.extraction.events import EventFinder
from libya.desk.extraction.newnames import name_proposals
from libya.desk.extraction.speakers import Speakers
from libya.desk.extraction.types import ActorRef, Extraction, Mention, Proposal
from libya.desk.models import Actor, DatePrecision

MAX_BODY_CHARS = 100_000


class Article:
    """One body, its parse and its mentions: what every rule consults."""

    def __init__(self, body: str, published: date | None, precision: str) -> None:
        self.body, self.published, self.precision = body, published, precision
        self.doc = nlp.pipeline()(body)
        self._token_starts = [t.idx for t in self.doc]
        self.mentions = mentions.find_mentions(body)
        self.quotes, self.unclosed = quotes.find_quotes(body)
        self._quote_opens = [q.open_at for q in self.quotes]
        self.resolver = Resolver()
        self._starts = [m.start for m in self.mentions]
        self._entity_of = {i: e for e in self.doc.ents for i in range(e.start, e.end)}
        self.persons = self._persons()
        self.mentions = sorted(self.mentions + self._derived_mentions(), key=lambda m: m.start)
        self._starts = [m.start for m in self.mentions]
        self.said_by: dict[str, tuple[date | None, str | None]] = {}

    def mention_covering(self, start: int, end: int) -> Mention | None:
        at = bisect.bisect_right(self._starts, start) - 1
        if at >= 0 and self.mentions[at].end >= end:
            return self.mentions[at]
        return None

    def mentions_between(self, start: int, end: int) -> list[Mention]:
        first = bisect.bisect_left(self._starts, start)
        last = bisect.bisect_left(self._starts, end)
        return [m for m in self.mentions[first:last] if m.end <= end]

    def entity_covering(self, token):
        return self._entity_of.get(token.i)

    def actor_for_entity(self, entity) -> ActorRef:
        inside = self.mentions_between(entity.start_char, entity.end_char)
        if inside:
            return inside[0].actor
        kind = Actor.Kind.PERSON if entity.label_ == "PER" else None
        return self.resolver.resolve(entity.text, kind)[0]

    def quotes_between(self, start: int, end: int) -> list:
        """The quotations that overlap [start, end)."""
        first = max(0, bisect.bisect_right(self._quote_opens, start) - 1)
        last = bisect.bisect_left(self._quote_opens, end)
        return [q for q in self.quotes[first:last] if q.close_at >= start]

    def in_quote(self, at: int) -> bool:
        index = bisect.bisect_right(self._quote_opens, at) - 1
        return index >= 0 and at <= self.quotes[index].close_at

    def _persons(self) -> list[tuple[int, ActorRef]]:
        """People named outside quotations, in order: desk persons and the NER's."""
        found = [
            (m.start, m.actor, m.end)
            for m in self.mentions
            if m.actor_kind == Actor.Kind.PERSON and not self.in_quote(m.start)
        ]
        for entity in self.doc.ents:
            if entity.label_ != "PER" or self.in_quote(entity.start_char):
                continue
            if any(s < entity.end_char and entity.start_char < e for s, _, e in found):
                continue
            name = clean_name(entity.text)
            if name[:1].isupper() and len(name) > 2:
                actor = self.resolver.resolve(name, Actor.Kind.PERSON)[0]
                found.append((entity.start_char, actor, entity.end_char))
        ordered = sorted(found, key=lambda p: p[0])
        subjects = self._subject_tokens()
        self.subject_persons = [
            (start, actor) for start, actor, _ in ordered if self._token_index(start) in subjects
        ]
        return [(start, actor) for start, actor, _ in ordered]

    def _subject_tokens(self) -> set[int]:
        """The tokens of subjects, appositions included ("Le porte-parole, Dmitri Peskov, a")."""
        inside = set()
        for token in self.doc:
            if token.dep_.startswith("nsubj"):
                inside.add(token.i)
                for child in token.children:
                    if child.dep_ not in ("acl:relcl", "acl", "punct"):
                        inside.update(t.i for t in child.subtree)
        return inside

    def _derived_mentions(self) -> list[Mention]:
        """Actors named through others: "les forces de Haftar", "le Parlement … à Tobrouk"."""
        derived, seats = [], {}
        for token in self.doc:
            lower = token.lower_
            if lower in vocabulary.FORCES_NOUNS:
                subtree = list(token.subtree)
                named = self.persons_between(
                    subtree[0].idx, subtree[-1].idx + len(subtree[-1].text)
                )
                group = (
                    self.resolver.led_group(named[0][1].slug)
                    if named and named[0][1].slug
                    else None
                )
                if group is not None:
                    derived.append(
                        Mention(token.idx, token.idx + len(token.text), group, "armed_group", False)
                    )
            elif lower in vocabulary.SEATED_BODIES:
                for place in self._places_of(token):
                    seats.setdefault(f"{token.text} de {place}", token)
        found = self.resolver.by_alias(list(seats)) if seats else {}
        for name, token in seats.items():
            hit = found.get(mentions.fold(name))
            if hit is not None:
                derived.append(
                    Mention(token.idx, token.idx + len(token.text), hit[0], hit[1], False)
                )
        return [m for m in derived if self.mention_covering(m.start, m.end) is None]

    def _places_of(self, token) -> set[str]:
        """Places named in the phrase of a body or of the body it is coordinated with."""
        heads = {token, token.head} if token.dep_ == "conj" else {token}
        heads |= {c for c in token.children if c.dep_ == "conj"}
        return {
            t.text
            for head in heads
            for t in head.subtree
            if t.pos_ == "PROPN" and t.text[:1].isupper()
        }

    def dates_a_verb(self, found) -> bool:
        """ "a reçu hier": the date is when something was done, not part of a noun phrase."""
        first, last = self._token_index(found.start), self._token_index(found.end - 1)
        span = range(first, last + 1)
        return any(
            self.doc[i].head.i not in span and self.doc[i].head.pos_ in ("VERB", "AUX")
            for i in span
        )

    def persons_between(self, start: int, end: int) -> list[tuple[int, ActorRef]]:
        first = bisect.bisect_left(self.persons, start, key=lambda p: p[0])
        last = bisect.bisect_left(self.persons, end, key=lambda p: p[0])
        return self.persons[first:last]

    def last_person_before(self, at: int) -> ActorRef | None:
        index = bisect.bisect_left(self.persons, at, key=lambda p: p[0])
        return self.persons[index - 1][1] if index else None

    def sentence_at(self, at: int):
        token = self.doc[max(0, self._token_index(at))]
        return token.sent

    def _token_index(self, at: int) -> int:
        return max(0, bisect.bisect_right(self._token_starts, at) - 1)


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
        sorted(proposals, key=lambda p: (p.start, p.kind)), messages, article.mentions
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
    is what it is about); the speaker's previous statement; for a quotation, the
    day a verb earlier in the paragraph set ("Il a reçu hier … « … », a lancé
    ce dernier"); the publication date.
    """
    start, end = region
    text = _blank(article.body, start, end, hidden)
    history = article.said_by
    key = (speaker.slug or speaker.name) if speaker else None
    found = datefind.find_dates(text, article.published, article.precision)
    paragraph = max(article.body.rfind("\n", 0, start), 0)
    inside = [(q.open_at, q.close_at) for q in article.quotes_between(paragraph, start)]
    before = _blank(article.body, paragraph, start, inside)
    earlier = [
        found_date
        for found_date in datefind.find_dates(
            before, article.published, article.precision, paragraph
        )
        if scene and article.dates_a_verb(found_date)
    ]
    if found:
        result = (found[0].on, found[0].precision)
    elif key in history:
        result = history[key]
    elif earlier:
        result = (earlier[0].on, earlier[0].precision)
    elif article.published and article.precision != DatePrecision.UNKNOWN:
        result = (article.published, article.precision)
    else:
        result = (None, None)
    if key is not None:
        history[key] = result
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
