"""The rows of a synthetic corpus, table by table, as dictionaries keyed by field attname.

Every table draws from its own random stream (seeded by the corpus seed and the
table's name), so the same seed gives the same rows whatever is loaded first.
Foreign keys are consistent by construction: ids are assigned here, 1..n.
"""

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.utils.text import slugify

from synthetic import text
from synthetic.text import MARKERS, Vocabulary

STAMP = datetime(2026, 1, 1, tzinfo=UTC)
FIRST_DAY = date(2011, 2, 15)
DAYS = 15 * 365
ACTOR_KINDS = {
    "person": 0.62,
    "organisation": 0.08,
    "government_body": 0.07,
    "armed_group": 0.08,
    "state": 0.02,
    "international_organisation": 0.03,
    "media": 0.10,
}
ORGANISATION_PATTERNS = {
    "organisation": ["Comité de {}", "Conseil de {}", "Association de {}"],
    "government_body": [
        "Ministère de l'Intérieur de {}",
        "Conseil d'État de {}",
        "Parlement de {}",
    ],
    "armed_group": ["Brigade de {}", "Front de libération de {}", "Forces de {}"],
    "state": ["République de {}", "Royaume de {}"],
    "international_organisation": ["Union de {}", "Organisation de {}", "Mission d'appui à {}"],
    "media": ["Le Courrier de {}", "Radio {}", "{} Info", "L'Écho de {}", "Agence {} Presse"],
}
COUNTRIES = ["LY", "LY", "LY", "RU", "TR", "FR", "EG", "AE", "IT", "DZ", "TN", "US", "DE", "QA"]
EVENT_KINDS = ["talks", "meeting", "visit", "agreement", "ceasefire", "attack", "deployment"]
EVENT_KINDS += ["statement", "cancellation", "conference", "other"]
EVENT_WORDS = {"talks": "Pourparlers", "meeting": "Rencontre", "visit": "Visite"}
EVENT_WORDS |= {"agreement": "Accord", "ceasefire": "Cessez-le-feu", "attack": "Attaque"}
EVENT_WORDS |= {"deployment": "Déploiement", "statement": "Déclaration", "other": "Affaire"}
EVENT_WORDS |= {"cancellation": "Annulation", "conference": "Conférence"}
ROLES = ["party", "mediator", "host", "signatory", "attacker", "target", "guest", "observer"]
CLAIM_STATUSES = (
    (["unreviewed"] * 70) + (["verified"] * 20) + (["disputed"] * 8) + ["retracted"] * 2
)


@dataclass(frozen=True)
class Tier:
    """How many rows of each main table a tier holds."""

    articles: int
    actors: int
    events: int
    claims: int


TIERS = {
    "XS": Tier(articles=400, actors=200, events=200, claims=2_000),
    "S": Tier(articles=20_000, actors=5_000, events=10_000, claims=100_000),
    "M": Tier(articles=200_000, actors=50_000, events=100_000, claims=1_000_000),
    "L": Tier(articles=2_000_000, actors=200_000, events=1_000_000, claims=10_000_000),
}


@dataclass
class SyntheticActor:
    id: int
    kind: str
    name: str
    aliases: list[tuple[str, str]]


@dataclass
class ArticleBatch:
    """Articles with the rows that hang off them; claims need the finished body for their spans."""

    articles: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    mentions: list[dict] = field(default_factory=list)
    subjects: list[dict] = field(default_factory=list)


def stream(seed: int, name: str) -> random.Random:
    return random.Random(f"{seed}:{name}")


def some_day(rng: random.Random) -> date:
    return FIRST_DAY + timedelta(days=rng.randrange(DAYS))


def stamp(row_id: int) -> datetime:
    return STAMP + timedelta(seconds=row_id)


class Corpus:
    """A deterministic corpus of one tier; its methods yield rows for the loader."""

    def __init__(self, tier: Tier, *, seed: int, sources_dir: Path) -> None:
        self.tier = tier
        self.seed = seed
        self.vocabulary = Vocabulary.build(stream(seed, "vocabulary"), sources_dir)
        self.actors = list(self._make_actors())
        self.media = [actor.id for actor in self.actors if actor.kind == "media"]
        self.people = [actor.id for actor in self.actors if actor.kind == "person"]
        self.speakers = self.people or [actor.id for actor in self.actors]
        self.bodies = [a.id for a in self.actors if a.kind not in {"person", "media"}]
        self.media_weights = [1 / rank for rank in range(1, len(self.media) + 1)]

    # Actors

    def _make_actors(self) -> Iterator[SyntheticActor]:
        rng = stream(self.seed, "actors")
        kinds, weights = list(ACTOR_KINDS), list(ACTOR_KINDS.values())
        for actor_id in range(1, self.tier.actors + 1):
            kind = rng.choices(kinds, weights)[0]
            if kind == "person":
                name = text.person_name(rng)
            else:
                name = rng.choice(ORGANISATION_PATTERNS[kind]).format(text.place_name(rng))
            yield SyntheticActor(actor_id, kind, name, _aliases(name, kind))

    def actor_rows(self) -> Iterator[dict]:
        rng = stream(self.seed, "actor-rows")
        for actor in self.actors:
            media = actor.kind == "media"
            yield {
                "id": actor.id,
                "created_at": stamp(actor.id),
                "updated_at": stamp(actor.id),
                "version": 1,
                "name": actor.name,
                "slug": f"{slugify(actor.name)[:60].strip('-')}-{actor.id}",
                "kind": actor.kind,
                "description": f"{actor.kind.replace('_', ' ')} (synthetic)",
                "country": rng.choice(COUNTRIES),
                "owner_id": None,
                "state_affiliated": rng.choice([True, False, None]) if media else None,
            }

    def alias_rows(self) -> Iterator[dict]:
        alias_id = 0
        for actor in self.actors:
            for name, language in actor.aliases:
                alias_id += 1
                yield {"id": alias_id, "actor_id": actor.id, "name": name, "language": language}

    def affiliation_rows(self) -> Iterator[dict]:
        rng = stream(self.seed, "affiliations")
        affiliation_id = 0
        for person in self.people:
            if self.bodies and rng.random() < 0.2:
                affiliation_id += 1
                yield {
                    "id": affiliation_id,
                    "actor_id": person,
                    "kind": "member_of",
                    "target_id": rng.choice(self.bodies),
                    "start_date": some_day(rng),
                    "end_date": None,
                }

    # Events

    def event_rows(self) -> Iterator[dict]:
        rng = stream(self.seed, "events")
        for event_id in range(1, self.tier.events + 1):
            kind = rng.choice(EVENT_KINDS)
            place = text.place_name(rng)
            start = some_day(rng)
            precision = rng.choices(["day", "month", "year"], [85, 10, 5])[0]
            end = start + timedelta(days=rng.randint(1, 10)) if precision == "day" else None
            title = f"{EVENT_WORDS[kind]} à {place} : {text.render(self.words(rng)[:6])}"
            yield {
                "id": event_id,
                "created_at": stamp(event_id),
                "updated_at": stamp(event_id),
                "version": 1,
                "title": title,
                "slug": f"{slugify(title)[:60].strip('-')}-{event_id}",
                "kind": kind,
                "start_date": start,
                "end_date": end if rng.random() < 0.3 else None,
                "date_precision": precision,
                "place_name": place,
                "place_country": rng.choice(COUNTRIES),
                "parent_id": rng.randrange(1, event_id)
                if event_id > 1 and rng.random() < 0.05
                else None,
                "description": text.render(self.words(rng)) + ".",
            }

    def participation_rows(self) -> Iterator[dict]:
        rng = stream(self.seed, "participations")
        for event_id in range(1, self.tier.events + 1):
            for actor in rng.sample(self.actors, rng.randint(2, 4)):
                yield {"event_id": event_id, "actor_id": actor.id, "role": rng.choice(ROLES)}

    def event_article_rows(self) -> Iterator[dict]:
        rng = stream(self.seed, "event-articles")
        for event_id in range(1, self.tier.events + 1):
            for article_id in rng.sample(range(1, self.tier.articles + 1), rng.randint(1, 2)):
                yield {"event_id": event_id, "article_id": article_id}

    # Articles and claims

    def article_batches(self, size: int = 2_000) -> Iterator[ArticleBatch]:
        writer = ArticleWriter(self, stream(self.seed, "articles"))
        for first in range(1, self.tier.articles + 1, size):
            batch = ArticleBatch()
            for article_id in range(first, min(first + size, self.tier.articles + 1)):
                writer.write(article_id, batch)
            yield batch

    def claim_link_rows(self) -> Iterator[dict]:
        rng = stream(self.seed, "claim-links")
        seen = set()
        for _ in range(self.tier.claims // 100):
            claim = rng.randint(1, self.tier.claims)
            other = rng.randint(1, self.tier.claims)
            if claim != other and (claim, other) not in seen:
                seen.add((claim, other))
                relation = rng.choice(["corroborates", "contradicts"])
                yield {"id": len(seen), "claim_id": claim, "relation": relation, "other_id": other}

    def claims_per_article(self, rng: random.Random) -> int:
        mean = self.tier.claims / self.tier.articles
        return max(0, round(rng.gauss(mean, mean / 3)))

    def words(self, rng: random.Random) -> list[str]:
        return text.sentence_words(rng, self.vocabulary)


def _aliases(name: str, kind: str) -> list[tuple[str, str]]:
    """Every spelling an actor goes by: as written, unaccented, transliterated, short forms."""
    spellings = [(name, "fr"), (text.unaccented(name), "en"), (text.transliterated(name), "en")]
    if kind == "person":
        surname = name.split(" ", 1)[1]
        spellings += [(surname, "fr"), (text.unaccented(surname), "en")]
    elif len(text.acronym(name)) >= 2:
        spellings.append((text.acronym(name), "fr"))
    unique: dict[str, str] = {}
    for spelling, language in spellings:
        unique.setdefault(spelling, language)
    return list(unique.items())


class ArticleWriter:
    """Builds one article's body sentence by sentence, keeping the offsets its claims need."""

    def __init__(self, corpus: Corpus, rng: random.Random) -> None:
        self.corpus = corpus
        self.rng = rng
        self.claim_id = 0

    def write(self, article_id: int, batch: ArticleBatch) -> None:
        """Append the article, its claims, mentions and claim subjects to ``batch``."""
        published, precision = self._published()
        mentioned: set[int] = set()
        body, spans = self._body(mentioned)
        batch.articles.append(self._article(article_id, body, published, precision))
        for start, end, claim in spans:
            self._claim(batch, article_id, body, start, end, claim, published, precision)
        batch.mentions += [{"article_id": article_id, "actor_id": a} for a in sorted(mentioned)]

    def _body(self, mentioned: set[int]) -> tuple[str, list[tuple[int, int, dict]]]:
        """Paragraphs of four sentences, and the (start, end, claim) of every claim's span."""
        sentences = self._sentences()
        claims = self._plan_claims(len(sentences))
        parts: list[str] = []
        spans: list[tuple[int, int, dict]] = []
        length = 0
        for index, words in enumerate(sentences):
            separator = "" if index == 0 else ("\n\n" if index % 4 == 0 else " ")
            sentence, span = self._sentence(words, claims.get(index), mentioned)
            offset = length + len(separator)
            if span:
                spans.append((offset + span[0], offset + span[1], span[2]))
            parts += [separator, sentence]
            length = offset + len(sentence)
        return "".join(parts), spans

    def _article(self, article_id: int, body: str, published, precision: str) -> dict:
        rng, corpus = self.rng, self.corpus
        title = text.render(corpus.words(rng)[: rng.randint(6, 12)])
        return {
            "id": article_id,
            "created_at": stamp(article_id),
            "updated_at": stamp(article_id),
            "version": 1,
            "title": title,
            "slug": f"{slugify(title)[:60].strip('-')}-{article_id}",
            "publisher_id": rng.choices(corpus.media, corpus.media_weights)[0]
            if corpus.media
            else None,
            "agency_id": rng.choice(corpus.media[:5])
            if corpus.media and rng.random() < 0.2
            else None,
            "language": "fr",
            "published_on": published,
            "published_precision": precision,
            "body": body,
            "source": f"synthetic/{article_id:08d}.txt",
            "content_hash": hashlib.sha256(body.encode()).hexdigest(),
            "url": f"https://presse.example/{article_id}",
        }

    def _published(self) -> tuple[date | None, str]:
        precision = self.rng.choices(["day", "month", "year", "unknown"], [90, 6, 2, 2])[0]
        day = some_day(self.rng)
        if precision == "unknown":
            return None, precision
        if precision == "month":
            return day.replace(day=1), precision
        return (day.replace(month=1, day=1) if precision == "year" else day), precision

    def _sentences(self) -> list[list[str]]:
        rng, target = self.rng, max(1100, min(2900, self.rng.gauss(1800, 270)))
        sentences, length = [], 0
        while length < target:
            words = self.corpus.words(rng)
            sentences.append(words)
            length += sum(map(len, words)) + len(words) + 1
        for marker, share in MARKERS.items():
            if rng.random() < share:
                words = rng.choice(sentences)
                words.insert(rng.randint(1, len(words)), marker)
        return sentences

    def _plan_claims(self, sentences: int) -> dict[int, dict]:
        rng, corpus = self.rng, self.corpus
        count = min(sentences, self.corpus.claims_per_article(rng))
        plan = {}
        for index in sorted(rng.sample(range(sentences), count)):
            kind = rng.choices(
                ["direct_quote", "reported_speech", "publisher_assertion"], [4, 4, 2]
            )[0]
            speaker = None if kind == "publisher_assertion" else rng.choice(corpus.speakers)
            plan[index] = {"kind": kind, "speaker": corpus.actors[speaker - 1] if speaker else None}
        return plan

    def _sentence(self, words: list[str], claim: dict | None, mentioned: set[int]):
        """The sentence's text and, for a claim, (start, end, claim) of its span within it."""
        rng = self.rng
        if claim is None and rng.random() < 0.15:
            actor = rng.choice(self.corpus.actors)
            mentioned.add(actor.id)
            words = [*words[:3], rng.choice(actor.aliases)[0], *words[3:]]
        plain = text.render(words)
        if claim is None or claim["kind"] == "publisher_assertion":
            return plain + ".", (0, len(plain), claim) if claim else None
        speaker = claim["speaker"]
        mentioned.add(speaker.id)
        alias = rng.choice(speaker.aliases)[0]
        if claim["kind"] == "direct_quote":
            return f"« {plain} », a déclaré {alias}.", (2, 2 + len(plain), claim)
        lead = f"Selon {alias}, "
        reported = plain[:1].lower() + plain[1:]
        return f"{lead}{reported}.", (len(lead), len(lead) + len(reported), claim)

    def _claim(self, batch, article_id, body, start, end, claim, published, precision) -> None:
        rng, corpus = self.rng, self.corpus
        self.claim_id += 1
        status = rng.choice(CLAIM_STATUSES)
        speaker = claim["speaker"]
        batch.claims.append(
            {
                "id": self.claim_id,
                "created_at": stamp(self.claim_id),
                "updated_at": stamp(self.claim_id),
                "version": 1,
                "article_id": article_id,
                "speaker_id": speaker.id if speaker else None,
                "kind": claim["kind"],
                "text": body[start:end],
                "span_start": start,
                "span_end": end,
                "prefix": body[max(0, start - 32) : start],
                "suffix": body[end : end + 32],
                "said_on": published,
                "said_precision": precision,
                "event_id": rng.randint(1, corpus.tier.events) if rng.random() < 0.5 else None,
                "status": status,
                "status_changed_at": None if status == "unreviewed" else stamp(self.claim_id),
                "status_changed_by_id": None,
                "gloss_en": "",
                "note": "",
            }
        )
        for actor in rng.sample(corpus.actors, rng.randint(0, 2)):
            batch.subjects.append({"claim_id": self.claim_id, "actor_id": actor.id})
