"""Detail statements compiled once per process, with only the looked-up key bound per request.

A detail request without query parameters always builds the same query: the
model's ``for_api_detail()`` rows with their JSON array columns, filtered by
one slug or id. Building and compiling that queryset took about 60 % of the
request's Python time (profiled on article details), while PostgreSQL answers
in a fraction of a millisecond. Django has no prepared-statement cache, so
this module compiles the queryset once, with a marker in place of the key,
and afterwards binds the key into the saved SQL.

The rows come back exactly as the queryset would yield them: the same
columns, the same database converters (JSON decoding), the same
unpacking of the JSON parts as ``rows.DetailRows``. This reads compiler internals
(``select``, ``get_converters``), so it is used only on the Django version it is
tested against (``TESTED_DJANGO``); on any other the views take the queryset path,
and tests/api/test_common.py compares the two for every resource and detail shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import django
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import QuerySet

from libya.desk.api import rows

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
        columns = [expression for expression, _, _ in compiler.select]
        return cls(
            sql=sql,
            params=tuple(params),
            slot=list(params).index(marker),
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
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            found = cursor.fetchone()
        if found is None:
            return None
        row = dict(zip(self.names, self._convert(list(found), connection), strict=True))
        return rows.unpack_parts(row)

    def _convert(self, values: list, connection) -> list:
        # Django's compiler.apply_converters() would do this, but the compiler is bound
        # to the connection of the thread that compiled; converters take this thread's.
        for position, (functions, expression) in self.converters:
            value = values[position]
            for function in functions:
                value = function(value, expression, connection)
            values[position] = value
        return values
