"""Signed keyset cursors: the ordering values of a page's edge row, and the rows beyond them.

An OFFSET makes PostgreSQL read and discard every earlier row, so page 18,000 of a
million claims would cost as much as reading them all. A ``next`` link carries
instead the ordering values of the last row shown, and the next page is the rows
after them (``WHERE (said_on, id) < (...)``), which the ordering's index answers at
any depth. Undated rows come last in either direction (NULLS LAST), so the rows
after a dated row include the undated ones.
"""

from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import F, Q
from rest_framework.exceptions import ValidationError

SALT = "libya.desk.api.cursor"
UNIQUE_KEYS = {"pk", "id", "slug"}
# What a signed token looks like (django.core.signing: base64url payload, ':', signature).
TOKEN_PATTERN = r"^[A-Za-z0-9_\-]+(:[A-Za-z0-9_\-]+)+$"


@dataclass(frozen=True)
class Term:
    """One ordering column: its name, direction, and whether NULLs come first."""

    name: str
    descending: bool
    nulls_first: bool
    nullable: bool

    def expression(self) -> models.OrderBy:
        if not self.nullable:
            return F(self.name).desc() if self.descending else F(self.name).asc()
        nulls = {"nulls_first": True} if self.nulls_first else {"nulls_last": True}
        return F(self.name).desc(**nulls) if self.descending else F(self.name).asc(**nulls)

    def reversed(self) -> "Term":
        return Term(self.name, not self.descending, not self.nulls_first, self.nullable)

    def beyond(self, value: Any) -> Q:
        """Rows strictly after `value` in this column's order."""
        if value is None:
            return Q(**{f"{self.name}__isnull": False}) if self.nulls_first else Q(pk__in=[])
        after = Q(**{f"{self.name}__{'lt' if self.descending else 'gt'}": value})
        if self.nullable and not self.nulls_first:
            after |= Q(**{f"{self.name}__isnull": True})
        return after

    def equal(self, value: Any) -> Q:
        return Q(**{f"{self.name}__isnull": True}) if value is None else Q(**{self.name: value})


def ordering(queryset: models.QuerySet) -> list[str]:
    """The queryset's ordering as ``[-]name`` terms, made unique by the key if need be."""
    names = [str(o) for o in (queryset.query.order_by or queryset.model._meta.ordering)]
    if not {o.lstrip("-") for o in names} & UNIQUE_KEYS:
        names.append("pk")
    return names


def terms(model: type[models.Model], names: list[str]) -> list[Term]:
    """The ordering's terms, NULLs last in either direction."""
    return [Term(n.lstrip("-"), n.startswith("-"), False, _nullable(model, n)) for n in names]


def _nullable(model: type[models.Model], name: str) -> bool:
    try:
        return model._meta.get_field(name.lstrip("-")).null
    except FieldDoesNotExist:  # pk, or an annotation such as a search rank
        return False


def after(order: list[Term], values: list) -> Q:
    """Rows strictly after `values` in `order`."""
    condition, equal = Q(pk__in=[]), Q()
    for term, value in zip(order, values, strict=True):
        condition |= equal & term.beyond(value)
        equal &= term.equal(value)
    first, value = order[0], values[0]
    if first.descending and value is not None and not first.nullable:
        # Redundant with `condition`, but a plain range the planner can use on the index.
        condition &= Q(**{f"{first.name}__lte": value})
    return condition


def encode(payload: dict) -> str:
    return signing.dumps(payload, salt=SALT)


def decode(token: str, names: list[str]) -> dict:
    """The cursor of `token`, checked against the ordering `names`; a 400 otherwise."""
    try:
        cursor = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise ValidationError({"cursor": ["Invalid cursor; use the links as given."]}) from None
    if not isinstance(cursor, dict) or cursor.get("o") != names:
        raise ValidationError({"cursor": ["This cursor belongs to another ordering."]})
    well_formed = isinstance(cursor.get("v"), list) and isinstance(cursor.get("n"), int)
    if not well_formed or len(cursor["v"]) != len(names):
        raise ValidationError({"cursor": ["Invalid cursor; use the links as given."]})
    return cursor


def jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
