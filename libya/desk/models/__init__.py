"""The desk's domain: actors, articles, events and the claims made in articles."""

from libya.desk.models.actors import Actor, Affiliation, Alias
from libya.desk.models.articles import Article
from libya.desk.models.claims import Claim, ClaimLink
from libya.desk.models.common import DatePrecision, Deletion
from libya.desk.models.events import Event, Participation
from libya.desk.models.jobs import JobError
from libya.desk.models.keys import DeskAPIKey, IdempotentRequest
from libya.desk.models.suggestions import Suggestion

__all__ = [
    "Actor",
    "Affiliation",
    "Alias",
    "Article",
    "Claim",
    "ClaimLink",
    "DatePrecision",
    "Deletion",
    "DeskAPIKey",
    "Event",
    "IdempotentRequest",
    "JobError",
    "Participation",
    "Suggestion",
]
