"""New spellings of known actors (alias proposals) and people the desk lacks (actor proposals)."""

from libya.desk.extraction import vocabulary as words
from libya.desk.extraction.actors import clean_name
from libya.desk.extraction.mentions import PEOPLES, fold
from libya.desk.extraction.types import Proposal
from libya.desk.models import Actor

ENTITY_LABELS = {"PER", "ORG"}
DEMONYM_FORMS = {fold(form) for form in PEOPLES}
GOVERNMENT_WORDS = {"ministère", "gouvernement", "parlement", "conseil", "présidence", "chambre"}
ARMED_WORDS = {"armée", "forces", "milice", "milices", "brigade", "brigades", "bataillon"}
MEDIA_WORDS = {"agence", "journal", "quotidien", "radio", "télévision", "chaîne", "hebdomadaire"}
INTERNATIONAL_WORDS = {"nations", "union", "ligue", "otan", "organisation"}


def name_proposals(article) -> list[Proposal]:
    """Aliases for metonymies and unseen spellings, actors for names the desk does not know."""
    proposals, seen = [], set()
    for mention in article.mentions:
        surface = article.body[mention.start : mention.end]
        if mention.known_alias or fold(surface) in DEMONYM_FORMS:
            continue
        if not _acts(article, mention.start):
            continue
        key = ("alias", mention.actor.slug, fold(surface))
        if key not in seen:
            seen.add(key)
            proposals.append(
                Proposal("alias", mention.start, mention.end, surface, 0.7, actor=mention.actor)
            )
    for entity in article.doc.ents:
        proposal = _for_entity(article, entity, seen)
        if proposal is not None:
            proposals.append(proposal)
    return proposals


def _acts(article, at: int) -> bool:
    """A capital used as an actor: a subject, or the source of "selon"."""
    token = article.doc[article.token_index(at)]
    if token.dep_.startswith("nsubj"):
        return True
    return any(words.is_source_marker(c) for c in token.children)


def _for_entity(article, entity, seen: set) -> Proposal | None:
    if entity.label_ not in ENTITY_LABELS:
        return None
    inside = article.mentions_between(entity.start_char - 1, entity.end_char + 1)
    if inside:
        return _longer_spelling(article, entity, inside, seen)
    name = clean_name(entity.text)
    first = name.split()[0].lower() if name else ""
    if len(name) < 3 or not name[0].isupper() or first in words.PERSON_TITLES:
        return None
    if article.mention_covering(entity.start_char, entity.end_char) is not None:
        return None
    person = entity.label_ == "PER"
    actor, kind, score = article.resolver.resolve(name, Actor.Kind.PERSON if person else "org")
    start = entity.start_char + entity.text.find(name) if name in entity.text else entity.start_char
    end = start + len(name) if name in entity.text else entity.end_char
    if actor.slug:
        key = ("alias", actor.slug, fold(name))
        if key in seen:
            return None
        seen.add(key)
        confidence = min(0.9, 0.4 + score / 3)
        return Proposal("alias", start, end, article.body[start:end], confidence, actor=actor)
    if _already_named(name, seen):
        return None
    seen.add(("actor", fold(name)))
    kind = Actor.Kind.PERSON if person else _organisation_kind(name)
    return Proposal("actor", start, end, article.body[start:end], 0.6, name=name, actor_kind=kind)


def _longer_spelling(article, entity, inside, seen: set) -> Proposal | None:
    """ "Fayez el-Serraj" around the known "Serraj": a new spelling of the same person."""
    name = clean_name(entity.text)
    mention = inside[0]
    if (
        entity.label_ != "PER"
        or len(inside) != 1
        or mention.actor_kind != Actor.Kind.PERSON
        or not mention.known_alias
        or fold(name) == fold(article.body[mention.start : mention.end])
        or name not in entity.text
    ):
        return None
    key = ("alias", mention.actor.slug, fold(name))
    if key in seen:
        return None
    seen.add(key)
    start = entity.start_char + entity.text.find(name)
    end = start + len(name)
    return Proposal("alias", start, end, article.body[start:end], 0.6, actor=mention.actor)


def _already_named(name: str, seen: set) -> bool:
    """ "Mismari" after "Ahmed al-Mismari": the same person, proposed once."""
    folded = fold(name)
    names = [key[1] for key in seen if key[0] == "actor"]
    return any(folded == other or f" {folded}" in f" {other}" for other in names)


def _organisation_kind(name: str) -> str:
    lowered = set(name.lower().split())
    for vocabulary, kind in (
        (GOVERNMENT_WORDS, Actor.Kind.GOVERNMENT_BODY),
        (ARMED_WORDS, Actor.Kind.ARMED_GROUP),
        (MEDIA_WORDS, Actor.Kind.MEDIA),
        (INTERNATIONAL_WORDS, Actor.Kind.INTERNATIONAL_ORGANISATION),
    ):
        if lowered & vocabulary:
            return kind
    return Actor.Kind.ORGANISATION
