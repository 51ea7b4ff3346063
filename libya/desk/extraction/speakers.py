"""Who said it: French syntax over the spaCy parse, then the desk's actor search."""

import re

from libya.desk.extraction import vocabulary as words
from libya.desk.extraction.types import ActorRef

# Between a title and a name, these start a new phrase: the name is not in apposition.
NEW_ADJUNCT = re.compile(
    r"\b(?:avant|après|avec|lors|pendant|selon|contre|devant|dans|sur)\b|[.;:]", re.I
)
# "», a-t-il ajouté", "», estime-t-elle": the subject is the inverted pronoun.
INVERTED_PRONOUN = re.compile(r"\s*,?\s*[^\W\d_]+(?:-t)?-(?P<pronoun>ils?|elles?)\b")
INSTITUTIONS = {"ministère", "gouvernement", "parlement", "présidence", "conseil", "armée"}
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
        if lower in ("-ci", "ci") and head.head.i < head.i:
            head, lower = head.head, head.head.lower_ + "-ci"
        if lower in words.LAST_NAMED:
            return art.last_person_before(at), 0.7
        if lower in words.PRONOUNS:
            return self.antecedent(at, lower), 0.7
        if head.pos_ == "PRON":
            return None, 0.0
        start, end = self.phrase_bounds(head)
        mention = art.mention_covering(head.idx, head.idx + len(head.text))
        if mention is not None:
            return mention.actor, 0.95
        if lower in words.PERSON_TITLES or head.lemma_ in words.PERSON_TITLES:
            return self.titled(head, end, at)
        if lower in INSTITUTIONS and start < head.idx + len(head.text) < end:
            # "le ministère français des Affaires étrangères": a body the desk may lack.
            return art.resolver.resolve(art.body[start:end], "org")[0], 0.7
        entity = art.entity_covering(head)
        if entity is not None:
            return art.actor_for_entity(entity), 0.85
        if head.pos_ == "PROPN":
            name = " ".join(
                t.text for t in [head, *[c for c in head.children if c.dep_ == "flat:name"]]
            )
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
        """ "Le porte-parole, Dmitri Peskov": the name in apposition; alone, the last person."""
        sentence = head.sent
        stop = next(
            (t.idx for t in sentence if t.idx >= end and t.pos_ == "VERB" and t.dep_ != "acl"),
            sentence.end_char,
        )
        named = self.article.persons_between(head.idx, max(end, stop))
        body = self.article.body
        if named and (named[0][0] < end or not NEW_ADJUNCT.search(body[end : named[0][0]])):
            return named[0][1], 0.9
        if any(c.lower_ in words.POSSESSIVES | words.INDEFINITES for c in head.children):
            return None, 0.6  # "son porte-parole", "un conseiller": someone unnamed
        return self.article.last_person_before(at), 0.6

    def phrase_bounds(self, head) -> tuple[int, int]:
        tokens = [head]
        for child in head.children:
            if child.dep_ not in NOT_THE_NAME:
                tokens += list(child.subtree)
        return min(t.idx for t in tokens), max(t.idx + len(t.text) for t in tokens)

    def antecedent(self, at: int, pronoun: str) -> ActorRef | None:
        """Whichever came last: the last speaker, or the last person who was a subject."""
        spoken = [(pos, who) for pos, who in self.spoken if pos < at]
        if pronoun.lstrip("-t").startswith("elle"):
            return spoken[-1][1] if spoken else None
        subjects = [(pos, who) for pos, who in self.article.subject_persons if pos < at]
        latest = max(spoken[-1:] + subjects[-1:], default=None, key=lambda p: p[0])
        return latest[1] if latest else self.article.last_person_before(at)

    def led_by(self, start: int, end: int) -> ActorRef | None:
        """ "Les forces de Haftar": the armed group the named person leads, if the desk knows it."""
        persons = [p for p in self.article.persons_between(start, end) if p[1].slug]
        return self.article.resolver.led_group(persons[0][1].slug) if persons else None

    # -- who said a quotation -------------------------------------------------------------
    def of_quote(self, quote, sentence) -> tuple[ActorRef | None, float]:
        """Incise after it, "selon X", the verb it depends on, a colon before it; else carry on."""
        for rule in (self._incise, self._continued, self._source, self._governing_verb):
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
        first = self.article.token_index(quote.close_at) + 1
        inverted = INVERTED_PRONOUN.match(self.article.body, quote.close_at + 1)
        if inverted and any(words.is_saying(t) for t in doc[first : first + 5]):
            return self.antecedent(quote.close_at, inverted["pronoun"]), 0.8
        for token in doc[first : first + 6]:
            if token.pos_ == "VERB":
                if not words.is_saying(token):
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
        subject = next(
            (
                t
                for t in verb.doc[verb.i + 1 : verb.sent.end]
                if t.pos_ in ("NOUN", "PROPN", "ADJ", "X")
                and t.lower_ not in words.TIME_WORDS
                and not any(c.dep_ == "case" for c in t.children)
            ),
            None,
        )
        return self.of_phrase(subject, subject.idx) if subject is not None else None

    def _source(self, quote, sentence):
        closing = self.article.sentence_at(quote.close_at)
        tokens = list(sentence) + ([] if closing == sentence else list(closing))
        paragraph_end = self.article.body.find("\n", quote.close_at)
        for token in tokens:
            if (paragraph_end != -1 and token.idx > paragraph_end) or self._inside(token, quote):
                continue
            if words.is_source_marker(token):
                head = words.source_head(token)
                if head.i > token.i:
                    return self.of_phrase(head, head.idx)
        return None

    def _continued(self, quote, sentence):
        """« A », a lancé X, « B »: B is X's too."""
        before = [
            q for q in self.article.quotes_between(quote.open_at - 120, quote.open_at) if q != quote
        ]
        if not before or not self.quoted:
            return None
        between = self.article.body[before[-1].close_at + 1 : quote.open_at]
        if len(between) < 120 and not re.search(r"[.!?\n]", between):
            return self.quoted[-1], 0.8
        return None

    def _governing_verb(self, quote, sentence):
        roots = [t for t in sentence if self._inside(t, quote) and not self._inside(t.head, quote)]
        for root in roots[:1]:
            node = root.head
            for _ in range(6):
                if node.pos_ in ("VERB", "AUX") or words.is_saying(node):
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
