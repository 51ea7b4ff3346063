"""Pagination: early pages by number, every later page by a signed keyset cursor (cursors.py);
counts come from counting.py."""

import re
from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from libya.desk.api import counting, cursors
from libya.desk.models.common import EXACT_TOTAL


class KeysetPagination(BasePagination):
    """``page_size`` rows (default 50, at most 500) with ``next``/``previous`` links."""

    page_size = 50
    max_page_size = 500
    max_page = 20
    # The count of a first page, when known before it is read (the view's settled_count()).
    settled: int | None = None

    def paginate_queryset(self, queryset, request: Request, view=None) -> list:
        self.locate(request, cursors.ordering(queryset), queryset.model)
        self.settled = view.settled_count(request) if hasattr(view, "settled_count") else None
        ordered = cursors.ordered(queryset, self.order)
        return self.page_rows(list(self.page_query(ordered)), lambda: ordered)

    def locate(self, request: Request, names: list[str], model) -> None:
        """Read which page is asked for: its size, the ordering, a cursor or a page number.

        Split from running the page so that a statement compiled once per shape of
        request (statements.ListStatement) pages exactly as the queryset does.
        """
        self.request = request
        self.size = positive_int(request, "page_size", self.page_size)
        self.size = min(self.size, self.max_page_size)
        self.names = names
        self.order = cursors.terms(model, names)
        token = request.query_params.get("cursor")
        self.cursor, self.number, self.beyond = None, None, []
        if token is not None:
            self.cursor = cursors.decode(token, self.names)
            self.count, self.estimated = self.cursor["n"], bool(self.cursor["e"])
            self.beyond = cursors.typed(model, self.order, self.cursor["v"])
        else:
            self.number = self._page_number(request)

    @property
    def direction(self) -> list:
        """The terms in the order the page's rows are read (reversed for a `previous` page)."""
        if self.cursor is not None and self.cursor["r"]:
            return [term.reversed() for term in self.order]
        return self.order

    def page_query(self, ordered, beyond: list | None = None):
        """The page's queryset (one row more than the page, to tell whether one follows).

        `beyond` stands in for the cursor's values (a statement compiles it with markers).
        """
        if self.cursor is None:
            start = (self.number - 1) * self.size
            counted = ordered if self.settled is not None else counting.with_total(ordered)
            return counted[start : start + self.size + 1]
        condition = cursors.after(self.direction, self.beyond if beyond is None else beyond)
        return cursors.ordered(ordered, self.direction).filter(condition)[: self.size + 1]

    def page_rows(self, rows: list[dict], unpaged, estimate=None) -> list:
        """The page shown from the rows of ``page_query``; `unpaged()` is the list to count,
        `estimate()` (if given) the planner's estimate of its rows."""
        if self.cursor is None:
            return self._first_pages(rows, unpaged, estimate)
        return self._keyset_page(rows)

    def check_parameters(self, request: Request) -> None:
        """400 for a paging parameter the schema refuses, where no page is made (CSV)."""
        positive_int(request, "page_size", self.page_size)
        self._page_number(request)
        token = request.query_params.get("cursor")
        if token is not None and not re.fullmatch(cursors.TOKEN_PATTERN, token):
            raise ValidationError({"cursor": ["Not a cursor; use the links as given."]})

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

    def _first_pages(self, rows: list[dict], unpaged, estimate=None) -> list:
        number = self.number
        start = (number - 1) * self.size
        if self.settled is not None:
            self.count, self.estimated = self.settled, True
        else:
            self.count, self.estimated = counting.of_page(unpaged, rows, start, estimate)
        more, rows = len(rows) > self.size, rows[: self.size]
        self.next_link = self._link_after(rows[-1], number) if more else None
        self.previous_link = self._link_to_page(number - 1) if number > 1 else None
        return rows

    def _keyset_page(self, rows: list[dict]) -> list:
        backwards = self.cursor["r"]
        for row in rows:
            row.pop(EXACT_TOTAL, None)  # the count came with the cursor
        more, rows = len(rows) > self.size, rows[: self.size]
        if backwards:
            rows.reverse()
        has_next, has_previous = (True, more) if backwards else (more, True)
        self.next_link = self._cursor_link(rows[-1], False) if rows and has_next else None
        self.previous_link = self._cursor_link(rows[0], True) if rows and has_previous else None
        return rows

    def _link_after(self, row: dict, number: int) -> str:
        return self._cursor_link(row, False)

    def _link_to_page(self, number: int) -> str:
        url = remove_query_param(self.request.build_absolute_uri(), "cursor")
        if number == 1:
            return remove_query_param(url, "page")
        return replace_query_param(url, "page", number)

    def _cursor_link(self, row: dict, backwards: bool) -> str:
        values = [cursors.jsonable(term.value(row)) for term in self.order]
        payload = {"o": self.names, "v": values, "r": backwards}
        token = cursors.encode(payload | {"n": self.count, "e": self.estimated})
        url = remove_query_param(self.request.build_absolute_uri(), "page")
        return replace_query_param(url, "cursor", token)

    def _page_number(self, request: Request) -> int:
        number = positive_int(request, "page", 1)
        if number > self.max_page:
            raise ValidationError(
                {"page": [f"At most {self.max_page}; follow the `next` links to go further."]}
            )
        return number

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            _param(
                "page",
                {"type": "integer", "minimum": 1, "maximum": self.max_page},
                f"Page number, for the first {self.max_page} pages; follow `next` beyond.",
                2,
            ),
            _param(
                "page_size",
                {"type": "integer", "minimum": 1},
                f"Rows per page: default {self.page_size}; larger values are reduced to "
                f"{self.max_page_size}.",
                50,
            ),
            _param(
                "cursor",
                {"type": "string", "pattern": cursors.TOKEN_PATTERN},
                "Position token taken from a `next`/`previous` link; any other value is a 400.",
                None,
            ),
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
                    "description": f"True when more than {counting.LIMIT} rows match and "
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

    max_page = 1000

    def paginate_queryset(self, queryset, request: Request, view=None) -> list:
        self.request = request
        self.size = min(positive_int(request, "page_size", self.page_size), self.max_page_size)
        self.cursor, self.number = None, self._page_number(request)
        return self.page_rows(list(self.page_query(queryset)), lambda: queryset)

    def _link_after(self, row: dict, number: int) -> str:
        return self._link_to_page(number + 1)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return super().get_schema_operation_parameters(view)[:2]


def positive_int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    # Python refuses to parse integers of over 4,300 digits; any such number is "too large".
    number = (int(raw) if len(raw) <= 18 else 10**18) if raw.isascii() and raw.isdigit() else 0
    if number < 1:
        raise ValidationError({name: ["A positive whole number is required."]})
    return number


def _param(name: str, schema: dict, description: str, example: Any) -> dict:
    param = {"name": name, "in": "query", "required": False, "description": description}
    param["schema"] = schema
    if example is not None:
        param["example"] = example
    return param
