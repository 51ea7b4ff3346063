"""Counts of a list: exact up to a limit, the planner's estimate beyond, in the page's query.

Counting a million claims reads them all. The count is exact up to ``LIMIT`` rows and
the planner's estimate beyond (flagged as such); on the first page it rides along as a
column of the page's own query, which saves a round trip.
"""

from collections.abc import Callable

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import models
from django.db.models.expressions import Col, RawSQL
from django.db.models.lookups import IsNull, Lookup
from django.db.models.sql import Query
from django.db.models.sql.constants import LOUTER
from django.db.models.sql.datastructures import Join
from django.db.models.sql.where import AND, WhereNode

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
    bounded = queryset.order_by().values("pk")[: LIMIT + 1]
    _drop_joins_of_the_columns(bounded.query, bounded.db)
    return bounded


def _drop_joins_of_the_columns(query: Query, using: str) -> None:
    """Leave out of a count the joins that only fetched the page's related columns.

    A claims page selects its article's slug and title through an INNER JOIN (the key
    is NOT NULL), and the count inherits the join. PostgreSQL drops an unused LEFT JOIN
    to a unique key by itself, but never an INNER one: counting 10,001 claims read their
    10,001 articles too, 2 to 3 of the 4 ms of the newest claims' count on tier S.

    A join is left out only if nothing the count filters on reads it or a table joined
    through it, and only if it matches exactly one row (a forward foreign key with its
    constraint, non-null or compared by a filter, which rejects a null key) or at most
    one and is LEFT: the count is then the same. Joins Django added for the columns keep
    a reference count; at zero they are not compiled. Anything else (a reverse or
    many-to-many join, DISTINCT, grouping) is left as it is.
    """
    if query.distinct or query.combinator or query.group_by is not None:
        return
    try:
        filters, _ = query.get_compiler(using).compile(query.where)
    except FullResultSet:
        filters = ""
    except EmptyResultSet:
        return
    # By name in the compiled text: conservative, as a subquery naming the same table
    # keeps the join too.
    kept = {alias for alias in query.alias_map if alias in filters}
    for alias in list(kept):
        while (parent := getattr(query.alias_map[alias], "parent_alias", None)) is not None:
            kept.add(parent)
            alias = parent
    columns_only = [
        alias
        for alias, join in query.alias_map.items()
        if alias not in kept and getattr(join, "join_type", None) is not None
    ]
    compared = _keys_compared(query.where)
    if all(_one_row_for_each(query.alias_map[alias], compared) for alias in columns_only):
        for alias in columns_only:
            query.alias_refcount[alias] = 0


def _one_row_for_each(join: Join, compared: set[tuple[str, str]]) -> bool:
    field = join.join_field
    if not isinstance(field, models.ForeignKey) or join.filtered_relation is not None:
        return False  # a reverse or many-to-many join, or a filtered one
    if join.join_type == LOUTER:
        return True
    # Django makes the join to a nullable key INNER when a filter compares the key.
    key_present = not field.null or (join.parent_alias, field.column) in compared
    return key_present and field.db_constraint


def _keys_compared(where: WhereNode) -> set[tuple[str, str]]:
    """(alias, column) of the columns that a condition every counted row meets compares
    with a value (``publisher_id IN (4)``): none of those rows has them null."""
    if where.connector != AND or where.negated:
        return set()
    return {
        (child.lhs.alias, child.lhs.target.column)
        for child in where.children
        if isinstance(child, Lookup)
        and not isinstance(child, IsNull)
        and isinstance(child.lhs, Col)
    }


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
