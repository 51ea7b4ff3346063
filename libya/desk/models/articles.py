"""Articles: one published text, its provenance and its searchable body."""

import hashlib
import logging
from datetime import date

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.core.cache import cache
from django.db import models
from django.db.models import F, Func, OrderBy, Q, Value
from django.db.models.functions import Cast
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError

from libya.desk.models.actors import Actor
from libya.desk.models.common import (
    Curated,
    DatePrecision,
    PeriodEnd,
    counted_in_place,
    estimated_rows,
    french_query,
    generation_trigger,
    newest_first,
    overlapping,
    stamp_triggers,
    tracked,
    undated_last,
)

# Full-text ranking reads every matching row's tsvector; a word found in most
# articles would make a ranked search scan the whole table. Only this many of
# the newest matches are ranked (found through the GIN index, ordered by the
# date index), which bounds the cost whatever the term.
SEARCH_CANDIDATES = 1000
# The longest publication period, a year given to the year (desk_period_end).
LONGEST_PERIOD_DAYS = 366
# How long the planner's estimate of a term's matches is reused: it moves with ANALYZE,
# not with each write, and asking costs an EXPLAIN (0.5 to 1 ms).
TERM_ESTIMATE_SECONDS = 60

logger = logging.getLogger(__name__)


class ArticleQuerySet(models.QuerySet):
    def search(self, term: str) -> "ArticleQuerySet":
        """Articles matching a French full-text query (stemmed), title weighted above body.

        Annotates ``search_rank`` (title words weigh more: the vector gives the
        title weight A and the body weight B).
        """
        query = french_query(term)
        return self.filter(search_vector=query).annotate(
            # ts_rank() is a float4, which psycopg rounds when reading it; as a float8 the
            # value read back is exact, so a keyset cursor can compare against it.
            search_rank=Cast(
                SearchRank(F("search_vector"), query, normalization=Value(1)), models.FloatField()
            ),
        )

    def with_snippets(self, term: str) -> "ArticleQuerySet":
        """Annotates ``snippet``: the passages of the body that best match `term`, in <mark>.

        ts_headline re-parses the whole body (about 0.3 ms an article, more than the
        rest of a rare term's search), so it is asked for, not built by default.
        PostgreSQL evaluates it after the LIMIT: for the page's rows only.
        """
        return self.annotate(
            snippet=SearchHeadline(
                "body",
                french_query(term),
                config="french",
                start_sel="<mark>",
                stop_sel="</mark>",
                max_words=35,
                min_words=15,
                max_fragments=2,
            )
        )

    def ranked_search(self, term: str, walk: bool | None = None) -> "ArticleQuerySet":
        """``search`` ordered by relevance, over the newest SEARCH_CANDIDATES matches only.

        The newest matches can be found two ways. Walking the date index and
        testing each article reads about SEARCH_CANDIDATES / share articles: cheap
        for a common term, ruinous for one in 5 % of them. Collecting every match
        through the GIN index and sorting them by date reads share x table
        articles: the reverse. PostgreSQL's planner does not cost reading each
        article's vector, and walks the index for terms far too rare for it, so
        the choice is made here from the planner's own row estimates (one EXPLAIN),
        unless `walk` gives it (``walks_to_candidates``, asked before).
        """
        if walk is None:
            walk = self.walks_to_candidates(term)
        order = newest_first("published_on")  # the article_date_slug order
        if not walk:
            # An expression the date index cannot serve: every match is collected, then sorted.
            unindexed = models.ExpressionWrapper(
                undated_last("published_on", descending=True) + 0,
                output_field=models.DateField(),
            )
            order = OrderBy(unindexed, descending=True)
        matches = self.model.objects.filter(search_vector=french_query(term))
        newest = matches.order_by(order, "slug")
        candidates = self.filter(pk__in=newest.values("pk")[:SEARCH_CANDIDATES])
        return counted_in_place(candidates.search(term))

    def estimated_matches(self, term: str) -> int:
        """The planner's estimate of the articles matching `term`, reused for a while
        (TERM_ESTIMATE_SECONDS) from the default cache."""
        key = "desk:article-matches:" + hashlib.sha256(term.encode()).hexdigest()

        def explained() -> int:
            return estimated_rows(self.model.objects.filter(search_vector=french_query(term)))

        try:
            return cache.get_or_set(key, explained, TERM_ESTIMATE_SECONDS)
        except RedisError as exc:
            logger.warning("Term estimate not cached: the cache is unavailable: %s", exc)
            return explained()

    def walks_to_candidates(self, term: str) -> bool:
        """Whether ``ranked_search(term)`` walks the date index to find its candidates."""
        return _walking_reads_less(self.model.objects.filter(search_vector=french_query(term)))

    def published_between(self, start: date | None, end: date | None) -> "ArticleQuerySet":
        """Articles whose publication period overlaps [start, end] (month precision included).

        The window is said a second time on the undated-last date key that the date
        indexes hold (``article_publisher_date``, ``article_date_slug``), so that one
        publisher's articles in a window are one index range, not a test of each of its
        articles: a period lasts at most a year, so one that ends on or after `start`
        began at most ``LONGEST_PERIOD_DAYS`` before it. (`start` stays the bound value
        and the days are subtracted in SQL: a compiled list binds `start` alone.)
        """
        window = overlapping(start, end, begins="published_on", ends="published_until")
        key = undated_last("published_on", descending=True)
        if start:
            earliest = Func(
                Value(start, models.DateField()),
                Value(LONGEST_PERIOD_DAYS),
                template="(%(expressions)s)",
                arg_joiner=" - ",
                output_field=models.DateField(),
            )
            window &= Q(GreaterThanOrEqual(key, earliest))
        if end:
            window &= Q(LessThanOrEqual(key, Value(end, models.DateField())))
        return self.filter(window)


def _walking_reads_less(matches: models.QuerySet) -> bool:
    """Whether SEARCH_CANDIDATES x table / matches (walk) < matches (collect all), as estimated."""
    found, table = estimated_rows(matches.values("pk")), estimated_rows(matches.model.objects)
    return found * found > SEARCH_CANDIDATES * max(table, 1)


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
        # article_publisher_date (Meta.indexes) leads with the publisher and serves the
        # key as well; a second index would only cost every insert.
        db_index=False,
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
        # Undated last, and the article_date_slug index's own key: the claims' changelist,
        # ordered by article, then walks that index instead of sorting every claim.
        ordering = [newest_first("published_on"), "slug"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            GinIndex(fields=["search_vector"], name="article_search"),
            # The list's own order within a publisher, and what its date window tests
            # besides the key: a publisher's count (``counting``) is then an index-only
            # scan, not a heap visit per article in the window (4.4 against 0.75 ms for
            # the 2,285 articles of one publisher's 18 months on tier M).
            models.Index(
                F("publisher"),
                newest_first("published_on"),
                F("slug"),
                name="article_publisher_date",
                include=["published_on", "published_until"],
            ),
            models.Index(newest_first("published_on"), F("slug"), name="article_date_slug"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(published_on__isnull=False)
                | models.Q(published_precision=DatePrecision.UNKNOWN),
                name="article_date_given_unless_unknown",
                violation_error_message=_(
                    "Give the publication date, or set its precision to “unknown” if the "
                    "article does not say when it was published."
                ),
            ),
        ]
        triggers = [*stamp_triggers("article"), generation_trigger("article")]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str]:
        return (self.source,)

    natural_key.dependencies = ["desk.actor"]
