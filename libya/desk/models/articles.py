"""Articles: one published text, its provenance and its searchable body."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from libya.desk.models.actors import Actor
from libya.desk.models.common import (
    Curated,
    DatePrecision,
    PeriodEnd,
    generation_trigger,
    stamp_triggers,
    tracked,
)
from libya.desk.querysets import ArticleQuerySet


class ArticleManager(models.Manager.from_queryset(ArticleQuerySet)):
    def get_by_natural_key(self, source: str) -> "Article":
        return self.get(source=source)


@tracked("ArticleHistory", exclude=["search_vector"])
class Article(Curated):
    """One published text, cleaned of site boilerplate, with where it came from."""

    title = models.CharField(_("title"), max_length=500)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    publisher = models.ForeignKey(
        Actor,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="articles_published",
        limit_choices_to={"kind": Actor.Kind.MEDIA},
        verbose_name=_("publisher"),
        help_text=_("Empty when the source document does not identify its outlet."),
    )
    agency = models.ForeignKey(
        Actor,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="articles_credited",
        limit_choices_to={"kind": Actor.Kind.MEDIA},
        verbose_name=_("credited agency"),
        help_text=_("The news agency the article credits (Reuters, TASS...), if any."),
    )
    language = models.CharField(_("language"), max_length=8, default="fr", db_index=True)
    published_on = models.DateField(
        _("publication date"),
        null=True,
        blank=True,
        help_text=_("First day of the period when the precision is a month or a year."),
    )
    published_precision = models.CharField(
        _("date precision"),
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    published_until = models.GeneratedField(
        expression=PeriodEnd("published_on", "published_precision"),
        output_field=models.DateField(),
        db_persist=True,
        verbose_name=_("last possible publication date"),
    )
    body = models.TextField(_("body"), help_text=_("Cleaned text; claim spans index into it."))
    source = models.CharField(
        _("source document"),
        max_length=255,
        unique=True,
        help_text=_("File name under sources/ that the article was imported from."),
    )
    content_hash = models.CharField(
        _("content hash"), max_length=64, help_text=_("SHA-256 of the source document.")
    )
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    mentioned_actors = models.ManyToManyField(
        Actor,
        blank=True,
        related_name="mentioned_in",
        verbose_name=_("mentioned actors"),
        help_text=_("Detected from aliases at import; editors may correct it."),
    )
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="french")
        + SearchVector("body", weight="B", config="french"),
        output_field=SearchVectorField(),
        db_persist=True,
        editable=False,
    )

    objects = ArticleManager()

    class Meta:
        ordering = ["-published_on", "slug"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            GinIndex(fields=["search_vector"], name="article_search"),
            models.Index(fields=["publisher", "-published_on"], name="article_publisher_date"),
            models.Index(fields=["-published_on", "slug"], name="article_date_slug"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(published_on__isnull=False)
                | models.Q(published_precision=DatePrecision.UNKNOWN),
                name="article_date_given_unless_unknown",
            ),
        ]
        triggers = [*stamp_triggers("article"), generation_trigger("article")]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str]:
        return (self.source,)

    natural_key.dependencies = ["desk.actor"]
