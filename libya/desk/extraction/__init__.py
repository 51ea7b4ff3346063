# interim: replaced by the full extractor
"""Suggested claims, speakers, dates and actors for an article body.

This interim version proposes only « … » quotations, by regular expression, with
no speaker; it has the interface of the full extractor.
"""

import re
from dataclasses import asdict, dataclass, field
from datetime import date

EXTRACTOR_NAME = "desk-regex"
EXTRACTOR_VERSION = "0.1"
QUOTE = re.compile(r"«\s*([^«»]+?)\s*»")


@dataclass(frozen=True)
class ActorRef:
    """A speaker or actor: a desk actor's slug, or None for someone the desk does not know."""

    slug: str | None
    name: str


@dataclass(frozen=True)
class Proposal:
    """One thing the extractor proposes, anchored at characters start-end of the body."""

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
        data = {k: v for k, v in asdict(self).items() if v is not None}
        if self.said_on is not None:
            data["said_on"] = self.said_on.isoformat()
        return data


@dataclass
class Extraction:
    """The proposals for one body and what the extractor has to say about it."""

    proposals: list[Proposal]
    messages: list[str] = field(default_factory=list)


def extract(
    body: str, published: date | None = None, published_precision: str = "day"
) -> Extraction:
    """Every « … » quotation of `body`, as a direct quote without a speaker."""
    proposals = [
        Proposal("direct_quote", m.start(1), m.end(1), m.group(1), 0.5)
        for m in QUOTE.finditer(body)
    ]
    messages = [] if proposals else ["No quotation in « … » found."]
    return Extraction(proposals, messages)
