"""Reported speech: "X a indiqué que …", "X estime que …", "selon X, …", "comme l'a dit X"."""

from dataclasses import dataclass

from libya.desk.extraction import vocabulary as words

SUBJECT = ("nsubj", "nsubj:pass")
CLITICS = {"se", "s'", "s’", "ne", "n'", "n’", "lui", "leur", "l'", "l’", "en", "y"}
COMPLEMENT = ("ccomp", "xcomp", "obj")
TRIM = " \t\n,;:.!?"


@dataclass(frozen=True)
class Report:
    """A reported statement: its span, whose phrase says it, and the part that is the content."""

    start: int
    end: int
    source_head: object  # the spaCy token heading the speaker's phrase
    content_start: int
    content_end: int
    rule: str


def find_reports(sentence) -> list[Report]:
    found = []
    for token in sentence:
        report = _with_verb(token, sentence) or _with_source(token, sentence)
        if report is not None:
            found.append(report)
    return found


def _with_verb(verb, sentence) -> Report | None:
    if not words.is_saying(verb, words.REPORTING_VERBS):
        return None
    complement = _complement(verb)
    if complement is None:
        return None
    subject = _subject(verb)
    if subject is None:
        return None
    start = min(_phrase_start(subject), verb.idx)
    c_start, c_end = _bounds(complement)
    end = _trim_end(sentence, max(c_end, _clause_end(sentence, c_end)))
    return Report(start, end, subject, c_start, end, "verb")


def _complement(verb):
    """A "que" clause, an infinitive ("a dit avoir eu"), or what is "évoqué"."""
    for child in verb.children:
        if child.dep_ not in COMPLEMENT or child.idx < verb.idx:
            continue
        marks = [
            t for t in child.children if t.dep_ == "mark" and t.lower_ in ("que", "qu'", "qu’")
        ]
        if marks:
            return child
        if child.dep_ == "xcomp" and _infinitive(child):
            return child
        if verb.lemma_ == "évoquer" and child.dep_ == "obj":
            return child
    return None


def _infinitive(token) -> bool:
    """ "avoir eu" is an infinitive too: its auxiliary carries the form."""
    forms = [token, *(c for c in token.children if c.dep_.startswith("aux"))]
    return any("Inf" in t.morph.get("VerbForm") for t in forms)


def _subject(verb):
    """The noun right before the verb ("Ankara considère"), else the parser's subject."""
    doc = verb.doc
    at = verb.i - 1
    if verb.lemma_ == "savoir" and at >= 0 and doc[at].lemma_ == "faire":
        at -= 1
    while at >= 0 and (doc[at].pos_ in ("AUX", "ADV") or doc[at].lower_ in CLITICS):
        at -= 1
    if at >= 0 and doc[at].pos_ in ("NOUN", "PROPN", "PRON") and doc[at].lower_ not in CLITICS:
        return _phrase_head(doc[at])
    for node in (verb, verb.head):
        for child in node.children:
            if child.dep_ in SUBJECT:
                return child
        if verb.dep_ not in ("conj", "xcomp"):
            break
    return None


def _phrase_head(token):
    """ "Les forces de Haftar" for "Haftar": climb to the head of the noun phrase."""
    while token.dep_ in ("flat:name", "nmod", "appos") and token.head.i < token.i:
        token = token.head
    return token


def _with_source(token, sentence) -> Report | None:
    """ "Selon X, …" opens the statement; "…, selon X" and "…, comme l'a dit X" close it."""
    lower = token.lower_
    if words.is_source_marker(token):
        head = words.source_head(token)
        if head.i < token.i:
            return None
        end_of_source = max(t.idx + len(t.text) for t in head.subtree)
        sent_start, sent_end = sentence.start_char, _trim_end(sentence, sentence.end_char)
        rest = [
            t
            for t in sentence
            if t.idx >= end_of_source and t.pos_ in ("VERB", "AUX") and not t.dep_.startswith("acl")
        ]
        if (rest and token.i - sentence.start <= 2) or (rest and _comma_before(token)):
            content_start = _skip(sentence, end_of_source, sent_end)
            return Report(content_start, sent_end, head, content_start, sent_end, "source")
        content_end = _trim_end(sentence, token.idx)
        return Report(sent_start, content_end, head, sent_start, content_end, "source")
    if lower == "comme" and token.i + 3 < sentence.end:
        verb = next((t for t in sentence.doc[token.i + 1 : token.i + 4] if t.pos_ == "VERB"), None)
        if verb is None or not words.is_saying(verb):
            return None
        source = next((c for c in verb.children if c.dep_ in SUBJECT), None)
        source = source or next((c for c in verb.children if c.idx > verb.idx), None)
        if source is None:
            return None
        end = _trim_end(sentence, sentence.end_char)
        start = sentence.start_char
        return Report(start, end, source, start, token.idx, "source")
    return None


def _phrase_start(head) -> int:
    kept = [head] + [
        t
        for c in head.children
        if c.idx < head.idx and c.dep_ not in ("punct", "cc")
        for t in c.subtree
    ]
    return min(t.idx for t in kept)


def _clause_end(sentence, after: int) -> int:
    """The statement runs to the end of the sentence unless a source ("selon X") closes it."""
    for token in sentence:
        if token.idx >= after and words.is_source_marker(token):
            return token.idx
    return sentence.end_char


def _comma_before(token) -> bool:
    return token.i > 0 and token.doc[token.i - 1].text == ","


def _bounds(token) -> tuple[int, int]:
    tokens = list(token.subtree)
    return tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)


def _skip(sentence, start: int, end: int) -> int:
    text, offset = sentence.text, sentence.start_char
    while start < end and text[start - offset] in TRIM:
        start += 1
    return start


def _trim_end(sentence, end: int) -> int:
    text, offset = sentence.text, sentence.start_char  # Doc.text would rebuild the whole body
    while end > offset and text[end - 1 - offset] in TRIM:
        end -= 1
    return end
