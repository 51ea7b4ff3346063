"""One article as every rule sees it: body, parse, quotations, mentions, people."""

import bisect
from datetime import date

from libya.desk.extraction import dates, mentions, nlp, quotes, vocabulary
from libya.desk.extraction.actors import Resolver, clean_name
from libya.desk.extraction.types import ActorRef, Mention
from libya.desk.models import Actor


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
        self.implied = mentions.implied_mentions(body, self.mentions)
        sentences = [(s.start_char, s.end_char) for s in self.doc.sents]
        self.today, self.today_precision = dates.writers_day(body, sentences, published, precision)
        # Per speaker: the date of their last statement, and where it ended.
        self.said_by: dict[str, tuple[tuple[date | None, str | None], int]] = {}
        self.own_days = dates.own_dates(body, published, precision)

    def moved_on(self, since: int, until: int, on: date | None) -> bool:
        """Whether the text names a later day as its own ("ce 14 janvier") between two points.

        A speaker's earlier date carries over to their next statement only while the
        story stays on that day: once the writer says the story is now "ce 14 janvier",
        an undated « a ajouté » belongs to the new day.
        """
        return on is not None and any(since <= d.start < until and d.on > on for d in self.own_days)

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
            (start, actor) for start, actor, _ in ordered if self.token_index(start) in subjects
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
        first, last = self.token_index(found.start), self.token_index(found.end - 1)
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

    def looks_back(self, at: int) -> bool:
        """Whether the sentence at ``at`` tells of an earlier time: its main verb is in
        the pluperfect ("Auparavant, il avait demandé …")."""
        root = self.sentence_at(at).root
        return any(
            child.dep_ == "aux:tense" and "Imp" in child.morph.get("Tense")
            for child in root.children
        )

    def sentence_at(self, at: int):
        token = self.doc[max(0, self.token_index(at))]
        return token.sent

    def token_index(self, at: int) -> int:
        return max(0, bisect.bisect_right(self._token_starts, at) - 1)
