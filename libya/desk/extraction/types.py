"""What the extractor proposes: plain values, no database rows."""

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class ActorRef:
    """A desk actor (``slug``) or, with ``slug`` None, someone the desk does not know yet."""

    slug: str | None
    name: str

    def as_json(self) -> dict:
        return {"slug": self.slug, "name": self.name}


@dataclass(frozen=True)
class Proposal:
    """One suggestion: a kind, the span of the body it rests on, and the values proposed."""

    kind: str
    start: int
    end: int
    text: str
    confidence: float
    speaker: ActorRef | None = None
    said_on: date | None = None
    said_precision: str | None = None
    event: str | None = None
    actor: ActorRef | None = None
    name: str | None = None
    actor_kind: str | None = None

    def as_json(self) -> dict:
        """The item format of ``manage.py suggest``: optional values only where they apply."""
        item = {
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "confidence": round(self.confidence, 2),
        }
        if self.kind in CLAIM_KINDS:
            item["speaker"] = self.speaker.as_json() if self.speaker else None
        if self.said_on is not None:
            item["said_on"] = self.said_on.isoformat()
            item["said_precision"] = self.said_precision
        if self.event is not None:
            item["event"] = self.event
        if self.actor is not None:
            item["actor"] = self.actor.as_json()
        if self.name is not None:
            item["name"] = self.name
            item["actor_kind"] = self.actor_kind
        return item


CLAIM_KINDS = ("direct_quote", "reported_speech")


@dataclass(frozen=True)
class Mention:
    """A desk actor named at a span of the body (a known alias or a metonymy)."""

    start: int
    end: int
    actor: ActorRef
    actor_kind: str
    known_alias: bool = True


@dataclass
class Extraction:
    """Everything proposed for one body, and what the editor should know about the run."""

    proposals: list[Proposal]
    messages: list[str]
    mentions: list[Mention] = field(default_factory=list)
