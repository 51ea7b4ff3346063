"""The desk's domain: actors, articles, events and the claims made in articles."""

from libya.desk.models.actors import Actor, Affiliation, Alias
from libya.desk.models.articles import Article
from libya.desk.models.claims import Claim, ClaimLink
from libya.desk.models.common import DatePrecision, Deletion
from libya.desk.models.events import Event, Participation

# Not a curated record (no admin, no API): outside __all__, imported to be installed.
from libya.desk.models.preferences import EditorPreference  # noqa: F401

__all__ = [
    "Actor",
    "Affiliation",
    "Alias",
    "Article",
    "Claim",
    "ClaimLink",
    "DatePrecision",
    "Deletion",
    "Event",
    "Participation",
]
