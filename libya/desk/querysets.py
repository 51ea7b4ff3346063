"""Read vocabulary: what views, filters, the admin and commands ask of many rows."""

from datetime import date

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Greatest


def french_query(term: str) -> SearchQuery:
    """A web-style French query: stemmed words, "quoted phrases", -exclusions, OR."""
    return SearchQuery(term, search_type="websearch", config="french")


class ActorQuerySet(models.QuerySet):
    def search(self, term: str) -> "ActorQuerySet":
        """Actors whose name or any alias matches, accent-insensitively and fuzzily; best first."""
        from libya.desk.models import Alias

        folded = models.Func(Value(term), function="desk_fold", output_field=models.TextField())
        alias_score = (
            Alias.objects.filter(actor=OuterRef("pk"))
            .annotate(score=_similarity(F("folded"), folded))
            .order_by("-score")
            .values("score")[:1]
        )
        matching_alias = Alias.objects.filter(actor=OuterRef("pk")).filter(
            Q(folded__contains=folded)
            | Q(folded__trigram_similar=folded)
            | Q(folded__trigram_word_similar=folded)
        )
        return (
            self.filter(Exists(matching_alias))
            .annotate(search_score=Greatest(models.Subquery(alias_score), Value(0.0)))
            .order_by("-search_score", "name", "slug")
        )


def _similarity(left, right) -> models.Func:
    return models.Func(left, right, function="word_similarity", output_field=models.FloatField())


class ArticleQuerySet(models.QuerySet):
    def search(self, term: str) -> "ArticleQuerySet":
        """Articles matching a French full-text query (stemmed), title weighted above body."""
        query = french_query(term)
        return self.filter(search_vector=query).annotate(
            search_rank=SearchRank(F("search_vector"), query)
        )

    def published_between(self, start: date | None, end: date | None) -> "ArticleQuerySet":
        """Articles whose publication period overlaps [start, end] (month-precision dates included)."""
        qs = self
        if start:
            qs = qs.filter(published_until__gte=start)
        if end:
            qs = qs.filter(published_on__lte=end)
        return qs


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


class ClaimQuerySet(models.QuerySet):
    def published(self) -> "ClaimQuerySet":
        """Claims shown by default: everything but retracted ones."""
        from libya.desk.models import Claim

        return self.exclude(status=Claim.Status.RETRACTED)

    def search(self, term: str) -> "ClaimQuerySet":
        """Claims matching a French full-text query over their text."""
        return self.filter(search_vector=french_query(term))

    def said_between(self, start: date | None, end: date | None) -> "ClaimQuerySet":
        qs = self
        if start:
            qs = qs.filter(said_on__gte=start)
        if end:
            qs = qs.filter(said_on__lte=end)
        return qs


__all__ = ["ActorQuerySet", "ArticleQuerySet", "ClaimQuerySet", "EventQuerySet"]
