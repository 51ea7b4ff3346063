"""Events: what happened or was announced, who took part, and which articles report it."""

from datetime import date

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from libya.desk.models.actors import Actor
from libya.desk.models.articles import Article
from libya.desk.models.common import (
    Curated,
    DatePrecision,
    PeriodEnd,
    french_query,
    generation_trigger,
    newest_first,
    overlapping,
    stamp_triggers,
    tracked,
)


class EventQuerySet(models.QuerySet):
    def between(self, start: date | None, end: date | None) -> "EventQuerySet":
        """Events whose span overlaps [start, end]; either bound may be open."""
        return self.filter(overlapping(start, end, begins="start_date", ends="period_end"))

    def search(self, term: str) -> "EventQuerySet":
        """Events matching a French full-text query over title, place and description."""
        return self.filter(search_vector=french_query(term))


class EventManager(models.Manager.from_queryset(EventQuerySet)):
    def get_by_natural_key(self, slug: str) -> "Event":
        return self.get(slug=slug)


@tracked("EventHistory", exclude=["search_vector"])
class Event(Curated):
    """Something that happened or was announced: talks, a visit, a ceasefire, an attack..."""

    class Kind(models.TextChoices):
        TALKS = "talks", _("talks")
        MEETING = "meeting", _("meeting")
        VISIT = "visit", _("visit")
        AGREEMENT = "agreement", _("agreement")
        CEASEFIRE = "ceasefire", _("ceasefire")
        ATTACK = "attack", _("attack")
        DEPLOYMENT = "deployment", _("deployment")
        STATEMENT = "statement", _("statement")
        CANCELLATION = "cancellation", _("cancellation")
        CONFERENCE = "conference", _("conference")
        OTHER = "other", _("other")

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    start_date = models.DateField(
        _("start date"),
        null=True,
        blank=True,
        help_text=_("First day of the period when the precision is a month or a year."),
    )
    end_date = models.DateField(_("end date"), null=True, blank=True)
    date_precision = models.CharField(
        _("date precision"), max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    period_end = models.GeneratedField(
        expression=models.functions.Coalesce("end_date", PeriodEnd("start_date", "date_precision")),
        output_field=models.DateField(),
        db_persist=True,
        verbose_name=_("last possible day"),
    )
    place_name = models.CharField(_("place"), max_length=200, blank=True)
    place_country = models.CharField(
        _("place country"), max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2 code.")
    )
    parent = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
        help_text=_("The larger event this one happened within (a signing inside talks)."),
    )
    description = models.TextField(_("description"), blank=True)
    participants = models.ManyToManyField(
        Actor, through="Participation", related_name="events", verbose_name=_("participants")
    )
    articles = models.ManyToManyField(
        Article, blank=True, related_name="events", verbose_name=_("reported in")
    )
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="french")
        + SearchVector("place_name", "description", weight="B", config="french"),
        output_field=SearchVectorField(),
        db_persist=True,
        editable=False,
    )

    objects = EventManager()

    class Meta:
        ordering = [newest_first("start_date"), "slug"]  # undated last; event_date_slug
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            GinIndex(fields=["search_vector"], name="event_search"),
            models.Index(fields=["start_date", "period_end"], name="event_period"),
            # The API's default order, so that keyset pages read the index at any depth.
            models.Index(newest_first("start_date"), F("slug"), name="event_date_slug"),
            models.Index(fields=["place_name"], name="event_place"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="event_end_not_before_start",
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="event_not_own_parent"),
        ]
        triggers = [*stamp_triggers("event"), generation_trigger("event")]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class ParticipationManager(models.Manager):
    def get_by_natural_key(self, event: str, actor: str, role: str) -> "Participation":
        return self.get(event__slug=event, actor__slug=actor, role=role)


@tracked("ParticipationHistory")
class Participation(models.Model):
    """An actor's part in an event, with its role."""

    class Role(models.TextChoices):
        PARTY = "party", _("party")
        MEDIATOR = "mediator", _("mediator")
        HOST = "host", _("host")
        SIGNATORY = "signatory", _("signatory")
        ATTACKER = "attacker", _("attacker")
        TARGET = "target", _("target")
        GUEST = "guest", _("guest")
        VISITOR = "visitor", _("visitor")
        ORGANISER = "organiser", _("organiser")
        OBSERVER = "observer", _("observer")

    event = models.ForeignKey(
        Event, models.CASCADE, related_name="participations", verbose_name=_("event")
    )
    actor = models.ForeignKey(
        Actor, models.PROTECT, related_name="participations", verbose_name=_("actor")
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, db_index=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ParticipationManager()

    class Meta:
        ordering = ["event", "role", "actor"]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        triggers = [generation_trigger("participation")]
        constraints = [
            models.UniqueConstraint("event", "actor", "role", name="participation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} ({self.get_role_display()}) @ {self.event}"

    def natural_key(self) -> tuple[str, str, str]:
        return (self.event.slug, self.actor.slug, self.role)

    natural_key.dependencies = ["desk.event", "desk.actor"]
