"""Read-only viewsets: declarations on top of a few behaviours, each a mixin."""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.http import Http404, StreamingHttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.decorators import method_decorator
from django.views.decorators.http import conditional_page
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, NotFound, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from libya.desk.api import backends, counting, cursors, filters, statements
from libya.desk.api import inputs as i
from libya.desk.api import serializers as s
from libya.desk.api.graph import GraphSerializer
from libya.desk.api.pagination import KeysetPagination, OffsetPagination
from libya.desk.api.renderers import CSVRenderer, FastJSONRenderer, csv_lines
from libya.desk.api.rows import plan
from libya.desk.api.schema import DeskAutoSchema
from libya.desk.api.statements import DetailStatement
from libya.desk.api.writes import WritableMixin
from libya.desk.graph import actor_graph, graph_data
from libya.desk.models import (
    Actor,
    Alias,
    Article,
    Claim,
    ClaimLink,
    Deletion,
    Event,
    Participation,
)
from libya.desk.models.actors import search_values
from libya.desk.models.claims import actor_timeline

JAN_2020 = [OpenApiExample("from", "2020-01-01"), OpenApiExample("until", "2020-01-31")]
CACHE_SECONDS = 60
FACET_LIMIT = 50
CSV_CHUNK = 1000


class DeskAPIMixin:
    """HTTP behaviour of every API view: NUL refusal, JSON errors, caching, no transaction."""

    pagination_class = KeysetPagination
    schema = DeskAutoSchema()

    @classmethod
    def as_view(cls, *args, **kwargs):
        # Reads need no transaction: skipping ATOMIC_REQUESTS saves two round trips
        # per request (BEGIN/COMMIT), and CSV streams outlive the view anyway.
        return transaction.non_atomic_requests(super().as_view(*args, **kwargs))

    def initial(self, request: Request, *args, **kwargs) -> None:
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            # Before content negotiation, which would answer 404 to `format=csv` first.
            raise MethodNotAllowed(request.method)
        reject_nul_bytes(request)
        if request.query_params.get("format") == "":
            raise NotFound("No such format: ''.")  # DRF would take it for no format at all
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request: Request, response, *args, **kwargs):
        if getattr(response, "exception", False) or response.status_code >= 400:
            # Errors are JSON even when the client asked for CSV.
            request.accepted_renderer, request.accepted_media_type = (
                JSONRenderer(),
                "application/json",
            )
        response = super().finalize_response(request, response, *args, **kwargs)
        return cache_headers(response)


class RowsMixin:
    """Lists and details as dict rows planned from the serializers (see ``rows.py``)."""

    detail_serializer_class: type[s.RowSerializer]

    def get_serializer_class(self) -> type[s.RowSerializer]:
        if self.action == "retrieve":
            return self.detail_serializer_class
        return self.serializer_class

    def get_queryset(self) -> QuerySet:
        detail = self.action == "retrieve"
        return plan(self.get_serializer_class()).rows(self.queryset.all(), detail=detail)

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if self.action == "list":
            context["fields"] = backends.requested(self.request, "fields", self.row_fields())
        return context

    @classmethod
    def row_fields(cls) -> list[str]:
        return list(plan(cls.serializer_class).names)


class CompiledDetailMixin:
    """Details without query parameters through a statement compiled once (statements.py)."""

    def get_object(self) -> dict:
        plain = self.action == "retrieve" and not self.request.query_params
        statement = self.detail_statement() if plain else None
        if statement is None:
            return super().get_object()
        row = statement.fetch(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        if row is None:
            raise Http404
        self.check_object_permissions(self.request, row)
        return row

    def detail_statement(self) -> DetailStatement | None:
        # Every detail request without query parameters filters the same way, so they
        # all share the SQL compiled from the first one.
        cls = type(self)
        if "_detail_statement" not in cls.__dict__:
            queryset = self.filter_queryset(self.get_queryset())
            cls._detail_statement = DetailStatement.compile(queryset, self.lookup_field)
        return cls._detail_statement


class CompiledListMixin:
    """JSON list pages through statements compiled once per shape (statements.ListStatement).

    The shape is what decides the SQL text: the parameter names given, the ordering,
    the page size and number (inlined as LIMIT/OFFSET), a cursor's direction, the
    number of values of each filter and the types of the values. The values themselves
    (filters, a cursor's position) are bound. Requests are validated as on the queryset
    path, in the same order, so that a bad one gets the same 400. A search, facets,
    an unknown parameter or a shape that cannot be compiled safely take the queryset path.
    """

    # Parameters a compiled list understands, besides its FilterSet's filters.
    compiled_options = frozenset({"ordering", "fields", "page", "page_size", "cursor", "format"})
    # Filters whose values choose the SQL (a search picks its plan by the term).
    uncompiled_filters = frozenset({"search"})
    # Filters whose values change which plan is best, so that a statement with them is not
    # prepared (statements.ListStatement): PostgreSQL may then keep one generic plan for
    # every value, and the best plan for a search depends on how common its term is.
    unprepared_filters = frozenset({"search"})

    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.compiled_page(request)
        if page is None:
            return super().list(request, *args, **kwargs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def compiled_page(self, request: Request) -> list | None:
        """The page's rows through a compiled statement, or None for the queryset path."""
        params = request.query_params
        filters = self.filterset_class.base_filters
        given = [name for name in params if name in filters]
        if (
            type(self.paginator) is not KeysetPagination
            or self.filter_backends != DeskViewSet.filter_backends
            or not set(params) <= self.compiled_options.union(given)
            or not self.compiles(given, params)
        ):
            return None
        filterset = self.validated_filters(request, given)
        values, shape = self.filter_values(filterset, sorted(given))
        if values is None:
            return None
        shape += self.planned_shape(filterset)
        ordering = backends.StrictOrderingFilter().get_ordering(request, None, self)
        backends.ListOptionsBackend().filter_queryset(request, None, self)
        paginator = self.paginator
        paginator.locate(request, cursors.unique(ordering), self.queryset.model)
        paginator.settled = self.settled_count(request)
        values += paginator.beyond
        key = (
            self.serializer_class,  # what the rows select, should it be swapped
            self.filterset_class,
            frozenset(params),
            tuple(shape),
            tuple(ordering),
            paginator.size,
            paginator.number,
            None if paginator.cursor is None else bool(paginator.cursor["r"]),
            paginator.settled is None,  # whether the page statement counts
            statements.shape_of(values),
        )
        statement, planned = self.list_statement(key, filterset, sorted(given), ordering, values)
        if statement is None:
            return None

        def unpaged() -> QuerySet:  # for a count the page's rows do not carry
            return cursors.ordered(self.filter_queryset(self.get_queryset()), paginator.order)

        estimate = None if planned is None else lambda: planned.estimate(values)
        return paginator.page_rows(statement.fetch(values), unpaged, estimate)

    def settled_count(self, request: Request) -> int | None:
        """A first page's count known before it is read (else counted with the page)."""
        return None

    def compiles(self, given: list[str], params) -> bool:
        """Whether the filters `given` (with `params`) build one SQL text per shape."""
        return not self.uncompiled_filters.intersection(given)

    def planned_shape(self, filterset) -> list:
        """What the request's values decide of the SQL beyond its shape, decided now."""
        return []

    def validated_filters(self, request: Request, given: list[str]):
        """The request's FilterSet, validated as DeskFilterBackend does; None if unused."""
        if not given:
            return None
        backend = backends.DeskFilterBackend()
        filterset = backend.get_filterset(request, self.queryset, self)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return filterset

    def bound_value(self, filterset, name: str):
        """What the statement binds for the filter `name`: its cleaned value, or a list of
        values for several; the filter is then built with stand-ins of the same shape."""
        return filterset.form.cleaned_data.get(name)

    def filter_values(self, filterset, given: list[str]) -> tuple[list | None, list]:
        """The bound values of the filters given, flattened, and how many each has."""
        values, shape = [], []
        for name in given:
            value = self.bound_value(filterset, name)
            many = isinstance(value, list)
            items = value if many else [value]
            if value is None or len(set(items)) != len(items):
                # Repeated values: IN drops the repeats, and the markers would not.
                return None, shape
            values += items
            shape.append((name, len(items) if many else None))
        return values, shape

    def list_statement(self, key: tuple, filterset, given, ordering, values) -> tuple:
        """(the page's statement, the unpaged list's for the planner's estimate), or Nones."""
        cls = type(self)
        if "_list_statements" not in cls.__dict__:
            cls._list_statements = {}
        known = cls._list_statements
        if key in known:
            return known[key]
        if len(known) >= statements.MAX_SHAPES:
            return None, None

        def page(sample: list) -> QuerySet:
            rest = sample[:]  # the cursor's values, once the filters' are taken out
            ordered = self.marked(filterset, given, ordering, rest)
            return self.paginator.page_query(ordered, beyond=rest)

        def unpaged(sample: list) -> QuerySet:  # as counting.estimated_rows() explains it
            return self.marked(filterset, given, ordering, sample[:]).order_by()

        compile_ = statements.ListStatement.compile
        found = compile_(page, values, prepared=not self.unprepared_filters.intersection(given))
        # A cursor carries its count; a first page may need the planner's estimate.
        planned = None
        if found is not None and self.paginator.cursor is None:
            planned = compile_(unpaged, values, plan_only=True)
        # Two threads may compile one shape at once: both get the same statements.
        known[key] = (found, planned)
        return known[key]

    def marked(self, filterset, given: list[str], ordering: list[str], sample: list) -> QuerySet:
        """The ordered list with `sample` in place of the filters' values (taken out of it)."""
        queryset = self.get_queryset()
        backend = backends.DeskFilterBackend()
        filterset_class = backend.get_filterset_class(self, queryset)
        if filterset is None:
            queryset = filterset_class.defaults(queryset)
        else:
            request_values = filterset.form.cleaned_data
            cleaned = dict(request_values)
            for name in given:
                value = self.bound_value(filterset, name)
                if isinstance(value, list):
                    cleaned[name] = [sample.pop(0) for _ in value]
                else:
                    cleaned[name] = sample.pop(0)
            filterset.form.cleaned_data = cleaned
            filterset.queryset = queryset
            try:
                queryset = filterset.filter_queryset(queryset.all())
            finally:  # the next compilation reads the request's values again
                filterset.form.cleaned_data = request_values
        queryset = queryset.order_by(*ordering)
        if cursors.ordering(queryset) != self.paginator.names:
            raise EmptyResultSet  # not expected; the queryset path then
        return cursors.ordered(queryset, self.paginator.order)


class FacetMixin:
    """``facet=name``: counts per value of a column over the whole filtered list."""

    facet_fields: dict[str, str] = {}

    def list(self, request: Request, *args, **kwargs) -> Response:
        response = super().list(request, *args, **kwargs)
        facets = backends.requested(request, "facet", list(self.facet_fields))
        if facets and isinstance(response, Response):
            queryset = self.filter_queryset(self.get_queryset())
            response.data["facets"] = {name: self.facet(queryset, name) for name in facets}
        return response

    def facet(self, queryset: QuerySet, name: str) -> list[dict]:
        """Rows per value of one facet, commonest first."""
        rows = (
            queryset.order_by()
            .values(value=F(self.facet_fields[name]))
            .annotate(count=Count("pk", distinct=True))
            .order_by("-count", "value")[:FACET_LIMIT]
        )
        return list(rows)


class CSVMixin:
    """``format=csv`` (or Accept: text/csv) streams every matching list row."""

    def list(self, request: Request, *args, **kwargs) -> Response | StreamingHttpResponse:
        if request.accepted_renderer.format == "csv":
            self.paginator.check_parameters(request)  # ignored by CSV, but still checked
            return self.stream_csv(self.filter_queryset(self.get_queryset()))
        return super().list(request, *args, **kwargs)

    def stream_csv(self, queryset: QuerySet) -> StreamingHttpResponse:
        """Every matching row, fetched in chunks through a server-side cursor."""
        serializer = self.get_serializer()
        columns = serializer.context["fields"] or self.row_fields()
        build = plan(self.serializer_class).build
        rows = (build(row) for row in queryset.iterator(chunk_size=CSV_CHUNK))
        response = StreamingHttpResponse(csv_lines(rows, columns), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{self.basename}s.csv"'
        return response

    def get_renderers(self) -> list:
        if self.action == "list":
            return [FastJSONRenderer(), CSVRenderer()]
        return [FastJSONRenderer()]


# ETag from a hash of the body, and 304 when If-None-Match matches it.
@method_decorator(conditional_page, name="dispatch")
class DeskViewSet(
    DeskAPIMixin,
    CSVMixin,
    FacetMixin,
    CompiledListMixin,
    CompiledDetailMixin,
    RowsMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """A resource: filters, strict ordering, keyset pages, facets, CSV, compiled details."""

    filter_backends = [
        backends.DeskFilterBackend,
        backends.StrictOrderingFilter,
        backends.ListOptionsBackend,
    ]
    search_ordering: list[str] | None = None


class WritableResource(WritableMixin):
    """Writes answered with the resource's detail, as GET shows it."""

    def detail_body(self, instance) -> dict:
        rows = plan(self.detail_serializer_class).rows(
            self.queryset.model.objects.filter(pk=instance.pk), detail=True
        )
        return self.detail_serializer_class(rows.get()).data


class LinkPagination(LimitOffsetPagination):
    """Limit/offset pages; a limit or offset that is not a whole number is a 400, where
    DRF would fall back to its default and answer a page the client did not ask for."""

    default_limit = 50
    max_limit = 500

    def get_limit(self, request: Request) -> int | None:
        whole_numbers(request, self.limit_query_param)
        return super().get_limit(request)

    def get_offset(self, request: Request) -> int:
        whole_numbers(request, self.offset_query_param)
        return super().get_offset(request)


def whole_numbers(request: Request, name: str) -> None:
    values = request.query_params.getlist(name)
    if any(not value.lstrip("-").isdigit() for value in values):
        raise ValidationError({name: ["A whole number is required."]})


class LinkViewSet(
    DeskAPIMixin,
    WritableMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """A small record that ties two others (alias, participation, claim link), by id."""

    pagination_class = LinkPagination
    renderer_classes = [FastJSONRenderer]
    lookup_value_regex = "[0-9]+"
    lookup_example = 1

    def get_serializer_class(self):
        return self.input_serializer_class


def reject_nul_bytes(request: Request) -> None:
    """PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database."""
    bad = [k for k, values in request.query_params.lists() if any("\x00" in v for v in values)]
    bad += [k for k in request.query_params if "\x00" in k]
    if bad:
        raise ValidationError({name: ["NUL characters are not allowed."] for name in bad})


def cache_headers(response):
    """Public caching for successes, none for errors; the body depends on Accept."""
    if response.status_code < 400:
        patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    else:
        patch_cache_control(response, no_store=True)
    patch_vary_headers(response, ["Accept"])
    return response


class ArticleViewSet(WritableResource, DeskViewSet):
    """Articles, newest first; `search` ranks French full-text matches."""

    input_serializer_class = i.ArticleInput

    queryset = Article.objects.all()
    serializer_class = s.ArticleSerializer
    detail_serializer_class = s.ArticleDetailSerializer
    filterset_class = filters.ArticleFilterSet
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    lookup_example = filters.ARTICLE_EXAMPLE
    ordering_fields = ["published_on", "title", "slug", "updated_at"]
    ordering = ["-published_on", "slug"]
    search_ordering = ["-search_rank", "-published_on", "slug"]
    # A search compiles too: ranked, one statement per plan of its candidates (planned_shape).
    uncompiled_filters = frozenset({"snippet"})
    # A publisher's best plan depends on how many articles it has (filters.RelatedSlugsFilter):
    # walk its date index for a large one, sort the window of a small one. Planned each time.
    unprepared_filters = frozenset({"search", "publisher"})
    facet_fields = {
        "publisher": "publisher__slug",
        "language": "language",
        "actor": "mentioned_actors__slug",
        "event": "events__slug",
    }

    def compiles(self, given: list[str], params) -> bool:
        # A ranked search's later pages carry a rank (a float) in their cursor, which no
        # compiled statement binds: they take the queryset path before any plan is chosen.
        ranked = "search" in given and "ordering" not in params
        return super().compiles(given, params) and not (ranked and "cursor" in params)

    def settled_count(self, request: Request) -> int | None:
        # Counting a date-sorted search reads each match's vector up to counting.LIMIT
        # (20 to 40 ms for a word in a fifth of tier M's articles) and then reports the
        # planner's estimate. Expected far above that limit, the estimate is reported
        # without counting. Only for the search alone: other filters narrow it.
        params = request.query_params
        term = params.get("search", "").strip()
        given = {name for name in params if name in self.filterset_class.base_filters}
        if not term or "ordering" not in params or given - {"search", "snippet"}:
            return None
        estimate = Article.objects.estimated_matches(term)
        return estimate if estimate > counting.SETTLED_ABOVE else None

    def planned_shape(self, filterset) -> list:
        # Ranked, a search finds its candidates by the plan its term's estimated matches
        # choose (ArticleQuerySet.ranked_search): chosen here from the request's term, for
        # the statement to be compiled (and found again) per plan.
        term = filterset.form.cleaned_data.get("search") if filterset else None
        if not term or "ordering" in filterset.data:
            return []
        filterset.walk = Article.objects.walks_to_candidates(term)
        return [("walk", filterset.walk)]


class ActorViewSet(WritableResource, DeskViewSet):
    """Actors by name; `search` matches any alias, accents and small misspellings aside."""

    input_serializer_class = i.ActorInput

    queryset = Actor.objects.all()
    serializer_class = s.ActorSerializer
    detail_serializer_class = s.ActorDetailSerializer
    filterset_class = filters.ActorFilterSet
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    lookup_example = "khalifa-haftar"
    ordering_fields = ["name", "slug", "kind", "country", "updated_at"]
    ordering = ["name", "slug"]
    search_ordering = ["-search_score", "name", "slug"]
    facet_fields = {
        "kind": "kind",
        "country": "country",
        "event": "participations__event__slug",
        "article": "mentioned_in__slug",
    }
    # A search's SQL depends only on how many words it looks up (search_values()), which
    # bound_value() makes part of the shape: it compiles like any other filter.
    uncompiled_filters = frozenset()

    def bound_value(self, filterset, name: str):
        value = super().bound_value(filterset, name)
        if name == "search":
            # A term without a word finds no actor: the queryset path says so (None).
            return search_values(value) or None
        return value

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "date_after", OpenApiTypes.DATE, description=s.DATE_AFTER, examples=[JAN_2020[0]]
            ),
            OpenApiParameter(
                "date_before", OpenApiTypes.DATE, description=s.DATE_BEFORE, examples=[JAN_2020[1]]
            ),
        ],
        responses=s.TimelineItemSerializer(many=True),
        summary="An actor's events and claims, newest first",
    )
    @action(detail=True, filter_backends=[], pagination_class=OffsetPagination)
    def timeline(self, request: Request, slug: str) -> Response:
        """Events the actor took part in and claims it made or is the subject of, one list."""
        actor = self.get_object()
        # A plain dict: DRF reads "" in a QueryDict as "not given"; for a date it is a 400.
        params = s.TimelineParamsSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        items = actor_timeline(
            actor["id"],
            params.validated_data.get("date_after"),
            params.validated_data.get("date_before"),
        )
        page = self.paginate_queryset(items)
        return self.get_paginated_response(s.TimelineItemSerializer(page, many=True).data)

    @extend_schema(responses=GraphSerializer, summary="An actor's network of relations")
    @action(detail=True, filter_backends=[], pagination_class=None)
    def graph(self, request: Request, slug: str) -> Response:
        """Affiliations, co-participants in events, and actors its claims name, with sources."""
        actor = Actor.objects.only("slug", "name", "kind").get(pk=self.get_object()["id"])
        return Response(graph_data(actor_graph(actor)))


class EventViewSet(WritableResource, DeskViewSet):
    """Events, newest first; date filters match any overlap with the event's span."""

    input_serializer_class = i.EventInput

    queryset = Event.objects.all()
    serializer_class = s.EventSerializer
    detail_serializer_class = s.EventDetailSerializer
    filterset_class = filters.EventFilterSet
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    lookup_example = "moscow-talks-2020-01-13"
    ordering_fields = ["start_date", "title", "slug", "kind", "updated_at"]
    ordering = ["-start_date", "slug"]
    facet_fields = {
        "kind": "kind",
        "actor": "participations__actor__slug",
        "role": "participations__role",
        "place": "place_name",
        "article": "articles__slug",
        "parent": "parent__slug",
    }


class ClaimViewSet(WritableResource, DeskViewSet):
    """Claims, newest first; retracted ones only when `status` asks for them."""

    input_serializer_class = i.ClaimInput

    queryset = Claim.objects.all()
    serializer_class = s.ClaimSerializer
    detail_serializer_class = s.ClaimDetailSerializer
    filterset_class = filters.ClaimFilterSet
    lookup_value_regex = "[0-9]+"
    lookup_example = 1
    ordering_fields = ["said_on", "id", "updated_at", "status"]
    ordering = ["-said_on", "-id"]
    facet_fields = {
        "speaker": "speaker__slug",
        "subject": "subjects__slug",
        "article": "article__slug",
        "event": "event__slug",
        "kind": "kind",
        "status": "status",
    }


@method_decorator(conditional_page, name="dispatch")
class DeletionViewSet(DeskAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Records removed or merged away, oldest first, so that mirrors can drop them."""

    queryset = Deletion.objects.all()
    serializer_class = s.DeletionSerializer

    def get_queryset(self) -> QuerySet:
        return plan(self.serializer_class).rows(self.queryset.all())

    filterset_class = filters.DeletionFilterSet
    filter_backends = [backends.DeskFilterBackend]
    renderer_classes = [FastJSONRenderer]


class AliasViewSet(LinkViewSet):
    """Spellings an actor goes by; written by editors' keys."""

    queryset = Alias.objects.select_related("actor").order_by("id")
    input_serializer_class = i.AliasInput


class ParticipationViewSet(LinkViewSet):
    """Who took part in which event, in what role."""

    queryset = Participation.objects.select_related("event", "actor").order_by("id")
    input_serializer_class = i.ParticipationInput


class ClaimLinkViewSet(LinkViewSet):
    """A claim corroborating or contradicting another."""

    queryset = ClaimLink.objects.order_by("id")
    input_serializer_class = i.ClaimLinkInput
