"""Detail statements compiled once per process, with only the looked-up key bound per request.

A detail request without query parameters always builds the same query: the
model's ``for_api_detail()`` rows with their JSON array columns, filtered by
one slug or id. Building and compiling that queryset took about 60 % of the
request's Python time (profiled on article details), while PostgreSQL answers
in a fraction of a millisecond. Django keeps no compiled queries, so this
module compiles the queryset once, with a marker in place of the key, and
afterwards binds the key into the saved SQL. The server, in turn, keeps the
statement prepared on each connection (``prepared_cursor()``, libya/postgresql),
so that it is not parsed and planned again for every request either.

The rows come back exactly as the queryset would yield them: the same
columns, the same database converters (JSON decoding), the same
unpacking of the JSON parts as ``rows.DetailRows``. This reads compiler internals
(``select``, ``get_converters``), so it is used only on the Django version it is
tested against (``TESTED_DJANGO``); on any other the views take the queryset path,
and tests/api/test_common.py compares the two for every resource and detail shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import django
from django.core.exceptions import EmptyResultSet, FullResultSet, ValidationError
from django.db import connections, router
from django.db.models import QuerySet
from psycopg.sql import Literal

from libya.desk.api import rows
from libya.desk.models.common import plan_rows

TESTED_DJANGO = (5, 2)

# Stand-ins for the key while compiling: a value the key's field accepts, and
# that no other parameter of a detail query plausibly equals (checked below).
MARKERS = {"slug": "\u2063desk-detail-key\u2063", "pk": -1_730_051_999}


@dataclass(frozen=True)
class DetailStatement:
    sql: str
    params: tuple
    slot: int
    names: tuple[str, ...]
    converters: tuple
    key_field: Any

    @classmethod
    def compile(cls, queryset: QuerySet, lookup: str) -> DetailStatement | None:
        """The statement for ``queryset.filter(<lookup>=key)``, or None if it cannot be cached."""
        marker = MARKERS.get(lookup)
        if django.VERSION[:2] != TESTED_DJANGO:
            return None
        if marker is None or queryset._iterable_class is not rows.DetailRows:
            return None
        filtered = queryset.filter(**{lookup: marker})
        query = filtered.query
        compiler = query.get_compiler(filtered.db)
        sql, params = compiler.as_sql()
        if list(params).count(marker) != 1:
            return None
        slot = list(params).index(marker)
        written = constants_written_in(sql, params, [slot], filtered.db)
        if written is None:
            return None
        columns = [expression for expression, _, _ in compiler.select]
        return cls(
            sql=written,
            params=(marker,),
            slot=0,
            names=(*query.extra_select, *query.values_select, *query.annotation_select),
            converters=tuple(compiler.get_converters(columns).items()),
            key_field=query.model._meta.pk
            if lookup == "pk"
            else query.model._meta.get_field(lookup),
        )

    def fetch(self, key: Any) -> dict | None:
        """The row for `key`, as the queryset's iterable would have produced it, or None."""
        try:
            value = self.key_field.to_python(key)
        except ValidationError:  # e.g. an id too long for int(): no such row
            return None
        params = list(self.params)
        params[self.slot] = value
        # This request's database (a replica or the primary), not the compiling one's.
        connection = connections[router.db_for_read(self.key_field.model)]
        with connection.prepared_cursor() as cursor:
            cursor.execute(self.sql, params)
            found = cursor.fetchone()
        if found is None:
            return None
        row = dict(zip(self.names, convert(self.converters, list(found), connection), strict=True))
        return rows.unpack_parts(row)


# A parameter's place in compiled SQL (%% is a percent sign).
PLACEHOLDER = re.compile(r"%[s%]")


# List statements: one per shape of request, the request's values bound into it.

# Shapes kept per viewset: each is a few kilobytes, and the shapes clients use are
# few; an unbounded mix of orderings and page sizes must not grow a process's memory.
MAX_SHAPES = 512
# Each request value gets two markers, one per compilation; these are the base of them.
_MARKER_DAY = date(1001, 1, 1)
_MARKER_MOMENT = datetime(1001, 1, 1, tzinfo=UTC)
_MARKER_INT = -1_730_052_000_000


@dataclass(frozen=True)
class ListStatement:
    """A list page's SQL, compiled once per shape, with the slots of the request's values.

    A list request of a given shape (its viewset, parameter names, ordering, page size,
    page number or cursor direction: see ``views.CompiledListMixin``) always builds the
    same SQL but for the values of its filters and its cursor. The queryset is built
    twice with two sets of distinct markers in place of those values and compiled:
    the statement is kept only if both give the same SQL text, every other parameter
    is the same constant in both, and each marker stands alone in parameter slots (a
    value the SQL inlines, transforms or uses to choose the SQL fails one of these).
    Then each request binds its own values into those slots.
    """

    sql: str
    params: tuple
    slots: tuple[tuple[int, int], ...]  # (parameter position, index of the request value)
    names: tuple[str, ...]
    converters: tuple
    parts: dict
    model: Any
    prepared: bool

    @classmethod
    def compile(
        cls,
        build: Callable[[list], QuerySet],
        values: list,
        *,
        plan_only: bool = False,
        prepared: bool = True,
    ) -> ListStatement | None:
        """The statement of ``build(values)``, or None if it cannot be cached safely.

        `build` makes the queryset from a list of values of the types of `values`.
        `plan_only`: a statement only explained (``estimate``), never fetched.
        `prepared`: kept prepared on the server (``prepared_cursor()``), for a shape
        whose values do not change which plan is best.
        """
        if django.VERSION[:2] != TESTED_DJANGO:
            return None
        first, second = markers(values, 0), markers(values, 1)
        if first is None or second is None:
            return None
        try:
            compiled = [_compiled(build(sample)) for sample in (first, second)]
        except (EmptyResultSet, FullResultSet):
            return None
        (sql, params, names, converters, queryset), (other_sql, other_params, *_) = compiled
        if sql != other_sql or len(params) != len(other_params):
            return None
        slots = _slots(params, other_params, first, second)
        if slots is None or {index for _, index in slots} != set(range(len(values))):
            return None
        iterable = queryset._iterable_class
        if not plan_only and not issubclass(iterable, rows.BatchRows):
            return None
        positions = [position for position, _ in slots]
        written = constants_written_in(sql, params, positions, queryset.db)
        if written is None:
            return None
        return cls(
            sql=written,
            params=tuple(params[position] for position in positions),
            slots=tuple((number, index) for number, (_, index) in enumerate(slots)),
            names=names,
            converters=converters,
            parts={} if plan_only else dict(iterable.parts),
            model=queryset.model,
            prepared=prepared and not plan_only,
        )

    def fetch(self, values: list) -> list[dict]:
        """The page's rows for the request's `values`, as the queryset would yield them."""
        connection = connections[router.db_for_read(self.model)]
        with connection.prepared_cursor() if self.prepared else connection.cursor() as cursor:
            cursor.execute(self.sql, self._bound(values))
            found = cursor.fetchall()
        page = [
            dict(zip(self.names, convert(self.converters, list(row), connection), strict=True))
            for row in found
        ]
        if page:  # BatchRows: the page is one batch, each part one more query
            for name, part in self.parts.items():
                rows.attach(page, name, part)
        return page

    def estimate(self, values: list) -> int:
        """The planner's estimate of the rows, as ``estimated_rows()`` reads it."""
        connection = connections[router.db_for_read(self.model)]
        prefix = connection.ops.explain_query_prefix("json")
        with connection.cursor() as cursor:
            cursor.execute(f"{prefix} {self.sql}", self._bound(values))
            found = cursor.fetchall()
        # As SQLCompiler.explain_query() and QuerySet.explain() put the plan into text
        # (it iterates over chunks of rows, so each of its values is a row).
        lines = [" ".join(json.dumps(column) for column in row) for row in found]
        return plan_rows("\n".join(lines))

    def _bound(self, values: list) -> list:
        params = list(self.params)
        for position, index in self.slots:
            params[position] = values[index]
        return params


def constants_written_in(sql: str, params: list, bound: list[int], alias: str) -> str | None:
    """`sql` with every parameter but those at the `bound` positions written in as a literal.

    A statement's constants (a status it hides, the date that sorts undated rows last,
    a JSON key) are the same for every request; bound, they are unknown to a generic
    plan, which PostgreSQL may keep for a prepared statement (``prepared_cursor()``).
    Then ``COALESCE(said_on, $2)`` no longer matches the index on
    ``COALESCE(said_on, '0001-01-01')``, the generic plan scans the table, and every
    request is planned anew. Written in, the generic plan sees them as the index does.
    psycopg quotes each one (``sql.Literal``) as it would have bound it client-side.
    None if the placeholders are not the parameters, one for one.
    """
    pieces = PLACEHOLDER.split(sql)
    placeholders = PLACEHOLDER.findall(sql)
    if placeholders.count("%s") != len(params):
        return None
    connection = connections[alias]
    connection.ensure_connection()
    written, number = [pieces[0]], 0
    for placeholder, piece in zip(placeholders, pieces[1:], strict=True):
        if placeholder == "%s":
            if number not in bound:
                literal = Literal(params[number]).as_string(connection.connection)
                placeholder = literal.replace("%", "%%")  # still a query with placeholders
            number += 1
        written += [placeholder, piece]
    return "".join(written)


def _compiled(queryset: QuerySet) -> tuple:
    query = queryset.query
    compiler = query.get_compiler(queryset.db)
    sql, params = compiler.as_sql()
    names = (*query.extra_select, *query.values_select, *query.annotation_select)
    columns = [expression for expression, _, _ in compiler.select]
    if len(columns) != len(names):
        raise EmptyResultSet  # columns beyond the values' (not expected): not cached
    converters = tuple(compiler.get_converters(columns).items())
    return sql, list(params), names, converters, queryset


def _slots(params: list, other: list, first: list, second: list) -> list | None:
    """(position, value index) of each marker, or None if the two compilations disagree."""
    slots = []
    for position, (one, two) in enumerate(zip(params, other, strict=True)):
        index = _marker_index(one, first)
        if index is None:
            if _marker_index(two, second) is not None or not _same(one, two):
                return None  # a value turned into something else, or a varying constant
            continue
        if not _same(two, second[index]):
            return None
        slots.append((position, index))
    return slots


def _same(one: Any, two: Any) -> bool:
    return type(one) is type(two) and one == two


def _marker_index(param: Any, sample: list) -> int | None:
    for index, marker in enumerate(sample):
        if _same(param, marker):
            return index
    return None


def markers(values: list, variant: int) -> list | None:
    """Stand-ins for `values`, of their types, distinct from each other and from any
    plausible value; None if some value's type has no such stand-in (booleans...)."""
    found = []
    for index, value in enumerate(values):
        serial = 2 * index + variant
        if type(value) is str:
            # Both cases, so that an upper() or lower() of it is no longer the marker.
            found.append(f"\u2063Desk{serial}Marker\u2063")
        elif type(value) is int:
            found.append(_MARKER_INT - serial)
        elif type(value) is date:
            found.append(_MARKER_DAY + timedelta(days=serial))
        elif type(value) is datetime and value.tzinfo is not None:
            found.append((_MARKER_MOMENT + timedelta(microseconds=serial)).astimezone(value.tzinfo))
        else:
            return None
    return found


def shape_of(values: list) -> tuple:
    """The part of a request's shape its values give: their types (and time zones)."""
    return tuple(
        (type(value), value.tzinfo if isinstance(value, datetime) else None) for value in values
    )


def convert(converters: tuple, values: list, connection) -> list:
    # Django's compiler.apply_converters() would do this, but the compiler is bound
    # to the connection of the thread that compiled; converters take this thread's.
    for position, (functions, expression) in converters:
        value = values[position]
        for function in functions:
            value = function(value, expression, connection)
        values[position] = value
    return values


@dataclass(frozen=True)
class PartStatement:
    """A to-many part's batch query (``rows.Part.batch``), compiled once per process.

    The batch filters on ``parent = ANY(%s)``, one array parameter whatever the number
    of ids; it is compiled with a marker array, and kept if the marker fills exactly
    one parameter slot. Then each page binds its ids there.
    """

    sql: str
    params: tuple
    slot: int
    converters: tuple
    model: Any

    @classmethod
    def of(cls, part: rows.Part) -> PartStatement | None:
        # On the part itself: a declared field lives as long as its serializer class.
        if "_statement" not in part.__dict__:
            part._statement = cls.compile(part)
        return part._statement

    @classmethod
    def compile(cls, part: rows.Part) -> PartStatement | None:
        if django.VERSION[:2] != TESTED_DJANGO:
            return None
        marker = [_MARKER_INT]
        queryset = part.batch(marker)
        query = queryset.query
        compiler = query.get_compiler(queryset.db)
        try:
            sql, params = compiler.as_sql()
        except (EmptyResultSet, FullResultSet):
            return None
        slots = [position for position, param in enumerate(params) if param == marker]
        columns = [expression for expression, _, _ in compiler.select]
        if len(slots) != 1 or len(columns) != len(query.values_select):
            return None
        written = constants_written_in(sql, params, slots, queryset.db)
        if written is None:
            return None
        return cls(
            sql=written,
            params=(marker,),
            slot=0,
            converters=tuple(compiler.get_converters(columns).items()),
            model=query.model,
        )

    def fetch(self, ids: list[int]) -> list[tuple]:
        """``batch(ids)``'s rows, as its ``values_list()`` would yield them."""
        params = list(self.params)
        params[self.slot] = list(ids)
        connection = connections[router.db_for_read(self.model)]
        with connection.prepared_cursor() as cursor:
            cursor.execute(self.sql, params)
            found = cursor.fetchall()
        return [tuple(convert(self.converters, list(row), connection)) for row in found]
