"""Signed keyset cursors: the ordering values of a page's edge row, and the rows beyond them.

An OFFSET makes PostgreSQL read and discard every earlier row, so page 18,000 of a
million claims would cost as much as reading them all. A ``next`` link carries
instead the ordering values of the last row shown, and the next page is the rows
after them (``WHERE (said_on, id) < (...)``), which the ordering's index answers at
any depth. Undated rows come last in either direction (see ``undated_last``).
"""

import re
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import F, Q
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as BadRequest

from libya.desk.models.common import undated_last

SALT = "libya.desk.api.cursor"
UNIQUE_KEYS = {"pk", "id", "slug"}
# What a signed token looks like (django.core.signing: base64url payload, ':', signature).
TOKEN_PATTERN = r"^[A-Za-z0-9_.\-]+(:[A-Za-z0-9_\-]+)+$"


@dataclass(frozen=True)
class Term:
    """One ordering column: its name, direction, and its key when undated rows exist.

    A nullable date orders on ``undated_last()``, an expression without NULLs that
    the date indexes are built on; the cursor stores the key, so the condition on
    it stays a plain range.
    """

    name: str
    descending: bool
    key: models.Expression | None = None

    @property
    def column(self) -> str:
        return f"_key_{self.name}" if self.key is not None else self.name

    def expression(self) -> models.OrderBy:
        return F(self.column).desc() if self.descending else F(self.column).asc()

    def reversed(self) -> "Term":
        return Term(self.name, not self.descending, self.key)

    def value(self, row: dict) -> Any:
        value = row["id" if self.name == "pk" else self.name]
        if value is None and self.key is not None:
            return self.key.source_expressions[1].value  # the undated rows' stand-in
        return value


def ordering(queryset: models.QuerySet) -> list[str]:
    """The queryset's ordering as ``[-]name`` terms, made unique by the key if need be."""
    return unique([str(o) for o in (queryset.query.order_by or queryset.model._meta.ordering)])


def unique(names: list[str]) -> list[str]:
    """``[-]name`` ordering terms, with the key added when none of them is unique."""
    if not {o.lstrip("-") for o in names} & UNIQUE_KEYS:
        return [*names, "pk"]
    return list(names)


def typed(model: type[models.Model], order: list[Term], values: list) -> list:
    """A cursor's JSON values as the columns' Python values (dates as dates...).

    The lookups would convert them alike; converting first lets a compiled statement
    bind them (statements.ListStatement) exactly as the queryset does.
    """
    found = []
    for term, value in zip(order, values, strict=True):
        field = _field(model, term)
        try:
            found.append(value if field is None else field.to_python(value))
        except ValidationError:  # signed here, so never; but a page, not a 500
            raise NotFound("No such page: the cursor was not issued here.") from None
    return found


def _field(model: type[models.Model], term: Term) -> models.Field | None:
    if term.key is not None:
        return term.key.output_field
    if term.name == "pk":
        return model._meta.pk
    try:
        return model._meta.get_field(term.name)
    except FieldDoesNotExist:  # an annotation such as a search rank
        return None


def terms(model: type[models.Model], names: list[str]) -> list[Term]:
    """The ordering's terms; undated rows last in either direction."""
    found = []
    for name in names:
        field, descending = name.lstrip("-"), name.startswith("-")
        key = undated_last(field, descending) if _nullable_date(model, field) else None
        found.append(Term(field, descending, key))
    return found


def ordered(queryset: models.QuerySet, order: list[Term]) -> models.QuerySet:
    keys = {term.column: term.key for term in order if term.key is not None}
    return queryset.alias(**keys).order_by(*(term.expression() for term in order))


def _nullable_date(model: type[models.Model], name: str) -> bool:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # pk, or an annotation such as a search rank
        return False
    return field.null and isinstance(field, models.DateField)


def after(order: list[Term], values: list) -> Q:
    """Rows strictly after `values` (never None: see ``Term.value``) in `order`."""
    condition, equal = Q(pk__in=[]), Q()
    for term, value in zip(order, values, strict=True):
        lookup = "lt" if term.descending else "gt"
        condition |= equal & Q(**{f"{term.column}__{lookup}": value})
        equal &= Q(**{term.column: value})
    first = order[0]
    if first.descending:
        # Redundant with `condition`, but a plain range the planner can use on the index.
        condition &= Q(**{f"{first.column}__lte": values[0]})
    return condition


def encode(payload: dict) -> str:
    return signing.dumps(payload, salt=SALT)


def decode(token: str, names: list[str]) -> dict:
    """The cursor of `token`, checked against the ordering `names`.

    A token that is not shaped like a cursor is a 400. One shaped like a cursor but not
    signed by this server, or made for another ordering, names no page of this list: 404.
    """
    if not re.fullmatch(TOKEN_PATTERN, token):
        raise BadRequest({"cursor": ["Not a cursor; use the links as given."]})
    try:
        cursor = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise NotFound("No such page: the cursor was not issued here.") from None
    if not isinstance(cursor, dict) or cursor.get("o") != names:
        raise NotFound("No such page: the cursor belongs to another ordering.")
    well_formed = isinstance(cursor.get("v"), list) and isinstance(cursor.get("n"), int)
    if not well_formed or len(cursor["v"]) != len(names):
        raise NotFound("No such page: the cursor was not issued here.")
    return cursor


def jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
