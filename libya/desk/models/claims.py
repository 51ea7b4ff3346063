"""Claims: statements made in an article, anchored to the exact span that backs them."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from libya.desk.models.actors import Actor
from libya.desk.models.articles import Article
from libya.desk.models.common import (
    Curated,
    DatePrecision,
    generation_trigger,
    stamp_triggers,
    tracked,
)
from libya.desk.models.events import Event
from libya.desk.querysets import ClaimQuerySet

# Characters of context kept on each side of a quote, as W3C Web Annotation's
# TextQuoteSelector does, so a span can be found again if a body is re-cleaned.
CONTEXT_CHARS = 32


class ClaimManager(models.Manager.from_queryset(ClaimQuerySet)):
    def get_by_natural_key(self, source: str, span_start: int, span_end: int) -> "Claim":
        return self.get(article__source=source, span_start=span_start, span_end=span_end)


@tracked("ClaimHistory", exclude=["search_vector"])
class Claim(Curated):
    """Who said what, in which article, at which characters of its body."""

    class Kind(models.TextChoices):
        DIRECT_QUOTE = "direct_quote", _("direct quote")
        REPORTED_SPEECH = "reported_speech", _("reported speech")
        PUBLISHER_ASSERTION = "publisher_assertion", _("publisher's assertion")

    class Status(models.TextChoices):
        UNREVIEWED = "unreviewed", _("unreviewed")
        VERIFIED = "verified", _("verified")
        DISPUTED = "disputed", _("disputed")
        RETRACTED = "retracted", _("retracted")

    article = models.ForeignKey(
        Article, models.PROTECT, related_name="claims", verbose_name=_("article")
    )
    speaker = models.ForeignKey(
        Actor,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="claims_spoken",
        verbose_name=_("speaker"),
        help_text=_("Empty when the publisher itself asserts it."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    text = models.TextField(_("text"), help_text=_("Exactly the article's body at the span."))
    span_start = models.PositiveIntegerField(_("span start"))
    span_end = models.PositiveIntegerField(_("span end"))
    prefix = models.CharField(_("text before"), max_length=CONTEXT_CHARS, blank=True)
    suffix = models.CharField(_("text after"), max_length=CONTEXT_CHARS, blank=True)
    said_on = models.DateField(_("date said"), null=True, blank=True)
    said_precision = models.CharField(
        _("date precision"),
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    event = models.ForeignKey(
        Event,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("event"),
    )
    subjects = models.ManyToManyField(
        Actor, blank=True, related_name="claims_about", verbose_name=_("about")
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=Status.choices,
        default=Status.UNREVIEWED,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("status changed by"),
    )
    gloss_en = models.TextField(_("English gloss"), blank=True)
    search_vector = models.GeneratedField(
        expression=SearchVector("text", config="french"),
        output_field=SearchVectorField(),
        db_persist=True,
        editable=False,
    )

    objects = ClaimManager()

    class Meta:
        ordering = ["article", "span_start", "id"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            models.CheckConstraint(
                condition=Q(span_start__lt=F("span_end")), name="claim_span_ordered"
            ),
            models.UniqueConstraint("article", "span_start", "span_end", name="claim_unique_span"),
            models.CheckConstraint(
                condition=~Q(kind="direct_quote") | Q(speaker__isnull=False),
                name="claim_quote_has_speaker",
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="claim_search"),
            models.Index(fields=["-said_on", "-id"], name="claim_said_id"),
            models.Index(fields=["speaker", "-said_on"], name="claim_speaker_said"),
        ]
        triggers = [*stamp_triggers("claim"), generation_trigger("claim")]

    def __str__(self) -> str:
        who = self.speaker.name if self.speaker else _("publisher")
        return f"{who}: {self.text[:60]}"

    def natural_key(self) -> tuple[str, int, int]:
        return (self.article.source, self.span_start, self.span_end)

    natural_key.dependencies = ["desk.article", "desk.actor", "desk.event"]

    def clean(self) -> None:
        """The span must lie in the body and hold exactly the claim's text."""
        if self.article_id is None or self.span_start is None or self.span_end is None:
            return
        body = self.article.body
        where = {"start": self.span_start, "end": self.span_end, "length": len(body)}
        if self.span_end > len(body) or self.span_start >= self.span_end:
            message = _(
                "The span %(start)s-%(end)s is not inside the body (%(length)s characters)."
            )
            error = ValidationError(message, code="span_out_of_body", params=where)
            raise ValidationError({"span_end": error})
        if body[self.span_start : self.span_end] != self.text:
            message = _("The text is not the article's body at characters %(start)s-%(end)s.")
            raise ValidationError(
                {"text": ValidationError(message, code="span_mismatch", params=where)}
            )

    def anchor(self) -> None:
        """Record the characters around the span (same-row fields only)."""
        body = self.article.body
        self.prefix = body[max(0, self.span_start - CONTEXT_CHARS) : self.span_start]
        self.suffix = body[self.span_end : self.span_end + CONTEXT_CHARS]


class ClaimLinkManager(models.Manager):
    def get_by_natural_key(self, source, start, end, relation, to_source, to_start, to_end):
        return self.get(
            claim=Claim.objects.get_by_natural_key(source, start, end),
            relation=relation,
            other=Claim.objects.get_by_natural_key(to_source, to_start, to_end),
        )


@tracked("ClaimLinkHistory")
class ClaimLink(models.Model):
    """Two claims that corroborate or contradict each other, usually across articles."""

    class Relation(models.TextChoices):
        CORROBORATES = "corroborates", _("corroborates")
        CONTRADICTS = "contradicts", _("contradicts")

    claim = models.ForeignKey(Claim, models.CASCADE, related_name="links", verbose_name=_("claim"))
    relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices)
    other = models.ForeignKey(
        Claim, models.CASCADE, related_name="linked_from", verbose_name=_("other claim")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ClaimLinkManager()

    class Meta:
        ordering = ["claim", "relation", "other"]
        verbose_name = _("claim link")
        verbose_name_plural = _("claim links")
        triggers = [generation_trigger("claim_link")]
        constraints = [
            models.UniqueConstraint("claim", "other", name="claim_link_unique"),
            models.CheckConstraint(condition=~Q(claim=F("other")), name="claim_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.relation} {self.other_id}"

    def natural_key(self) -> tuple:
        return (*self.claim.natural_key(), self.relation, *self.other.natural_key())

    natural_key.dependencies = ["desk.claim"]
