"""Assisted extraction: the machine's first pass over an article, for an editor to judge.

``extract(body, published, published_precision)`` proposes direct quotes and
reported speech with their speakers and dates, the events they are about, the
article's own date, new spellings of known actors and actors the desk lacks.
It reads the desk (actors, aliases, events) and never writes.
"""

from libya.desk.extraction.pipeline import extract
from libya.desk.extraction.types import ActorRef, Extraction, Mention, Proposal

EXTRACTOR_NAME = "desk-extractor"
EXTRACTOR_VERSION = "2"

__all__ = [
    "EXTRACTOR_NAME",
    "EXTRACTOR_VERSION",
    "ActorRef",
    "Extraction",
    "Mention",
    "Proposal",
    "extract",
]
