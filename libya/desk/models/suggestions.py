"""Suggestions: what the extractor proposes in an article, waiting for an editor's decision."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from libya.desk.models.actors import Actor, Alias
from libya.desk.models.articles import Article
from libya.desk.models.claims import CONTEXT_CHARS, Claim
from libya.desk.models.common import Curated, DatePrecision, tracked, version_trigger
from libya.desk.models.events import Event


class SuggestionQuerySet(models.QuerySet):
    def proposed(self) -> "SuggestionQuerySet":
        """Suggestions still waiting for a decision."""
        return self.filter(status=Suggestion.Status.PROPOSED)

    def current(self) -> "SuggestionQuerySet":
        """Suggestions that still stand for the article's body (not superseded)."""
        return self.exclude(status=Suggestion.Status.SUPERSEDED)

    def for_review(self) -> "SuggestionQuerySet":
        """Rows plus everything the review screen and the queue show, in one query."""
        return self.select_related("article", "speaker", "event", "actor", "decided_by")


@tracked("SuggestionHistory")
class Suggestion(Curated):
    """One thing the extractor proposes at a span of an article's body: a quote, an alias..."""

    class Kind(models.TextChoices):
        DIRECT_QUOTE = "direct_quote", _("direct quote")
        REPORTED_SPEECH = "reported_speech", _("reported speech")
        ALIAS = "alias", _("alias")
        ACTOR = "actor", _("actor")
        DATE = "date", _("article date")
        EVENT = "event", _("event")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")
        SUPERSEDED = "superseded", _("superseded")

    article = models.ForeignKey(
        Article, models.CASCADE, related_name="suggestions", verbose_name=_("article")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    span_start = models.PositiveIntegerField(_("span start"))
    span_end = models.PositiveIntegerField(_("span end"))
    text = models.TextField(_("text"), help_text=_("The article's body at the span."))
    prefix = models.CharField(_("text before"), max_length=CONTEXT_CHARS, blank=True)
    suffix = models.CharField(_("text after"), max_length=CONTEXT_CHARS, blank=True)
    speaker = models.ForeignKey(
        Actor,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("speaker"),
    )
    speaker_name = models.CharField(
        _("speaker as named"),
        max_length=200,
        blank=True,
        help_text=_("The speaker's name as the text gives it; a new actor when no speaker."),
    )
    said_on = models.DateField(_("date"), null=True, blank=True)
    said_precision = models.CharField(
        _("date precision"), max_length=8, choices=DatePrecision.choices, blank=True
    )
    event = models.ForeignKey(
        Event, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("event")
    )
    actor = models.ForeignKey(
        Actor,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        help_text=_("For an alias: the known actor it names."),
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    actor_kind = models.CharField(
        _("actor kind"), max_length=32, choices=Actor.Kind.choices, blank=True
    )
    confidence = models.FloatField(_("confidence"))
    extractor = models.CharField(_("extractor"), max_length=50)
    extractor_version = models.CharField(_("extractor version"), max_length=20)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # What accepting created, one column per kind of record, so that each stays a real
    # foreign key (a generic relation could point at nothing).
    claim = models.ForeignKey(
        Claim,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name=_("claim created"),
    )
    alias = models.ForeignKey(
        Alias,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("alias created"),
    )
    created_actor = models.ForeignKey(
        Actor,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor created"),
    )

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["article", "span_start", "kind", "id"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        constraints = [
            models.CheckConstraint(
                condition=Q(span_start__lte=F("span_end")), name="suggestion_span_ordered"
            ),
            models.CheckConstraint(
                condition=Q(confidence__gte=0, confidence__lte=1),
                name="suggestion_confidence_range",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "kind", "-confidence"], name="suggestion_queue"),
            models.Index(fields=["article", "status"], name="suggestion_article_status"),
        ]
        # No deletion log: suggestions are not published to API mirrors.
        triggers = [version_trigger("suggestion")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"

    @property
    def is_claim(self) -> bool:
        return self.kind in (self.Kind.DIRECT_QUOTE, self.Kind.REPORTED_SPEECH)

    def key(self) -> tuple:
        """What makes two suggestions the same: kind, span, text and proposed values."""
        return (
            self.kind,
            self.span_start,
            self.span_end,
            self.text,
            self.speaker_id,
            self.speaker_name,
            self.said_on,
            self.said_precision,
            self.event_id,
            self.actor_id,
            self.name,
            self.actor_kind,
        )

    def anchor(self) -> None:
        """Record the characters around the span, as claims do, to find it again later."""
        body = self.article.body
        self.prefix = body[max(0, self.span_start - CONTEXT_CHARS) : self.span_start]
        self.suffix = body[self.span_end : self.span_end + CONTEXT_CHARS]
