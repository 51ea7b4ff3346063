"""Pieces shared by every curated model: dates with precision, sync stamps, deletions."""

import pghistory
import pgtrigger
from django.db import models
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


def stamp_triggers(name: str) -> list[pgtrigger.Trigger]:
    """Keep ``updated_at`` and ``version`` right on every write path, bulk updates included."""
    return [
        pgtrigger.Trigger(
            name=f"{name}_stamp",
            when=pgtrigger.Before,
            operation=pgtrigger.Update,
            func="NEW.updated_at = clock_timestamp(); NEW.version = OLD.version + 1; RETURN NEW;",
        ),
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


def tracked(model_name: str, **options):
    """Trigger-based history (django-pghistory): every insert, update and delete, by any path.

    Triggers also catch ``QuerySet.update()``, bulk writes and fixture loads,
    which signal-based history packages miss.
    """
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        model_name=model_name,
        obj_field=pghistory.ObjForeignKey(related_name="history", db_constraint=False),
        **options,
    )
