"""Filter backends: FilterSets, strict ordering, and the list options ``fields`` and ``facet``."""

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend, OrderingFilter
from rest_framework.request import Request

from libya.desk.api.filters import RepeatableCSVWidget


class DeskFilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend that skips the FilterSet when no parameter of it is present.

    A FilterSet deep-copies every filter and validates a form on each request
    (about a millisecond); a plain list page needs only the FilterSet's defaults.
    """

    def filter_queryset(self, request: Request, queryset: QuerySet, view) -> QuerySet:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class and not set(request.query_params) & set(filterset_class.base_filters):
            return filterset_class.defaults(queryset)
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request: Request, queryset: QuerySet, view):
        """The request's FilterSet, built and validated once, then filtering `queryset`.

        A request may filter more than once (the page, then a count or facets apart; a
        compiled list, then the queryset path it falls back to), and validating can cost
        a query (filters.RelatedSlugsFilter finds the ids of the slugs given).
        """
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        filterset = getattr(request, "desk_filterset", None)
        if type(filterset) is not filterset_class:
            filterset = filterset_class(**self.get_filterset_kwargs(request, queryset, view))
            request.desk_filterset = filterset
        filterset.queryset = queryset
        filterset.__dict__.pop("_qs", None)  # FilterSet.qs: the last queryset it filtered
        return filterset


class StrictOrderingFilter(OrderingFilter):
    """``ordering`` limited to the view's ``ordering_fields``; anything else is a 400.

    With ``search`` and no ``ordering``, rows come best match first when the
    view names a ``search_ordering``.
    """

    def get_ordering(self, request: Request, queryset: QuerySet, view) -> list[str]:
        raw = request.query_params.get(self.ordering_param)
        if raw is None:
            return self.get_default_ordering_for(request, view)
        terms = raw.split(",")
        allowed = list(view.ordering_fields)
        unknown = [t for t in terms if t.removeprefix("-") not in allowed]
        if unknown:
            raise ValidationError(
                {
                    self.ordering_param: [
                        f"Unknown ordering field(s): {', '.join(map(repr, unknown))}. "
                        f"Allowed: {', '.join(allowed)} (prefix - for descending)."
                    ]
                }
            )
        return terms

    def get_default_ordering_for(self, request: Request, view) -> list[str]:
        if request.query_params.get("search") and getattr(view, "search_ordering", None):
            return list(view.search_ordering)
        return list(view.ordering)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        allowed = ", ".join(view.ordering_fields)
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": f"Comma-separated fields among {allowed}; prefix - for "
                f"descending. Default: {','.join(view.ordering)}.",
                "schema": {"type": "string", "pattern": ordering_pattern(view.ordering_fields)},
                "example": f"-{view.ordering_fields[0]}",
            }
        ]


def ordering_pattern(fields: list[str]) -> str:
    """Comma-separated allowed fields, each optionally prefixed with -."""
    term = f"-?({'|'.join(fields)})"
    return f"^{term}(,{term})*$"


def requested(request: Request, name: str, allowed: list[str]) -> list[str]:
    """Values of a repeatable, comma-separable option, all of them in `allowed` or a 400."""
    values = RepeatableCSVWidget().value_from_datadict(request.query_params, None, name) or []
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValidationError(
            {name: [f"Unknown: {', '.join(map(repr, unknown))}. Allowed: {', '.join(allowed)}."]}
        )
    return list(dict.fromkeys(values))


class ListOptionsBackend(BaseFilterBackend):
    """Validates and documents ``fields`` and ``facet``; filters nothing."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view) -> QuerySet:
        requested(request, "fields", view.row_fields())
        requested(request, "facet", list(view.facet_fields))
        return queryset

    def get_schema_operation_parameters(self, view) -> list[dict]:
        fields, facets = view.row_fields(), list(view.facet_fields)
        return [
            _list_param("fields", f"Keep only these row fields: {', '.join(fields)}.", fields),
            _list_param(
                "facet", f"Add counts per value of: {', '.join(facets)}.", facets, facets[:1]
            ),
        ]


def _list_param(name: str, description: str, choices: list[str], example=None) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "array", "items": {"type": "string", "enum": choices}},
        "style": "form",
        "explode": False,
        "example": example or choices[:2],
    }
