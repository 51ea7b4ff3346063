"""Which desk actors the body names, and where: known aliases and metonymies."""

import re
import unicodedata
from dataclasses import dataclass

from libya.desk import ingest
from libya.desk.extraction.types import ActorRef, Mention
from libya.desk.models import Actor, Alias

CHUNK_CHARS = 4000
# The same words desk_fold (migration 0001) keeps: runs of letters and digits.
WORD = re.compile(r"[^\W_]+")

# A capital names its state when the state acts ("Ankara refuse", "selon Paris").
# Tripoli is left out: in a civil war over it, the city names a camp, not the state.
CAPITALS = {
    "Moscou": "Russie",
    "Ankara": "Turquie",
    "Paris": "France",
    "Berlin": "Allemagne",
    "Rome": "Italie",
    "Washington": "États-Unis",
    "Le Caire": "Égypte",
    "Doha": "Qatar",
    "Abou Dhabi": "Émirats arabes unis",
    "Riyad": "Arabie saoudite",
    "Londres": "Royaume-Uni",
    "Pékin": "Chine",
    "Alger": "Algérie",
    "Tunis": "Tunisie",
    "Bruxelles": "Union européenne",
    "Maison Blanche": "États-Unis",
}
# Nationality words name their state ("les Américains", "le ministre turc", "franco-russe"):
# the curated corpus counts them as mentions of the state. Masculine singular forms;
# the inflected forms are derived below.
DEMONYMS = {
    "russe": "Russie",
    "turc": "Turquie",
    "turco": "Turquie",
    "français": "France",
    "franco": "France",
    "allemand": "Allemagne",
    "américain": "États-Unis",
    "libyen": "Libye",
    "égyptien": "Égypte",
    "italien": "Italie",
    "qatari": "Qatar",
    "émirati": "Émirats arabes unis",
    "saoudien": "Arabie saoudite",
}


def _inflected(demonyms: dict[str, str]) -> dict[str, str]:
    forms = {}
    for word, state in demonyms.items():
        feminine = {"turc": "turque", "français": "française"}.get(
            word, word + ("ne" if word.endswith("en") else "" if word.endswith("e") else "e")
        )
        for form in {word, feminine}:
            forms[form] = state
            forms[form if form.endswith("s") else form + "s"] = state
    return forms


PEOPLES = _inflected(DEMONYMS)


def fold(text: str) -> str:
    """desk_fold in Python: accents, ligatures and case aside, punctuation as single spaces."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if not "\u0300" <= c <= "\u036f")
    bare = bare.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    return " ".join(WORD.findall(bare.lower()))


@dataclass(frozen=True)
class Word:
    start: int
    end: int
    folded: str


def words(body: str) -> list[Word]:
    return [Word(m.start(), m.end(), fold(m.group())) for m in WORD.finditer(body)]


def find_mentions(body: str) -> list[Mention]:
    """Known aliases and metonymies, overlaps resolved to the longest ("RT France" is RT)."""
    runs = _word_runs(words(body))
    known = _alias_table(body, extra=set(CAPITALS.values()) | set(PEOPLES.values()))
    candidates = _runs(runs, known, known_alias=True)
    for table in (CAPITALS, PEOPLES):
        names = {fold(name): known.get(fold(target)) for name, target in table.items()}
        found = _runs(runs, {k: v for k, v in names.items() if v}, known_alias=False)
        # Capitals are proper names: "paris" in lower case is not Paris.
        candidates += [m for m in found if table is PEOPLES or body[m.start].isupper()]
    return _longest_first(candidates)


def _alias_table(body: str, extra: set[str]) -> dict[str, tuple[ActorRef, str]]:
    """Folded alias -> (actor, kind), for the aliases in the body and the states named in extra."""
    columns = ("folded", "actor__slug", "actor__name", "actor__kind")
    rows = []
    for chunk in _chunks(body):
        rows += ingest.aliases_in(chunk).order_by("actor_id").values_list(*columns)
    folded_extra = [fold(name) for name in extra]
    rows += Alias.objects.filter(folded__in=folded_extra).order_by("actor_id").values_list(*columns)
    table = {}
    for folded, slug, name, kind in rows:
        table.setdefault(folded, (ActorRef(slug, name), kind))
    return table


def _chunks(body: str) -> list[str]:
    """The body in pieces of about CHUNK_CHARS, cut at line breaks (else at spaces).

    The word-run query slices an array of the text's words once per run, which
    grows with the square of the text's length: a long body is asked piece by
    piece. No alias spans a paragraph, so nothing is lost at a line break.
    """
    pieces, at = [], 0
    while at < len(body):
        end = min(at + CHUNK_CHARS, len(body))
        if end < len(body):
            cut = body.rfind("\n", at, end)
            end = cut if cut > at else max(body.rfind(" ", at, end), at + CHUNK_CHARS)
        pieces.append(body[at:end])
        at = end
    return pieces


def _word_runs(tokens: list[Word]) -> list[tuple[str, int, int]]:
    """Every run of 1 to MAX_ALIAS_WORDS consecutive words: (folded, start, end)."""
    runs = []
    for i, first in enumerate(tokens):
        key = first.folded
        runs.append((key, first.start, first.end))
        for last in tokens[i + 1 : i + ingest.MAX_ALIAS_WORDS]:
            key = f"{key} {last.folded}"
            runs.append((key, first.start, last.end))
    return runs


def _runs(runs: list[tuple[str, int, int]], table: dict, known_alias: bool) -> list[Mention]:
    found = []
    for key, start, end in runs:
        hit = table.get(key)
        if hit is not None and len(key) >= 2:
            actor, kind = hit
            found.append(Mention(start, end, actor, kind, known_alias))
    return found


def _longest_first(candidates: list[Mention]) -> list[Mention]:
    kept: list[Mention] = []
    by_length = sorted(candidates, key=lambda m: (-(m.end - m.start), not m.known_alias, m.start))
    for mention in by_length:
        if all(mention.end <= k.start or k.end <= mention.start for k in kept):
            kept.append(mention)
    return sorted(kept, key=lambda m: m.start)


def implied_mentions(body: str, kept: list[Mention]) -> list[Mention]:
    """States named by a nationality word inside the name of one of their organs.

    "forces spéciales françaises" names France too, "ministère russe" Russia; a
    faction's name does not name the state it fights over ("Armée nationale
    libyenne"). Kept apart from the mentions the rules read, which never overlap.
    """
    states = _aliases({fold(state) for state in PEOPLES.values()})
    peoples = {fold(word): state for word, state in PEOPLES.items()}
    implied = []
    for mention in kept:
        if not mention.known_alias or mention.actor_kind != Actor.Kind.GOVERNMENT_BODY:
            continue
        for word in WORD.finditer(body, mention.start, mention.end):
            state = peoples.get(fold(word.group()))
            hit = state and states.get(fold(state))
            inside = (word.start(), word.end()) != (mention.start, mention.end)
            if hit and inside and hit[0].slug != mention.actor.slug:
                implied.append(Mention(word.start(), word.end(), hit[0], hit[1], False))
    return implied


def _aliases(folded: set[str]) -> dict[str, tuple[ActorRef, str]]:
    columns = ("folded", "actor__slug", "actor__name", "actor__kind")
    rows = Alias.objects.filter(folded__in=folded).order_by("actor_id").values_list(*columns)
    table = {}
    for name, slug, actor_name, kind in rows:
        table.setdefault(name, (ActorRef(slug, actor_name), kind))
    return table
