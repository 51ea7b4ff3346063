"""Claims: statements made in an article, anchored to the exact span that backs them."""

from datetime import date

import pghistory
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, Max, Min, OuterRef, Q, Value
from django.db.models.functions import Cast, Trunc
from django.utils.translation import gettext_lazy as _

from libya.desk.models.actors import Actor
from libya.desk.models.articles import Article
from libya.desk.models.common import (
    Curated,
    DatePrecision,
    french_query,
    generation_trigger,
    newest_first,
    overlapping,
    stamp_triggers,
    tracked,
)
from libya.desk.models.events import Event, Participation

# Characters of context kept on each side of a quote, as W3C Web Annotation's
# TextQuoteSelector does, so a span can be found again if a body is re-cleaned.
CONTEXT_CHARS = 32
# Characters shown around a quote (API detail, admin change form).
PASSAGE_CHARS = 300


class ClaimQuerySet(models.QuerySet):
    def published(self) -> "ClaimQuerySet":
        """Claims shown by default: everything but retracted ones."""
        return self.exclude(status=Claim.Status.RETRACTED)

    def search(self, term: str) -> "ClaimQuerySet":
        """Claims matching a French full-text query over their text."""
        return self.filter(search_vector=french_query(term))

    def said_between(self, start: date | None, end: date | None) -> "ClaimQuerySet":
        """Claims made within [start, end]; either bound may be open."""
        return self.filter(overlapping(start, end, begins="said_on", ends="said_on"))

    def dates(self, field_name: str, kind: str, order: str = "ASC") -> models.QuerySet:
        """As ``QuerySet.dates()``; years are found by one indexed probe per year.

        The admin's date hierarchy lists years; ``SELECT DISTINCT date_trunc('year', ...)``
        would read every claim, while a ``LIMIT 1`` per year in the span reads a row each.
        """
        if kind != "year":
            return super().dates(field_name, kind, order)
        span = self.aggregate(first=Min(field_name), last=Max(field_name))
        if span["first"] is None:
            return super().dates(field_name, kind, order)
        years = self.annotate(datefield=Trunc(field_name, "year", output_field=models.DateField()))
        probes = [
            years.filter(**{f"{field_name}__year": year}).order_by().values_list("datefield")[:1]
            for year in range(span["first"].year, span["last"].year + 1)
        ]
        found = probes[0].union(*probes[1:], all=True)
        return found.values_list("datefield", flat=True).order_by(
            "-datefield" if order == "DESC" else "datefield"
        )


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
    note = models.TextField(
        _("editorial note"),
        blank=True,
        help_text=_(
            "Why the claim has its status, what other evidence says: kept out of the gloss, "
            "which only renders the text."
        ),
    )
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
            models.Index(newest_first("said_on"), F("id").desc(), name="claim_said_id"),
            models.Index(F("speaker"), newest_first("said_on"), name="claim_speaker_said"),
            # The review dashboard: claims to review counted by article, and claims per
            # month by status, each from an index alone.
            models.Index(
                fields=["article"],
                condition=Q(status="unreviewed"),
                name="claim_unreviewed_article",
            ),
            models.Index(fields=["said_on", "status"], name="claim_said_status"),
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


# Whom a claim is about is edited like any field: additions and removals keep a history
# (shown on the claim's history page beside its own changes).
pghistory.track(
    pghistory.InsertEvent("subject_added"),
    pghistory.DeleteEvent("subject_removed"),
    model_name="ClaimSubjectHistory",
    obj_field=None,
)(Claim.subjects.through)


def passage(body: str, start: int, end: int) -> tuple[str, str, str]:
    """The span's text with up to PASSAGE_CHARS characters of `body` before and after it."""
    return (
        body[max(0, start - PASSAGE_CHARS) : start],
        body[start:end],
        body[end : end + PASSAGE_CHARS],
    )


def quote_starts(body: str, quote: str) -> list[int]:
    """Start offsets of every (possibly overlapping) occurrence of `quote` in `body`."""
    starts, at = [], body.find(quote) if quote else -1
    while at != -1:
        starts.append(at)
        at = body.find(quote, at + 1)
    return starts


def actor_timeline(actor_id: int, start: date | None, end: date | None) -> models.QuerySet:
    """An actor's events and shown claims as one union of typed rows, newest first.

    Rows are dicts with ``type`` (event or claim), ``key`` (event slug or claim
    id), ``date``, ``date_precision``, ``title`` and ``role`` (the part taken in
    the event, or ``speaker``/``subject``).
    """
    events = Participation.objects.filter(actor_id=actor_id).filter(
        overlapping(start, end, begins="event__start_date", ends="event__period_end")
    )
    events = events.values(
        type=Value("event"),
        key=F("event__slug"),
        date=F("event__start_date"),
        date_precision=F("event__date_precision"),
        title=F("event__title"),
        role_=F("role"),
    )
    claims = Claim.objects.published().said_between(start, end)
    spoken = claims.filter(speaker_id=actor_id).values(**_claim_item(Value("speaker")))
    subject_rows = Claim.subjects.through.objects.filter(claim=OuterRef("pk"), actor_id=actor_id)
    about = claims.filter(Exists(subject_rows)).values(**_claim_item(Value("subject")))
    return events.union(spoken, about, all=True).order_by(
        F("date").desc(nulls_last=True), "type", "key"
    )


def _claim_item(role: Value) -> dict[str, models.Expression]:
    return {
        "type": Value("claim"),
        "key": Cast("id", models.CharField()),
        "date": F("said_on"),
        "date_precision": F("said_precision"),
        "title": F("text"),
        "role_": role,
    }


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
