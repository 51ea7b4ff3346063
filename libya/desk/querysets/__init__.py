"""Read vocabulary: what views, filters, the admin and commands ask of many rows."""

import json
import re
from datetime import date

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import models
from django.db.models import Count, Exists, F, Max, Min, OrderBy, OuterRef, Q, Value, Window
from django.db.models.functions import Cast, Greatest, Trunc

from libya.desk.querysets import rows

# Full-text ranking reads every matching row's tsvector; a word found in most
# articles would make a ranked search scan the whole table. Only this many of
# the newest matches are ranked (found through the GIN index, ordered by the
# date index), which bounds the cost whatever the term.
SEARCH_CANDIDATES = 1000
# Annotation holding the size of the whole result, counted in the page's own query
# (see ``counted_in_place``); the API's pagination reads it instead of counting again.
EXACT_TOTAL = "_exact_total"


def counted_in_place(queryset: models.QuerySet) -> models.QuerySet:
    """Add ``count(*) OVER ()``: free when every row is computed anyway to be sorted.

    A search ordered by a computed score (a rank, a similarity) must score every
    match before its LIMIT; counting those rows in the same pass saves running
    the search a second time for the count.
    """
    return queryset.annotate(**{EXACT_TOTAL: Window(Count("*"))})


def french_query(term: str) -> SearchQuery:
    """A web-style French query: stemmed words, "quoted phrases", -exclusions, OR."""
    return SearchQuery(term, search_type="websearch", config="french")


def _fold(term: str) -> models.Func:
    return models.Func(Value(term), function="desk_fold", output_field=models.TextField())


def _trgm(function: str, *args) -> models.Func:
    return models.Func(*args, function=function, output_field=models.FloatField())


class ActorQuerySet(models.QuerySet):
    def search(self, term: str) -> "ActorQuerySet":
        """Actors whose name or any alias matches, accent-insensitively and fuzzily; best first.

        An alias matches when it contains the folded term, or when some stretch
        of it is trigram-similar to the term (``<%``, word similarity at least
        0.5: see the connection options in settings) and to each of the term's
        words that is not a name particle ("ben", "al-"...). All of it is served
        by the trigram GIN index on ``Alias.folded``. Thousands of names share a
        particle, and in "ben Bela" it is half the trigrams: alone, the term
        would match every "ben ..." alias. Whole-string similarity (``%``,
        threshold 0.3) is not a match condition for the same reason. The score
        puts exact and prefix matches above fuzzy ones.
        """
        from libya.desk.models import Alias

        if not any(char.isalnum() for char in term):
            # Folds to "", which every alias contains.
            return self.none().annotate(search_score=Value(0.0))
        folded = _fold(term)
        similar = Q(folded__trigram_word_similar=folded)
        for word in _distinctive_words(term):
            similar &= Q(folded__trigram_word_similar=_fold(word))
        matching = Alias.objects.filter(Q(folded__contains=folded) | similar)
        best = (
            Alias.objects.filter(actor=OuterRef("pk"))
            .annotate(score=_alias_score(folded))
            .order_by("-score")
            .values("score")[:1]
        )
        scored = self.filter(pk__in=matching.values("actor_id")).annotate(
            search_score=Cast(Greatest(models.Subquery(best), Value(0.0)), models.FloatField())
        )
        return counted_in_place(scored).order_by("-search_score", "name", "slug")

    def for_api(self) -> "ActorQuerySet":
        """List rows as dicts (see ``rows``): plain columns."""
        return rows.of(self, rows.ACTOR, rows.Rows)

    def for_api_detail(self) -> "ActorQuerySet":
        """One actor with aliases, affiliations, owner and counts, in one query."""
        parts = _actor_counts() | rows.actor_detail_parts()
        return rows.of(self, rows.ACTOR_DETAIL, rows.DetailRows, **parts)


# Words that begin Arabic and French names by the thousand: no evidence of which name.
NAME_PARTICLES = {"al", "el", "ben", "bin", "ibn", "abu", "abou", "abd", "de", "du", "la", "le"}


def _distinctive_words(term: str) -> list[str]:
    """The term's words minus name particles (all of them if it has nothing else)."""
    words = re.findall(r"\w+", term.casefold())
    distinctive = [word for word in words if word not in NAME_PARTICLES]
    return distinctive or words


def _alias_score(folded: models.Func) -> models.Expression:
    exact = models.Case(
        models.When(folded=folded, then=Value(2.0)),
        models.When(folded__startswith=folded, then=Value(1.0)),
        default=Value(0.0),
    )
    return exact + Greatest(
        _trgm("similarity", F("folded"), folded), _trgm("word_similarity", folded, F("folded"))
    )


def _actor_counts() -> dict[str, models.Expression]:
    """One correlated count each, so the joins do not multiply one another."""
    from libya.desk.models import Article, Claim, Participation

    def count(qs: models.QuerySet, column: str) -> models.Subquery:
        rows = qs.order_by().values(column).annotate(n=Count("pk")).values("n")
        return models.functions.Coalesce(models.Subquery(rows), 0)

    return {
        "event_count": count(
            Participation.objects.filter(actor=OuterRef("pk")).values("actor"), "actor"
        ),
        "claims_spoken_count": count(
            Claim.objects.published().filter(speaker=OuterRef("pk")), "speaker"
        ),
        "claims_about_count": count(
            Claim.subjects.through.objects.filter(
                actor=OuterRef("pk"), claim__status__in=_shown_statuses()
            ),
            "actor",
        ),
        "articles_mentioning_count": count(
            Article.mentioned_actors.through.objects.filter(actor=OuterRef("pk")), "actor"
        ),
    }


def _shown_statuses() -> list[str]:
    from libya.desk.models import Claim

    return [s for s in Claim.Status.values if s != Claim.Status.RETRACTED]


class ArticleQuerySet(models.QuerySet):
    def search(self, term: str) -> "ArticleQuerySet":
        """Articles matching a French full-text query (stemmed), title weighted above body.

        Annotates ``search_rank`` (title words weigh more: the vector gives the
        title weight A and the body weight B) and ``snippet``, the best passage
        with matches in ``<mark>``; PostgreSQL computes the snippet only for the
        rows of the page.
        """
        query = french_query(term)
        return self.filter(search_vector=query).annotate(
            # ts_rank() is a float4, which psycopg rounds when reading it; as a float8 the
            # value read back is exact, so a keyset cursor can compare against it.
            search_rank=Cast(
                SearchRank(F("search_vector"), query, normalization=Value(1)), models.FloatField()
            ),
            snippet=SearchHeadline(
                "body",
                query,
                config="french",
                start_sel="<mark>",
                stop_sel="</mark>",
                max_words=35,
                min_words=15,
                max_fragments=2,
            ),
        )

    def ranked_search(self, term: str) -> "ArticleQuerySet":
        """``search`` ordered by relevance, over the newest SEARCH_CANDIDATES matches only.

        The newest matches can be found two ways. Walking the date index and
        testing each article reads about SEARCH_CANDIDATES / share articles: cheap
        for a common term, ruinous for one in 5 % of them. Collecting every match
        through the GIN index and sorting them by date reads share x table
        articles: the reverse. PostgreSQL's planner does not cost reading each
        article's vector, and walks the index for terms far too rare for it, so
        the choice is made here from the planner's own row estimates (one EXPLAIN).
        """
        matches = self.model.objects.filter(search_vector=french_query(term))
        if _walking_reads_less(matches):
            newest = matches.order_by("-published_on", "slug")  # the article_date_slug order
        else:
            # An expression the date index cannot serve: every match is collected, then sorted.
            unindexed = models.ExpressionWrapper(
                F("published_on") + 0, output_field=models.DateField()
            )
            newest = matches.order_by(OrderBy(unindexed, descending=True), "slug")
        candidates = self.filter(pk__in=newest.values("pk")[:SEARCH_CANDIDATES])
        return counted_in_place(candidates.search(term))

    def published_between(self, start: date | None, end: date | None) -> "ArticleQuerySet":
        """Articles whose publication period overlaps [start, end] (month precision included)."""
        qs = self
        if start:
            qs = qs.filter(published_until__gte=start)
        if end:
            qs = qs.filter(published_on__lte=end)
        return qs

    def for_api(self) -> "ArticleQuerySet":
        """List rows: publisher and agency joined; the body stays in the table."""
        return rows.of(self, rows.ARTICLE, rows.Rows)

    def for_api_detail(self) -> "ArticleQuerySet":
        """One article with its body, mentioned actors, events and shown claims, in one query."""
        parts = rows.article_detail_parts()
        return rows.of(self, rows.ARTICLE_DETAIL, rows.DetailRows, **parts)


def _walking_reads_less(matches: models.QuerySet) -> bool:
    """Whether SEARCH_CANDIDATES x table / matches (walk) < matches (collect all), as estimated."""
    found, table = _estimated_rows(matches), _estimated_rows(matches.model.objects.all())
    return found * found > SEARCH_CANDIDATES * max(table, 1)


def _estimated_rows(queryset: models.QuerySet) -> float:
    """The planner's estimate of the rows `queryset` returns (statistics only, nothing run)."""
    plan = json.loads(queryset.values("pk").explain(format="json"))
    return plan[0]["Plan"]["Plan Rows"]


class EventQuerySet(models.QuerySet):
    def between(self, start: date | None, end: date | None) -> "EventQuerySet":
        """Events whose span overlaps [start, end]; either bound may be open."""
        qs = self
        if start:
            qs = qs.filter(period_end__gte=start)
        if end:
            qs = qs.filter(start_date__lte=end)
        return qs

    def search(self, term: str) -> "EventQuerySet":
        """Events matching a French full-text query over title, place and description."""
        return self.filter(search_vector=french_query(term))

    def for_api(self) -> "EventQuerySet":
        """List rows: parent joined; participants with their roles in one more query."""
        return rows.of(self, rows.EVENT, rows.EventRows)

    def for_api_detail(self) -> "EventQuerySet":
        """One event with participants, articles, shown claims and sub-events, in one query."""
        parts = rows.event_detail_parts()
        return rows.of(self, rows.EVENT_DETAIL, rows.DetailRows, **parts)


class ClaimQuerySet(models.QuerySet):
    def published(self) -> "ClaimQuerySet":
        """Claims shown by default: everything but retracted ones."""
        from libya.desk.models import Claim

        return self.exclude(status=Claim.Status.RETRACTED)

    def search(self, term: str) -> "ClaimQuerySet":
        """Claims matching a French full-text query over their text."""
        return self.filter(search_vector=french_query(term))

    def said_between(self, start: date | None, end: date | None) -> "ClaimQuerySet":
        """Claims made within [start, end]; either bound may be open."""
        qs = self
        if start:
            qs = qs.filter(said_on__gte=start)
        if end:
            qs = qs.filter(said_on__lte=end)
        return qs

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

    def for_api(self) -> "ClaimQuerySet":
        """List rows: speaker, article (never its body) and event joined; subjects in one more."""
        return rows.of(self, rows.CLAIM, rows.ClaimRows)

    def for_api_detail(self) -> "ClaimQuerySet":
        """One claim with its article body (for the passage) and its links to other claims."""
        parts = rows.claim_detail_parts()
        return rows.of(self, rows.CLAIM_DETAIL, rows.DetailRows, **parts)


def actor_timeline(actor_id: int, start: date | None, end: date | None) -> models.QuerySet:
    """An actor's events and shown claims as one union of typed rows, newest first.

    Rows are dicts with ``type`` (event or claim), ``key`` (event slug or claim
    id), ``date``, ``date_precision``, ``title`` and ``role`` (the part taken in
    the event, or ``speaker``/``subject``).
    """
    from libya.desk.models import Claim, Participation

    events = Participation.objects.filter(actor_id=actor_id)
    if start:
        events = events.filter(event__period_end__gte=start)
    if end:
        events = events.filter(event__start_date__lte=end)
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
    about = claims.filter(Exists(_subject_rows(actor_id))).values(**_claim_item(Value("subject")))
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


def _subject_rows(actor_id: int) -> models.QuerySet:
    from libya.desk.models import Claim

    return Claim.subjects.through.objects.filter(claim=OuterRef("pk"), actor_id=actor_id)


__all__ = [
    "EXACT_TOTAL",
    "ActorQuerySet",
    "ArticleQuerySet",
    "ClaimQuerySet",
    "EventQuerySet",
    "actor_timeline",
]
