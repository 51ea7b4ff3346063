"""API rows, derived from the serializers: each field is declared once, in ``serializers.py``.

A model instance costs tens of microseconds to build, and ``prefetch_related``
builds one per related row too; a 500-row page of claims would spend most of its
time there, and a DRF field walk costs microseconds more per value. So each
serializer class is read once into a ``Plan``: the ``values()`` columns its fields
need, its to-many parts, and a row builder that turns one ``values()`` dict into
the response row with plain item lookups.

How a field maps to columns:

- a plain field reads the column named by its ``source`` (``a.b`` is ``a__b``);
- a nested serializer is a reference through a foreign key: one column per child
  field (``speaker__slug``, ``speaker__name``), ``None`` when the first is null;
  with ``source="*"`` its children are columns of the row itself;
- a ``Derived`` field computes its value from the columns it names;
- a ``Counted`` field is a correlated count, annotated under its field name;
- a ``Part`` is a to-many list. On list pages each part is fetched for the whole
  batch in one more query. A detail row carries its parts as
  ``ARRAY(SELECT jsonb_build_object(...))`` columns instead, so that it takes a
  single query: on a 50-row page those columns measured slower than the extra
  round trip (compiling and decoding them), but for one row round trips dominate.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from itertools import islice
from operator import itemgetter
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import models
from django.db.models import Case, F, OuterRef, Value, When
from django.db.models.functions import Coalesce, JSONObject
from django.db.models.query import ValuesIterable
from rest_framework import serializers

# Detail parts come as ``json_<name>`` columns: the plain names are often the models'
# relations, which ``values()`` refuses as annotation names.
PART_PREFIX = "json_"
COUNT_PREFIX = "n_"
Getter = Callable[[dict], Any]


class Derived:
    """Mixin for a field computed from columns: ``compute(*their values)``."""

    def __init__(self, *args: Any, columns: tuple[str, ...], compute: Callable, **kwargs: Any):
        self.columns, self.compute = columns, compute
        super().__init__(*args, **kwargs)


class DerivedText(Derived, serializers.CharField):
    pass


class Searched(serializers.CharField):
    """A column that a search annotates (a snippet); absent, and so null, otherwise."""


class Counted(serializers.IntegerField):
    """How many rows of ``rows()`` point at this row through ``key`` (0 if none)."""

    def __init__(self, *args: Any, rows: Callable[[], models.QuerySet], key: str, **kwargs):
        self.rows, self.key = rows, key
        super().__init__(*args, **kwargs)

    def expression(self) -> models.Expression:
        counted = self.rows().filter(**{self.key: OuterRef("pk")}).order_by()
        counts = counted.values(self.key).annotate(n=models.Count("pk")).values("n")
        return Coalesce(models.Subquery(counts), 0)


class Part(serializers.ListField):
    """A to-many list: the rows of ``rows()`` whose ``parent`` is this row, in their order."""

    def __init__(
        self,
        *args: Any,
        rows: Callable[[], models.QuerySet],
        parent: str,
        path: str = "",
        **kwargs: Any,
    ):
        """`path` leads from the rows to the child's columns (``actor`` from a through table)."""
        self.rows, self.parent_key, self.path = rows, parent, f"{path}__" if path else ""
        super().__init__(*args, **kwargs)

    def names(self) -> list[str]:
        return [name for name, _ in declared(self.child)]

    def batch(self, ids: list[int]) -> models.QuerySet:
        """(parent id, *child columns) for every row of `ids`, in one query."""
        columns = [column(name, child, self.path) for name, child in declared(self.child)]
        rows = self.rows().filter(AnyOf(F(self.parent_key), Value(ids)))
        return rows.values_list(self.parent_key, *columns)

    def fetch(self, ids: list[int]) -> Iterable[tuple]:
        """The rows of ``batch(ids)``, through its statement compiled once if it can be."""
        from libya.desk.api.statements import PartStatement  # which imports this module

        statement = PartStatement.of(self)
        return self.batch(ids) if statement is None else statement.fetch(ids)

    def array(self) -> ArraySubquery:
        """This part of the row being selected, as a JSON array column."""
        rows = self.rows().filter(**{self.parent_key: OuterRef("pk")})
        return ArraySubquery(rows.values(json=json_object(self.child, self.path)))


class AnyOf(models.Func):
    """``column = ANY(%s)``, the values as one array parameter.

    ``__in`` writes a placeholder per value, so its SQL changes with the number of
    ids; this is one statement for every batch, which can be compiled once
    (statements.PartStatement). PostgreSQL turns an IN list into ``= ANY`` itself.
    """

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = models.BooleanField()


def declared(serializer: serializers.Serializer | type) -> list[tuple[str, serializers.Field]]:
    """The class's declared fields, in order (``.fields`` deep-copies them per instance)."""
    cls = serializer if isinstance(serializer, type) else type(serializer)
    return list(cls._declared_fields.items())


def column(name: str, field: serializers.Field, prefix: str = "") -> str:
    return prefix + (field.source or name).replace(".", "__")


def json_object(serializer: serializers.Serializer, prefix: str = "") -> models.Expression:
    """``jsonb_build_object`` of a child serializer's fields; references nest, null if unset."""
    values = {}
    for name, child in declared(serializer):
        if isinstance(child, serializers.Serializer):
            path = column(name, child, prefix) + "__"
            values[name] = _nullable(child, path, json_object(child, path))
        else:
            values[name] = F(column(name, child, prefix))
    return JSONObject(**values)


def _nullable(ref: serializers.Serializer, path: str, value: models.Expression):
    if not ref.allow_null:
        return value
    first = column(*declared(ref)[0], path)
    null = Value(None, models.JSONField())
    return Case(When(**{f"{first}__isnull": True}, then=null), default=value)


@dataclass(frozen=True, eq=False)
class Plan:
    """What one serializer class needs from the database, and how it builds a row."""

    columns: tuple[str, ...]
    annotations: dict[str, Counted]
    parts: dict[str, Part]
    getters: tuple[tuple[str, Getter], ...]
    names: tuple[str, ...]

    def build(self, row: dict) -> dict:
        return {name: get(row) for name, get in self.getters}

    def rows(self, queryset: models.QuerySet, detail: bool = False) -> models.QuerySet:
        """`queryset` as ``values()`` dicts holding every column the rows are built from."""
        extra = {name: counted.expression() for name, counted in self.annotations.items()}
        if detail:
            extra |= {PART_PREFIX + name: part.array() for name, part in self.parts.items()}
        queryset = queryset.values(*self.columns, **extra)
        # values() picks its iterable class the same way; these add the parts.
        queryset._iterable_class = DetailRows if detail else batch_rows(self)
        return queryset


@cache
def plan(serializer_class: type[serializers.Serializer]) -> Plan:
    columns: dict[str, None] = {"id": None}  # ordered set; `id` keys parts and cursors
    annotations, parts, getters = {}, {}, []

    def walk(serializer: type | serializers.Serializer, prefix: str) -> list[tuple[str, Getter]]:
        found = []
        for name, field in declared(serializer):
            found.append((name, getter(name, field, prefix)))
        return found

    def getter(name: str, field: serializers.Field, prefix: str) -> Getter:
        if isinstance(field, Part):
            parts[name] = field
            return itemgetter(name)
        if isinstance(field, Counted):
            annotations[COUNT_PREFIX + name] = field
            return itemgetter(COUNT_PREFIX + name)
        if isinstance(field, Searched):
            return lambda row, key=name: row.get(key)
        if isinstance(field, Derived):
            names = [prefix + c for c in field.columns]
            columns.update(dict.fromkeys(names))
            values = itemgetter(*names) if len(names) > 1 else None
            compute = field.compute
            if values is None:
                return lambda row, key=names[0]: compute(row[key])
            return lambda row: compute(*values(row))
        if isinstance(field, serializers.Serializer):
            nested = prefix if field.source == "*" else column(name, field, prefix) + "__"
            children = walk(field, nested)
            if field.allow_null:
                first = children[0][1]
                return lambda row: None if first(row) is None else {n: g(row) for n, g in children}
            return lambda row: {n: g(row) for n, g in children}
        name = column(name, field, prefix)
        columns[name] = None
        return itemgetter(name)

    getters = walk(serializer_class, "")
    return Plan(
        columns=tuple(columns),
        annotations=annotations,
        parts=parts,
        getters=tuple(getters),
        names=tuple(name for name, _ in getters),
    )


def attach(rows: list[dict], name: str, part: Part) -> None:
    """Set ``row[name]`` to the list of part rows of each row: one query for the batch."""
    names = part.names()
    grouped = defaultdict(list)
    for key, *rest in part.fetch([row["id"] for row in rows]):
        grouped[key].append(dict(zip(names, rest, strict=True)))
    for row in rows:
        row[name] = grouped.get(row["id"], [])


class BatchRows(ValuesIterable):
    """``values()`` dicts, completed with their parts in batches before being yielded.

    A plain evaluation (a page) is one batch, so the number of queries does not
    depend on the page size; ``iterator(chunk_size=n)`` (CSV) makes batches of n.
    """

    parts: dict[str, Part] = {}

    def __iter__(self) -> Iterator[dict]:
        rows = super().__iter__()
        size = self.chunk_size if self.chunked_fetch else None
        while batch := list(islice(rows, size)):
            for name, part in self.parts.items():
                attach(batch, name, part)
            yield from batch


@cache
def batch_rows(plan: Plan) -> type[BatchRows]:
    return type("BatchRows", (BatchRows,), {"parts": plan.parts}) if plan.parts else BatchRows


class DetailRows(ValuesIterable):
    """Rows whose parts came as ``json_<part>`` columns, renamed to ``<part>``."""

    def __iter__(self) -> Iterator[dict]:
        for row in super().__iter__():
            yield unpack_parts(row)


def unpack_parts(row: dict) -> dict:
    for key in [key for key in row if key.startswith(PART_PREFIX)]:
        row[key.removeprefix(PART_PREFIX)] = row.pop(key)
    return row
