"""Counts of a list: exact up to a limit, the planner's estimate beyond, in the page's query.

Counting a million claims reads them all. The count is exact up to ``LIMIT`` rows and
the planner's estimate beyond (flagged as such); on the first page it rides along as a
column of the page's own query, which saves a round trip.
"""

from collections.abc import Callable

from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models.expressions import RawSQL

from libya.desk.models.common import EXACT_TOTAL, estimated_rows

LIMIT = 10_000
# A list the planner expects to hold more rows than this is not counted at all: counting
# would stop at LIMIT and report the estimate anyway (see ``settled_count`` in views.py).
SETTLED_ABOVE = 2 * LIMIT
# Annotation carrying the capped count on every row of a first page.
BOUNDED_TOTAL = "_bounded_total"


def count(queryset: models.QuerySet) -> tuple[int, bool]:
    """(count, is_estimate) in its own query."""
    if queryset.query.combinator:
        return queryset.count(), False
    return _estimated(lambda: queryset, _bounded(queryset).count())


def _bounded(queryset: models.QuerySet) -> models.QuerySet:
    return queryset.order_by().values("pk")[: LIMIT + 1]


def _estimated(
    unpaged: Callable[[], models.QuerySet], exact: int, estimate: Callable[[], int] | None = None
) -> tuple[int, bool]:
    if exact <= LIMIT:
        return exact, False
    return max(estimate() if estimate else estimated_rows(unpaged()), exact), True


def with_total(queryset: models.QuerySet) -> models.QuerySet:
    """The queryset with the capped count as a constant column, saving a round trip."""
    if queryset.query.combinator or EXACT_TOTAL in queryset.query.annotations:
        return queryset
    try:
        sql, params = _bounded(queryset).query.sql_with_params()
    except EmptyResultSet:
        return queryset
    # Django has no expression for a scalar subquery over a sliced queryset's count.
    total = RawSQL(f"SELECT COUNT(*) FROM ({sql}) AS bounded", params)
    return queryset.annotate(**{BOUNDED_TOTAL: total})


def of_page(
    unpaged: Callable[[], models.QuerySet],
    rows: list[dict],
    start: int,
    estimate: Callable[[], int] | None = None,
) -> tuple[int, bool]:
    """The count carried by a page's rows (taken out of them), or counted apart.

    `unpaged()` gives the list's queryset, built only when the rows carry no exact count;
    `estimate()`, if given, is the planner's estimate of it (else ``estimated_rows``).
    """
    exact = [row.pop(EXACT_TOTAL, None) for row in rows]
    bounded = [row.pop(BOUNDED_TOTAL, None) for row in rows]
    if exact and exact[0] is not None:
        return exact[0], False
    if bounded and bounded[0] is not None:
        return _estimated(unpaged, bounded[0], estimate)
    if not rows and start == 0:
        return 0, False
    # A page past the end (or a union) carries no count.
    return count(unpaged())
