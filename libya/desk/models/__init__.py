"""The desk's domain: actors, articles, events and the claims made in articles."""

from libya.desk.models.actors import Actor, Affiliation, Alias
from libya.desk.models.articles import Article
from libya.desk.models.claims import Claim, ClaimLink
from libya.desk.models.common import DatePrecision, Deletion
from libya.desk.models.events import Event, Participation
from libya.desk.models.generation import Generation
from libya.desk.models.jobs import JobError
from libya.desk.models.keys import DeskAPIKey, IdempotentRequest

# Not a curated record (no admin, no API): outside __all__, imported to be installed.
from libya.desk.models.preferences import EditorPreference  # noqa: F401
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
    "Generation",
    "IdempotentRequest",
    "JobError",
    "Participation",
    "Suggestion",
]


def _name_link_rows() -> None:
    """Words for the rows of the auto-created many-to-many tables.

    Delete confirmations list them, as "Claim_subjects object (144)" by default; an
    auto-created model can only be given a ``__str__`` this way, short of replacing it
    with an explicit through model (a schema migration for a label).
    """
    from django.utils.translation import gettext_lazy as _

    links = {
        Claim.subjects.through: (
            _("subject of a claim"),
            _("subjects of claims"),
            _("%(claim)s — about %(actor)s"),
        ),
        Article.mentioned_actors.through: (
            _("actor mentioned"),
            _("actors mentioned"),
            _("%(article)s — mentions %(actor)s"),
        ),
        Event.articles.through: (
            _("article reporting an event"),
            _("articles reporting events"),
            _("%(event)s — reported in %(article)s"),
        ),
    }
    for through, (singular, plural, template) in links.items():
        through._meta.verbose_name = singular
        through._meta.verbose_name_plural = plural
        through.__str__ = _link_text(template)


def _link_text(template):
    def text(row) -> str:
        names = {f.name: getattr(row, f.name) for f in row._meta.fields if f.is_relation}
        return str(template) % names

    return text


_name_link_rows()
