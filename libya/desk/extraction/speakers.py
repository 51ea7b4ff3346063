"""Who said it: French syntax over the spaCy parse, then the desk's actor search."""

import re

from libya.desk.extraction import vocabulary as words
from libya.desk.extraction.types import ActorRef

# Between a title and a name, these start a new phrase: the name is not in apposition.
NEW_ADJUNCT = re.compile(r"\b(?:avant|après|avec|lors|pendant|selon|contre|devant|dans|sur)\b|[.;:]", re.I)
SUBJECT = ("nsubj", "nsubj:pass", "expl:subj")
# Clauses hanging off a noun are not part of the name ("le GNA dirigé par Fayez Sarraj").
NOT_THE_NAME = ("acl", "acl:relcl", "advcl", "ccomp", "parataxis", "conj", "cc", "punct")


class Speakers:
    """Speaker resolution for one parsed article; remembers who spoke, for pronouns."""

    def __init__(self, article) -> None:
        self.article = article
        self.spoken: list[tuple[int, ActorRef]] = []
        self.quoted: list[ActorRef] = []

    # -- a phrase to an actor -------------------------------------------------------------
    def of_phrase(self, head, at: int) -> tuple[ActorRef | None, float]:
        """The actor a noun phrase headed by ``head`` stands for, and how sure that is."""
        art = self.article
        lower = head.text.lower().lstrip("-")
        if head.pos_ == "PRON" or lower in words.PRONOUNS:
            if lower.endswith(("il", "elle", "ils", "elles")) or lower in words.PRONOUNS:
                return self.antecedent(at, lower), 0.7
            return None, 0.0
        start, end = self.phrase_bounds(head)
        mention = art.mention_covering(head.idx, head.idx + len(head.text))
        if mention is not None:
            return mention.actor, 0.95
        if lower in words.PERSON_TITLES or head.lemma_ in words.PERSON_TITLES:
            return self.titled(head, end, at)
        entity = art.entity_covering(head)
        if entity is not None:
            return art.actor_for_entity(entity), 0.85
        if head.pos_ == "PROPN":
            name = " ".join(t.text for t in [head, *[c for c in head.children if c.dep_ == "flat:name"]])
            return art.resolver.resolve(name)[0], 0.8
        if head.lemma_ in words.FORCES_NOUNS or lower in words.FORCES_NOUNS:
            led = self.led_by(start, end)
            if led is not None:
                return led, 0.8
        if lower in words.DOCUMENT_NOUNS or head.lemma_ in words.DOCUMENT_NOUNS:
            return (self.quoted[-1] if self.quoted else None), 0.6
        persons = art.persons_between(start, end)
        if persons:
            return persons[0][1], 0.9
        if lower in words.VAGUE_SOURCES or head.lemma_ in words.VAGUE_SOURCES:
            return None, 0.7
        inside = art.mentions_between(start, end)
        if inside:
            return inside[0].actor, 0.7
        return None, 0.0

    def titled(self, head, end: int, at: int) -> tuple[ActorRef | None, float]:
        """"Le porte-parole, Dmitri Peskov": the name in apposition; alone, the last person."""
        sentence = head.sent
        stop = next(
            (t.idx for t in sentence if t.idx >= end and t.pos_ == "VERB" and t.dep_ != "acl"),
            sentence.end_char,
        )
        named = self.article.persons_between(head.idx, max(end, stop))
        body = self.article.body
        if named and (named[0][0] < end or not NEW_ADJUNCT.search(body[end : named[0][0]])):
            return named[0][1], 0.9
        return self.article.last_person_before(at), 0.6

    def phrase_bounds(self, head) -> tuple[int, int]:
        tokens = [head]
        for child in head.children:
            if child.dep_ not in NOT_THE_NAME:
                tokens += list(child.subtree)
        return min(t.idx for t in tokens), max(t.idx + len(t.text) for t in tokens)

    def antecedent(self, at: int, pronoun: str) -> ActorRef | None:
        """The last speaker, else the last person named before ``at``."""
        if pronoun.startswith(("elle", "-elle")) and self.spoken:
            return self.spoken[-1][1]
        earlier = [who for pos, who in self.spoken if pos < at]
        if earlier:
            return earlier[-1]
        return self.article.last_person_before(at)

    def led_by(self, start: int, end: int) -> ActorRef | None:
        """"Les forces de Haftar": the armed group the named person leads, if the desk knows it."""
        persons = [p for p in self.article.persons_between(start, end) if p[1].slug]
        return self.article.resolver.led_group(persons[0][1].slug) if persons else None

    # -- who said a quotation -------------------------------------------------------------
    def of_quote(self, quote, sentence) -> tuple[ActorRef | None, float]:
        """Incise after it, "selon X", the verb it depends on, a colon before it; else carry on."""
        for rule in (self._incise, self._source, self._governing_verb):
            found = rule(quote, sentence)
            if found is not None:
                return found
        paragraph_start = self.article.body.rfind("\n", 0, quote.open_at)
        earlier = [who for pos, who in self.spoken if paragraph_start < pos < quote.open_at]
        if earlier:
            return earlier[-1], 0.5
        return None, 0.2

    def _incise(self, quote, sentence):
        doc = sentence.doc
        first = self.article._token_index(quote.close_at) + 1
        for token in doc[first : first + 6]:
            if token.pos_ == "VERB":
                if token.lemma_ not in words.SAYING_VERBS:
                    return None
                return self._subject_of(token, quote, inverted=True)
            if token.pos_ not in ("PUNCT", "AUX", "PRON", "ADV") or token.text in ".!?;":
                return None
        return None

    def _subject_of(self, verb, quote, inverted: bool = False):
        for child in verb.children:
            if child.dep_ in SUBJECT and not self._inside(child, quote):
                return self.of_phrase(child, child.idx)
        if verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "NOUN", "PROPN"):
            return self._subject_of(verb.head, quote)
        if verb.dep_ == "acl" and verb.head.pos_ in ("NOUN", "PROPN") and verb.head.i < verb.i:
            # "La Turquie minimise …": a clause the parser hung on its own subject.
            return self.of_phrase(verb.head, verb.head.idx)
        if not inverted:
            return None
        following = verb.doc[verb.i + 1 : verb.sent.end]
        subject = next((t for t in following if t.pos_ not in ("DET", "ADV", "PUNCT")), None)
        if subject is not None and subject.pos_ in ("NOUN", "PROPN", "ADJ", "X"):
            return self.of_phrase(subject, subject.idx)
        return None

    def _source(self, quote, sentence):
        closing = self.article.sentence_at(quote.close_at)
        tokens = list(sentence) + ([] if closing == sentence else list(closing))
        for token in tokens:
            if token.text.lower() in words.PREPOSITIONS_OF_SOURCE and not self._inside(token, quote):
                head = token.head if token.dep_ == "case" else token.nbor()
                return self.of_phrase(head, head.idx)
        return None

    def _governing_verb(self, quote, sentence):
        roots = [
            t for t in sentence if self._inside(t, quote) and not self._inside(t.head, quote)
        ]
        for root in roots[:1]:
            node = root.head
            for _ in range(6):
                if node.pos_ in ("VERB", "AUX"):
                    found = self._subject_of(node, quote)
                    if found is not None and found[0] is not None:
                        return found
                if node.head is node:
                    break
                node = node.head
        return None

    @staticmethod
    def _inside(token, quote) -> bool:
        return quote.open_at <= token.idx <= quote.close_at

    def remember(self, at: int, speaker: ActorRef | None, quoted: bool = False) -> None:
        if speaker is not None:
            self.spoken.append((at, speaker))
            if quoted:
                self.quoted.append(speaker)
