"""Pagination: early pages by number, every later page by a signed keyset cursor.

An OFFSET makes PostgreSQL read and discard every earlier row, so page 18,000
of a million claims would cost as much as reading them all. ``next`` links
carry instead the ordering values of the last row shown, and the next page is
the rows after them (``WHERE (said_on, id) < (...)``), which the ordering's
index answers at any depth.
"""

import json
from typing import Any

from django.core import signing
from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from libya.desk.querysets import EXACT_TOTAL

CURSOR_SALT = "libya.desk.api.cursor"
# Annotation carrying the capped count on every row of an offset page.
TOTAL = "_bounded_total"
UNIQUE_KEYS = {"pk", "id", "slug"}


class KeysetPagination(BasePagination):
    """``page_size`` rows (default 50, at most 500) with ``next``/``previous`` links."""

    page_size = 50
    max_page_size = 500
    max_page = 20
    count_limit = 10_000
    keyset = True

    def paginate_queryset(self, queryset, request: Request, view=None) -> list:
        self.request = request
        self.size = self._page_size(request)
        if self.keyset:
            self.ordering = _ordering(queryset)
            queryset = queryset.order_by(*self.ordering)
        token = request.query_params.get("cursor")
        cursor = self._decode(token) if token and self.keyset else None
        if cursor:
            self.count, self.estimated = self._counted(queryset, cursor)
            return self._keyset_page(queryset, cursor)
        return self._offset_page(queryset, self._page_number(request))

    def get_paginated_response(self, data: list) -> Response:
        return Response(
            {
                "count": self.count,
                "count_is_estimate": self.estimated,
                "next": self.next_link,
                "previous": self.previous_link,
                "results": data,
            }
        )

    # Pages

    def _offset_page(self, queryset, number: int) -> list:
        start = (number - 1) * self.size
        rows = list(self._with_total(queryset)[start : start + self.size + 1])
        self.count, self.estimated = self._page_count(queryset, rows, start)
        more, rows = len(rows) > self.size, rows[: self.size]
        self.next_link = self._link_after(rows[-1], number) if more else None
        self.previous_link = self._link_to_page(number - 1) if number > 1 else None
        return rows

    def _keyset_page(self, queryset, cursor: dict) -> list:
        backwards = cursor["r"]
        ordering = _reverse(self.ordering) if backwards else self.ordering
        after = _after(ordering, cursor["v"])
        rows = list(queryset.filter(after).order_by(*ordering)[: self.size + 1])
        for row in rows:
            _pop(row, EXACT_TOTAL)  # the count came with the cursor
        more, rows = len(rows) > self.size, rows[: self.size]
        if backwards:
            rows.reverse()
        has_next, has_previous = (True, more) if backwards else (more, True)
        self.next_link = self._cursor_link(rows[-1], False) if rows and has_next else None
        self.previous_link = self._cursor_link(rows[0], True) if rows and has_previous else None
        return rows

    # Links

    def _link_after(self, row, number: int) -> str:
        if self.keyset:
            return self._cursor_link(row, False)
        return self._link_to_page(number + 1)

    def _link_to_page(self, number: int) -> str:
        url = remove_query_param(self.request.build_absolute_uri(), "cursor")
        if number == 1:
            return remove_query_param(url, "page")
        return replace_query_param(url, "page", number)

    def _cursor_link(self, row, backwards: bool) -> str:
        values = [_jsonable(_value(row, name.lstrip("-"))) for name in self.ordering]
        payload = {"o": self.ordering, "v": values, "r": backwards}
        payload |= {"n": self.count, "e": self.estimated}
        token = signing.dumps(payload, salt=CURSOR_SALT)
        url = remove_query_param(self.request.build_absolute_uri(), "page")
        return replace_query_param(url, "cursor", token)

    # Parameters

    def _page_size(self, request: Request) -> int:
        size = _positive_int(request, "page_size", self.page_size)
        return min(size, self.max_page_size)

    def _page_number(self, request: Request) -> int:
        number = _positive_int(request, "page", 1)
        if number > self.max_page:
            raise ValidationError(
                {"page": [f"At most {self.max_page}; follow the `next` links to go further."]}
            )
        return number

    def _decode(self, token: str) -> dict:
        try:
            cursor = signing.loads(token, salt=CURSOR_SALT)
        except signing.BadSignature:
            raise ValidationError({"cursor": ["Invalid cursor; use the links as given."]}) from None
        if not isinstance(cursor, dict) or cursor.get("o") != self.ordering:
            raise ValidationError({"cursor": ["This cursor belongs to another ordering."]})
        if not isinstance(cursor.get("v"), list) or len(cursor["v"]) != len(self.ordering):
            raise ValidationError({"cursor": ["Invalid cursor; use the links as given."]})
        return cursor

    def _counted(self, queryset, cursor: dict | None) -> tuple[int, bool]:
        # Counted on the first page; next links carry it so that deep pages do not recount.
        if cursor and "n" in cursor:
            return cursor["n"], bool(cursor.get("e"))
        return self._count(queryset)

    def _count(self, queryset) -> tuple[int, bool]:
        """Exact up to count_limit; beyond it the planner's estimate, flagged as such."""
        if queryset.query.combinator:
            return queryset.count(), False
        return self._estimated(queryset, self._bounded(queryset).count())

    def _bounded(self, queryset):
        return queryset.order_by().values("pk")[: self.count_limit + 1]

    def _estimated(self, queryset, exact: int) -> tuple[int, bool]:
        if exact <= self.count_limit:
            return exact, False
        plan = json.loads(queryset.order_by().explain(format="json"))
        return max(int(plan[0]["Plan"]["Plan Rows"]), exact), True

    def _with_total(self, queryset):
        """The queryset with the capped count as a constant column, saving a round trip."""
        if queryset.query.combinator or EXACT_TOTAL in queryset.query.annotations:
            return queryset
        try:
            sql, params = self._bounded(queryset).query.sql_with_params()
        except EmptyResultSet:
            return queryset
        total = RawSQL(f"SELECT COUNT(*) FROM ({sql}) AS bounded", params)
        return queryset.annotate(**{TOTAL: total})

    def _page_count(self, queryset, rows: list, start: int) -> tuple[int, bool]:
        exact = [_pop(row, EXACT_TOTAL) for row in rows]
        if exact and exact[0] is not None:
            return exact[0], False
        totals = [_pop(row, TOTAL) for row in rows]
        if totals and totals[0] is not None:
            return self._estimated(queryset, totals[0])
        if not rows and start == 0:
            return 0, False
        # A page past the end (or a union) carries no count.
        return self._count(queryset)

    # Schema

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            _param(
                "page",
                "integer",
                f"Page number, for the first {self.max_page} pages; follow `next` beyond.",
                2,
                maximum=self.max_page,
            ),
            _param(
                "page_size",
                "integer",
                f"Rows per page: default {self.page_size}; larger values are reduced to "
                f"{self.max_page_size}.",
                50,
            ),
            _param("cursor", "string", "Position token taken from a `next`/`previous` link.", None),
        ]

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["count", "count_is_estimate", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "example": 123},
                "count_is_estimate": {
                    "type": "boolean",
                    "description": f"True when more than {self.count_limit} rows match and "
                    "`count` is the planner's estimate.",
                },
                "next": link,
                "previous": link,
                "facets": {
                    "type": "object",
                    "description": "Counts per value for each `facet` asked for.",
                    "additionalProperties": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/FacetCount"},
                    },
                },
                "results": schema,
            },
        }


class OffsetPagination(KeysetPagination):
    """Page numbers only, at any depth: for small, bounded lists such as a timeline."""

    keyset = False
    max_page = 1000

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return super().get_schema_operation_parameters(view)[:2]


def _ordering(queryset) -> list[str]:
    ordering = [str(o) for o in (queryset.query.order_by or queryset.model._meta.ordering)]
    if not {o.lstrip("-") for o in ordering} & UNIQUE_KEYS:
        ordering.append("pk")
    return ordering


def _reverse(ordering: list[str]) -> list[str]:
    return [o[1:] if o.startswith("-") else f"-{o}" for o in ordering]


def _after(ordering: list[str], values: list) -> Q:
    """Rows strictly after `values` in `ordering`, NULL sorting as PostgreSQL does (largest)."""
    condition, equal = Q(pk__in=[]), Q()
    for term, value in zip(ordering, values, strict=True):
        name, desc = term.lstrip("-"), term.startswith("-")
        condition |= equal & _beyond(name, desc, value)
        equal &= Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})
    first, desc = ordering[0].lstrip("-"), ordering[0].startswith("-")
    if desc and values[0] is not None:
        # Redundant with `condition`, but a plain range the planner can use on the index.
        condition &= Q(**{f"{first}__lte": values[0]})
    return condition


def _beyond(name: str, desc: bool, value: Any) -> Q:
    if value is None:
        return Q(**{f"{name}__isnull": False}) if desc else Q(pk__in=[])
    if desc:
        return Q(**{f"{name}__lt": value})
    return Q(**{f"{name}__gt": value}) | Q(**{f"{name}__isnull": True})


def _value(row, name: str) -> Any:
    if isinstance(row, dict):
        return row["id" if name == "pk" else name]
    for part in name.split("__"):
        row = None if row is None else getattr(row, part)
    return row.pk if isinstance(row, models.Model) else row


def _pop(row, name: str) -> Any:
    if isinstance(row, dict):
        return row.pop(name, None)
    return getattr(row, name, None)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _positive_int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    # Python refuses to parse integers of over 4,300 digits; any such number is "too large".
    number = (int(raw) if len(raw) <= 18 else 10**18) if raw.isascii() and raw.isdigit() else 0
    if number < 1:
        raise ValidationError({name: ["A positive whole number is required."]})
    return number


def _param(name: str, kind: str, description: str, example: Any, **bounds: int) -> dict:
    schema = {"type": kind, "minimum": 1, **bounds} if kind == "integer" else {"type": kind}
    param = {"name": name, "in": "query", "required": False, "description": description}
    param["schema"] = schema
    if example is not None:
        param["example"] = example
    return param
