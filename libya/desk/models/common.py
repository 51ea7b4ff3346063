"""Pieces shared by every curated model: dates with precision, sync stamps, deletions."""

import json
from datetime import date

import pghistory
import pgtrigger
from django.contrib.postgres.search import SearchQuery
from django.db import models
from django.db.models import Count, F, Q, Value, Window
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _


class DatePrecision(models.TextChoices):
    """How much of a stored date the source actually gave.

    A month-precision date is stored as the first of that month: ``2020-06``
    is June 2020, not the 1st of June.
    """

    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")
    UNKNOWN = "unknown", _("unknown")


class FoldedText(models.Func):
    """Lower-case, accent-free form of a text (SQL ``desk_fold``, see migration 0001).

    Folding happens in SQL so that stored columns and query terms go through
    exactly the same function; the embedded server has no ``unaccent``.
    """

    function = "desk_fold"
    output_field = models.TextField()


class PeriodEnd(models.Func):
    """Last day of the period that a date with precision stands for (SQL ``desk_period_end``)."""

    function = "desk_period_end"
    output_field = models.DateField()


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


def overlapping(start: date | None, end: date | None, *, begins: str, ends: str) -> Q:
    """Rows whose span [`begins`, `ends`] overlaps [start, end]; either bound may be open.

    A dated point (a claim's ``said_on``) is a span whose two ends are one column.
    """
    window = Q()
    if start:
        window &= Q(**{f"{ends}__gte": start})
    if end:
        window &= Q(**{f"{begins}__lte": end})
    return window


# Undated rows sort last in either direction: a date ordering sorts on the date with
# NULL replaced by the earliest date (newest first) or the latest (oldest first). As an
# expression that is never NULL, it gives keyset cursors plain ranges, and indexes on
# the same expression serve it (PostgreSQL would put NULLs first in descending order).
UNDATED_NEWEST_FIRST = date.min
UNDATED_OLDEST_FIRST = date.max


def undated_last(field: str, descending: bool) -> Coalesce:
    """The date ordering key of `field` in which undated rows come last."""
    sentinel = UNDATED_NEWEST_FIRST if descending else UNDATED_OLDEST_FIRST
    return Coalesce(F(field), Value(sentinel), output_field=models.DateField())


def newest_first(field: str) -> models.OrderBy:
    return undated_last(field, descending=True).desc()


def estimated_rows(queryset: models.QuerySet) -> int:
    """The planner's estimate of the rows `queryset` returns (statistics only, nothing run)."""
    return plan_rows(queryset.order_by().explain(format="json"))


def plan_rows(explained: str) -> int:
    """The rows estimated by an ``EXPLAIN (FORMAT JSON)`` plan, as ``QuerySet.explain`` gives it."""
    return int(json.loads(explained)[0]["Plan"]["Plan Rows"])


def stamp_triggers(name: str) -> list[pgtrigger.Trigger]:
    """Keep ``updated_at`` and ``version`` right on every write path, bulk updates included,
    and log deletions for API mirrors."""
    return [
        version_trigger(name),
        pgtrigger.Trigger(
            name=f"{name}_deletion",
            when=pgtrigger.After,
            operation=pgtrigger.Delete,
            func=(
                "INSERT INTO desk_deletion (resource, key, deleted_at) "
                f"VALUES ('{name}', {_deletion_key(name)}, clock_timestamp()); RETURN OLD;"
            ),
        ),
    ]


def version_trigger(name: str) -> pgtrigger.Trigger:
    """Raise ``version`` and stamp ``updated_at`` on every update, by any write path."""
    return pgtrigger.Trigger(
        name=f"{name}_stamp",
        when=pgtrigger.Before,
        operation=pgtrigger.Update,
        func="NEW.updated_at = clock_timestamp(); NEW.version = OLD.version + 1; RETURN NEW;",
    )


# Run before the statement touches any row, so that a transaction takes the generation's
# row lock before the rows' own locks: two writers then queue on it instead of deadlocking.
# `pg_trigger_depth() < 1` skips writes made by other triggers (a deletion logged by a
# delete, for instance): the statement that caused them has already moved the generation.
BUMP_SQL = (
    "UPDATE desk_generation SET number = number + 1, token = gen_random_uuid() WHERE id = 1; "
    "RETURN NULL;"
)


def generation_trigger(name: str) -> pgtrigger.Trigger:
    """One bump per statement on the table, whatever the number of rows it writes."""
    return pgtrigger.Trigger(
        name=f"{name}_generation",
        level=pgtrigger.Statement,
        when=pgtrigger.Before,
        operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete | pgtrigger.Truncate,
        condition=pgtrigger.Condition("pg_trigger_depth() < 1"),
        func=BUMP_SQL,
    )


def _deletion_key(name: str) -> str:
    return "OLD.id::text" if name == "claim" else "OLD.slug"


class Curated(models.Model):
    """Abstract base: sync timestamps and an optimistic-locking version."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        editable=False,
        help_text=_("Raised by the database on every update; used to refuse lost updates."),
    )

    class Meta:
        abstract = True


class Deletion(models.Model):
    """A record removed or merged away, so that API mirrors can drop it."""

    class Resource(models.TextChoices):
        ACTOR = "actor", _("actor")
        ARTICLE = "article", _("article")
        EVENT = "event", _("event")
        CLAIM = "claim", _("claim")

    resource = models.CharField(_("resource"), max_length=10, choices=Resource.choices)
    key = models.CharField(_("slug or id"), max_length=255)
    deleted_at = models.DateTimeField(_("deleted at"), db_index=True)
    merged_into = models.CharField(_("merged into"), max_length=255, blank=True, db_default="")

    class Meta:
        ordering = ["deleted_at", "id"]
        verbose_name = _("deletion")
        verbose_name_plural = _("deletions")
        triggers = [generation_trigger("deletion")]

    def __str__(self) -> str:
        return f"{self.resource} {self.key} @ {self.deleted_at:%Y-%m-%d %H:%M}"


def tracked(model_name: str, *trackers: pghistory.Tracker, **options):
    """Trigger-based history (django-pghistory): every insert, update and delete, by any path.

    Triggers also catch ``QuerySet.update()``, bulk writes and fixture loads,
    which signal-based history packages miss. Further `trackers` (manual events such
    as an actor's merge) are written by the code that performs them.
    """
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        *trackers,
        model_name=model_name,
        obj_field=pghistory.ObjForeignKey(related_name="history", db_constraint=False),
        **options,
    )
