"""The desk's generation: rows that every write to the desk moves on, in the same transaction.

The response cache (libya/desk/responsecache.py) keys answers by the tokens of all
rows, so an answer cached before a write can never be served after that write is
committed. Row 1 is every writer's (the tables' triggers move it). Rows from 2 on are
stripes for the writers of a bulk import: each writer moves its own row first thing in
its transaction, so that the writers of one import do not queue on one row lock.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from libya.desk.models.articles import Article
from libya.desk.models.claims import Claim
from libya.desk.models.common import generation_trigger
from libya.desk.models.events import Event

# Rows a bulk import's writers may move instead of row 1, one each.
BULK_STRIPES = range(2, 10)
# A stripe's row is created by its first bump.
BUMP_STRIPE_SQL = (
    "INSERT INTO desk_generation (id, number, token) VALUES (%s, 1, gen_random_uuid()) "
    "ON CONFLICT (id) DO UPDATE SET number = desk_generation.number + 1, token = EXCLUDED.token"
)


class Generation(models.Model):
    """A row of the generation: how many write statements moved it, and a fresh token.

    ``number`` only grows while the database lives; ``token`` is random on every bump,
    so a generation rolled back, or a database restored from an older dump, never
    reuses a key that answers were cached under for other contents.
    """

    number = models.BigIntegerField(_("number"), default=0)
    token = models.UUIDField(_("token"), db_default=models.Func(function="gen_random_uuid"))

    class Meta:
        verbose_name = _("desk generation")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id__gte=1, id__lt=BULK_STRIPES.stop), name="generation_rows"
            )
        ]

    def __str__(self) -> str:
        return f"generation {self.number}"


# Django creates the many-to-many tables itself; a proxy of each carries its trigger
# (django-pgtrigger's way of adding triggers to models declared elsewhere).
class ArticleMentionsGeneration(Article.mentioned_actors.through):
    class Meta:
        proxy = True
        triggers = [generation_trigger("article_mentions")]


class ClaimSubjectsGeneration(Claim.subjects.through):
    class Meta:
        proxy = True
        triggers = [generation_trigger("claim_subjects")]


class EventArticlesGeneration(Event.articles.through):
    class Meta:
        proxy = True
        triggers = [generation_trigger("event_articles")]
