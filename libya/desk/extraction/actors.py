"""From a name in the text to a desk actor, through the desk's own actor search."""

import re

from libya.desk.extraction.mentions import fold
from libya.desk.extraction.types import ActorRef
from libya.desk.models import Actor, Affiliation, Alias

# ActorQuerySet.search scores an exact alias 2+, a prefix 1+, and a fuzzy match by its
# trigram similarity (0..1): below this, the name is someone the desk does not know.
FUZZY_MATCH_SCORE = 0.5
LEADING_WORDS = re.compile(
    r"^(?:(?:le|la|les|l['’]|du|des|de|d['’]|un|une|M\.|Mme|Mr|MM\.|par)\s*)+", re.I
)
TRAILING = re.compile(r"[\s,;:.()\[\]«»\"]+$")


def clean_name(text: str) -> str:
    """A name as a desk actor would carry it: no article, no title, no trailing punctuation."""
    text = " ".join(text.split())
    return TRAILING.sub("", LEADING_WORDS.sub("", text)).strip()


class Resolver:
    """Names to actors for one article: each distinct name is searched once."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str | None], tuple[ActorRef, str | None, float]] = {}

    def resolve(self, name: str, kind: str | None = None) -> tuple[ActorRef, str | None, float]:
        """(actor, its kind or None if new, match score) for a name; ``kind`` narrows persons."""
        name = clean_name(name)
        key = (fold(name), kind)
        if key not in self._seen:
            self._seen[key] = self._search(name, kind)
        return self._seen[key]

    def _search(self, name: str, kind: str | None) -> tuple[ActorRef, str | None, float]:
        if len(fold(name)) < 3:
            return ActorRef(None, name), None, 0.0
        found = Actor.objects.search(name)
        if kind == Actor.Kind.PERSON:
            found = found.filter(kind=Actor.Kind.PERSON)
        elif kind is not None:
            found = found.exclude(kind=Actor.Kind.PERSON)
        best = found.values("slug", "name", "kind", "search_score").first()
        if best is None or best["search_score"] < FUZZY_MATCH_SCORE:
            return ActorRef(None, name), None, 0.0
        return ActorRef(best["slug"], best["name"]), best["kind"], best["search_score"]

    def led_group(self, slug: str) -> ActorRef | None:
        """The armed group a person leads ("les forces de Haftar"), if the desk records it."""
        key = ("led by", slug)
        if key not in self._seen:
            led = (
                Affiliation.objects.filter(
                    actor__slug=slug,
                    kind=Affiliation.Kind.LEADS,
                    target__kind=Actor.Kind.ARMED_GROUP,
                )
                .values_list("target__slug", "target__name")
                .first()
            )
            self._seen[key] = ActorRef(*led) if led else None
        return self._seen[key]

    def by_alias(self, names: list[str]) -> dict[str, tuple[ActorRef, str]]:
        """Folded name -> (actor, kind) for those of ``names`` that are aliases."""
        rows = Alias.objects.filter(folded__in=[fold(n) for n in names]).values_list(
            "folded", "actor__slug", "actor__name", "actor__kind"
        )
        return {folded: (ActorRef(slug, name), kind) for folded, slug, name, kind in rows}
