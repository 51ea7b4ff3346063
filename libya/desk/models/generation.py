"""The desk's generation: one row that every write to the desk moves on, in the same transaction.

The response cache (libya/desk/responsecache.py) keys answers by it, so an answer
cached before a write can never be served after that write is committed.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from libya.desk.models.articles import Article
from libya.desk.models.claims import Claim
from libya.desk.models.common import generation_trigger
from libya.desk.models.events import Event


class Generation(models.Model):
    """A single row (id 1): how many write statements the desk has seen, and a fresh token.

    ``number`` only grows while the database lives; ``token`` is random on every bump,
    so a generation rolled back, or a database restored from an older dump, never
    reuses a key that answers were cached under for other contents.
    """

    number = models.BigIntegerField(_("number"), default=0)
    token = models.UUIDField(_("token"), db_default=models.Func(function="gen_random_uuid"))

    class Meta:
        verbose_name = _("desk generation")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="generation_single")]

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
