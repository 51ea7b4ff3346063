"""Query parameters: one FilterSet per resource (backends.py applies them).

Multi-valued parameters take repeated values (``?kind=talks&kind=visit``), a
comma-separated list (``?kind=talks,visit``) or both; rows match any of them.
"""

import copy
from datetime import UTC, datetime
from typing import Any

import django_filters as df
from django import forms
from django.db import connections, router
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.http import QueryDict
from django_filters.fields import BaseCSVField, IsoDateTimeField
from django_filters.widgets import BaseCSVWidget

from libya.desk.models import Actor, Article, Claim, Deletion, Event, Participation
from libya.desk.models.common import FoldedText

ARTICLE_EXAMPLE = "discussions-a-moscou-sur-la-libye-haftar-part-sans-signer-laccord-malgre-un"


class RepeatableCSVWidget(BaseCSVWidget, forms.TextInput):
    """Reads every occurrence of the parameter and splits each on commas, exactly.

    An empty value (``?kind=``, ``?actor=a,,b``) is kept, for the field to refuse: the
    schema declares at least one item and no empty item, the same for every list.
    """

    def value_from_datadict(self, data, files, name: str) -> list[str] | None:
        if name not in data:
            return None
        values = data.getlist(name) if hasattr(data, "getlist") else [data[name]]
        return [part for value in values for part in value.split(",")]


class RepeatableCSVField(BaseCSVField):
    base_widget_class = RepeatableCSVWidget

    def clean(self, value: list[str] | None) -> list[str] | None:
        if value is not None and "" in value:
            raise forms.ValidationError("Empty value; give at least one, without empty items.")
        return super().clean(value)


class ValuesFilter(df.BaseInFilter, df.CharFilter):
    """Any of several values; ``many=True`` when the path crosses a to-many relation.

    A join through a to-many relation repeats a row once per match, so those
    paths filter through ``pk IN (subquery)`` instead, which keeps each row once.
    """

    base_field_class = RepeatableCSVField

    def __init__(self, *args: Any, many: bool = False, **kwargs: Any) -> None:
        self.many = many
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: list[str] | None) -> QuerySet:
        if not value:
            return qs
        lookup = {f"{self.field_name}__in": value}
        if self.many:
            return qs.filter(pk__in=qs.model._base_manager.filter(**lookup).values("pk"))
        return qs.filter(**lookup)


class ChoicesFilter(df.BaseInFilter, df.ChoiceFilter):
    """Any of several values from a controlled vocabulary; others are a 400."""

    base_field_class = RepeatableCSVField


class RelatedSlugsField(RepeatableCSVField):
    """Slugs in, the ids of the `related` model's rows that have them out (unknown ones
    dropped): one primary-key lookup, made while the request is validated."""

    related: Any = None  # set by RelatedSlugsFilter once its FilterSet knows the model

    def clean(self, value: list[str] | None) -> list[int] | None:
        slugs = super().clean(value)
        if slugs is None:
            return None
        # The SQL of `related._base_manager.filter(slug__in=slugs).values_list("pk")`, as
        # text: building and compiling that queryset took 0.21 ms a request, this 0.09
        # (with the round trip). Table and column names come from the model.
        meta = self.related._meta
        connection = connections[router.db_for_read(self.related)]
        name = connection.ops.quote_name
        sql = (
            f"SELECT {name(meta.pk.column)} FROM {name(meta.db_table)}"
            f" WHERE {name(meta.get_field('slug').column)} = ANY(%s)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [slugs])
            return [key for (key,) in cursor.fetchall()]


class RelatedSlugsFilter(ValuesFilter):
    """Slugs of a to-one relation, filtered by the related rows' ids, found first.

    Why not join on the slug, as ValuesFilter does: PostgreSQL plans the join before it
    knows which related row the slug names, so it estimates the rows from the average
    one. A publisher with 21,993 of tier M's articles, among publishers that average 40,
    is estimated at a few rows, and its newest page sorts every article of its window
    (2,285 for 18 months: 5-6.5 ms) where walking the (publisher, date) index would stop
    after the page (0.9 ms). With the id bound, the planner reads that id's own
    frequency in the column's statistics. The list then filters on the foreign key alone.
    """

    base_field_class = RelatedSlugsField

    @property
    def field(self) -> RelatedSlugsField:
        field = super().field
        relation = self.field_name.removesuffix("__slug")
        field.related = self.model._meta.get_field(relation).related_model
        return field

    def filter(self, qs: QuerySet, value: list[int] | None) -> QuerySet:
        if value is None:
            return qs
        relation = self.field_name.removesuffix("__slug")
        return qs.filter(**{f"{relation}__in": value})  # none for no known slug


def slugs(field_name: str, help_text: str, many: bool = False) -> ValuesFilter:
    return ValuesFilter(field_name=field_name, help_text=help_text, many=many)


# An empty parameter (``?since=``) is a value like any other: for a date it is not one, a
# 400, as the schema says. Django's form fields would instead read "" as "not given".
PRESENT = (None,)


class DateField(forms.DateField):
    empty_values = PRESENT


class DateFilter(df.DateFilter):
    field_class = DateField


class SwitchField(forms.ChoiceField):
    """``true`` or ``false``; empty is neither, a 400 (ChoiceField would read it as absent)."""

    def to_python(self, value: Any) -> str | None:
        return value  # None when the parameter is absent; "" is a value like any other

    def validate(self, value: str | None) -> None:
        if value is not None and not self.valid_value(value):
            message = self.error_messages["invalid_choice"]
            raise forms.ValidationError(message, code="invalid_choice", params={"value": value})


class SwitchFilter(df.ChoiceFilter):
    field_class = SwitchField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, choices=[("true", "true"), ("false", "false")], **kwargs)


class UTCDateTimeField(IsoDateTimeField):
    """An ISO 8601 timestamp, moved to UTC here: PostgreSQL refuses offsets beyond ±15:59."""

    empty_values = PRESENT

    def to_python(self, value: Any) -> datetime | None:
        moment = super().to_python(value)
        try:
            return None if moment is None else moment.astimezone(UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError("Timestamp out of range.", code="invalid") from None


class TimestampFilter(df.IsoDateTimeFilter):
    field_class = UTCDateTimeField


class DeskFilterSet(df.FilterSet):
    """Parameters shared by every list; ``examples`` feed the OpenAPI schema."""

    updated_after = TimestampFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Rows created or changed at or after this ISO 8601 timestamp (for sync).",
    )

    examples: dict[str, Any] = {"updated_after": "2026-01-01T00:00:00Z"}

    @classmethod
    def defaults(cls, queryset: QuerySet) -> QuerySet:
        """What a list shows before any parameter narrows it."""
        return queryset

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None) -> None:
        # django-filter's own __init__, but for the copies of the filters: it deep-copies
        # every filter (and its form field, choices, widget...) on each request, about half
        # a millisecond on a filtered list. A filter keeps no state of the request but its
        # parent and model, which each copy gets here (shallow_copy rebinds its method).
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: shallow_copy(f) for name, f in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self

    def get_form_class(self) -> type[forms.Form]:
        # django-filter builds a form class per request, labels and all (~1 ms);
        # the fields depend only on the FilterSet class, so build it once per class.
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            form_class = super().get_form_class()
            form_class.base_fields = ShallowCopiedFields(form_class.base_fields)
            cls._form_class = form_class
        return cls._form_class


def shallow_copy(filter_: df.Filter) -> df.Filter:
    """A filter's copy for one request, whose ``method`` calls this copy's parent."""
    copied = copy.copy(filter_)
    if filter_.method is not None:
        copied.method = filter_.method  # the setter binds a FilterMethod to the copy
    return copied


class ShallowCopiedFields(dict):
    """A form's fields, copied one level deep for each form (Django's forms deep-copy them).

    Validating a query string reads a field, its widget, validators and error messages
    and writes none of them; rendering (which the API never does) may write the widget's
    attributes, so each form still gets its own widget objects.
    """

    def __deepcopy__(self, memo) -> dict:
        fields = {}
        for name, field in self.items():
            fields[name] = copy.copy(field)
            fields[name].widget = copy.copy(field.widget)
        return fields


class ArticleFilterSet(DeskFilterSet):
    search = df.CharFilter(
        method="filter_search",
        help_text="French full-text query, stemmed (négocier finds négociations); "
        '"quoted phrase", -exclusion and OR work. Sorted by relevance unless `ordering` '
        "is given; relevance ranks the 1,000 newest matches. `ordering=-published_on` "
        "gives the newest matches first, unranked.",
    )
    snippet = SwitchFilter(
        method="filter_snippet",
        help_text="With `search`, `true` fills each row's `snippet` with the passages that "
        "match, in <mark> (it re-reads each row's body). Default: false.",
    )
    published_after = DateFilter(
        method="filter_published_after",
        help_text="Published on or after this date (inclusive; a month-precision date "
        "matches when its month overlaps).",
    )
    published_before = DateFilter(
        method="filter_published_before", help_text="Published on or before this date (inclusive)."
    )
    publisher = RelatedSlugsFilter(field_name="publisher__slug", help_text="Publisher slug(s).")
    language = ValuesFilter(field_name="language", help_text="Language code(s): fr, en...")
    actor = slugs("mentioned_actors__slug", "Slug(s) of actors mentioned.", many=True)
    event = slugs("events__slug", "Slug(s) of events the article reports.", many=True)

    examples = DeskFilterSet.examples | {
        "search": "négocier cessez-le-feu",
        "snippet": "true",
        "published_after": "2020-01-01",
        "published_before": "2020-01-31",
        "publisher": ["rt-en-francais"],
        "language": ["fr"],
        "actor": ["khalifa-haftar"],
        "event": ["moscow-talks-2020-01-13"],
    }

    class Meta:
        model = Article
        fields: list[str] = []

    # How a ranked search finds its candidates, when chosen before the filters run (a
    # compiled list chooses it from the request's term, then builds with a stand-in).
    walk: bool | None = None

    def filter_search(self, qs, name: str, value: str):
        if "ordering" in self.data:
            return qs.search(value)
        return qs.ranked_search(value, walk=self.walk)

    def filter_snippet(self, qs, name: str, value: str):
        term = self.form.cleaned_data.get("search")
        if value == "true" and term:
            return qs.with_snippets(term)
        return qs

    def filter_published_after(self, qs, name: str, value):
        return qs.published_between(value, None)

    def filter_published_before(self, qs, name: str, value):
        return qs.published_between(None, value)


class ActorFilterSet(DeskFilterSet):
    search = df.CharFilter(
        method="filter_search",
        help_text="Name or any alias, accent-insensitive and tolerant of small misspellings "
        "(Choigou, Hafter); best match first unless `ordering` is given.",
    )
    kind = ChoicesFilter(choices=Actor.Kind.choices, help_text="Kind(s) of actor.")
    country = ValuesFilter(field_name="country", help_text="ISO 3166-1 alpha-2 code(s).")
    event = slugs("participations__event__slug", "Slug(s) of events taken part in.", many=True)
    article = slugs("mentioned_in__slug", "Slug(s) of articles mentioning the actor.", many=True)

    examples = DeskFilterSet.examples | {
        "search": "Choigou",
        "kind": ["person"],
        "country": ["LY", "RU"],
        "event": ["moscow-talks-2020-01-13"],
        "article": [ARTICLE_EXAMPLE],
    }

    class Meta:
        model = Actor
        fields: list[str] = []

    def filter_search(self, qs, name: str, value: str | list[str]):
        # A list is the term's search_values(), as a compiled list binds them (views.py).
        return qs.search_bound(value) if isinstance(value, list) else qs.search(value)


class EventFilterSet(DeskFilterSet):
    search = df.CharFilter(
        method="filter_search",
        help_text="French full-text query over title, place and description.",
    )
    date_after = DateFilter(
        method="filter_date_after",
        help_text="Events whose span reaches this date or later (overlap, inclusive).",
    )
    date_before = DateFilter(
        method="filter_date_before",
        help_text="Events whose span starts on or before this date (overlap, inclusive).",
    )
    kind = ChoicesFilter(choices=Event.Kind.choices, help_text="Kind(s) of event.")
    actor = ValuesFilter(
        method="filter_actor",
        help_text="Slug(s) of participants; with `role`, in that role.",
    )
    role = ChoicesFilter(
        method="filter_role",
        choices=Participation.Role.choices,
        help_text="Participant role(s): events where some participant (or `actor`) had one.",
    )
    place = ValuesFilter(
        method="filter_place",
        help_text="Place name(s) (case- and accent-insensitive) or country code(s).",
    )
    article = slugs("articles__slug", "Slug(s) of articles reporting the event.", many=True)
    parent = slugs("parent__slug", "Slug(s) of the larger event.")

    examples = DeskFilterSet.examples | {
        "search": "pourparlers",
        "date_after": "2020-01-01",
        "date_before": "2020-01-31",
        "kind": ["talks"],
        "actor": ["khalifa-haftar"],
        "role": ["party"],
        "place": ["Moscou"],
        "article": [ARTICLE_EXAMPLE],
        "parent": ["moscow-talks-2020-01-13"],
    }

    class Meta:
        model = Event
        fields: list[str] = []

    def filter_search(self, qs, name: str, value: str):
        return qs.search(value)

    def filter_date_after(self, qs, name: str, value):
        return qs.between(value, None)

    def filter_date_before(self, qs, name: str, value):
        return qs.between(None, value)

    def filter_actor(self, qs, name: str, value: list[str]):
        return self._participation(qs, value, self.form.cleaned_data.get("role"))

    def filter_role(self, qs, name: str, value: list[str]):
        if self.form.cleaned_data.get("actor"):
            return qs  # applied together with `actor`, to the same participation
        return self._participation(qs, None, value)

    def _participation(self, qs, actors: list[str] | None, roles: list[str] | None):
        if not actors and not roles:
            return qs
        rows = Participation.objects.filter(event=OuterRef("pk"))
        if actors:
            rows = rows.filter(actor__slug__in=actors)
        if roles:
            rows = rows.filter(role__in=roles)
        return qs.filter(Exists(rows))

    def filter_place(self, qs, name: str, value: list[str]):
        if not value:
            return qs
        folded = [FoldedText(Value(v)) for v in value]
        return qs.alias(place_folded=FoldedText("place_name")).filter(
            Q(place_folded__in=folded) | Q(place_country__in=[v.upper() for v in value])
        )


class ClaimFilterSet(DeskFilterSet):
    search = df.CharFilter(method="filter_search", help_text="French full-text query over text.")
    speaker = slugs("speaker__slug", "Speaker slug(s).")
    subject = slugs("subjects__slug", "Slug(s) of actors the claim is about.", many=True)
    article = slugs("article__slug", "Slug(s) of the article it is made in.")
    event = slugs("event__slug", "Slug(s) of the event it is about.")
    kind = ChoicesFilter(choices=Claim.Kind.choices, help_text="Kind(s) of claim.")
    status = ChoicesFilter(
        choices=Claim.Status.choices,
        help_text="Editorial status(es). Retracted claims are listed only when asked for here.",
    )
    said_after = DateFilter(field_name="said_on", lookup_expr="gte", help_text="Said on or after.")
    said_before = DateFilter(
        field_name="said_on", lookup_expr="lte", help_text="Said on or before (inclusive)."
    )

    examples = DeskFilterSet.examples | {
        "search": "trêve",
        "speaker": ["sergei-lavrov"],
        "subject": ["khalifa-haftar"],
        "article": [ARTICLE_EXAMPLE],
        "event": ["moscow-talks-2020-01-13"],
        "kind": ["direct_quote"],
        "status": ["verified", "retracted"],
        "said_after": "2020-01-13",
        "said_before": "2020-01-14",
    }

    class Meta:
        model = Claim
        fields: list[str] = []

    @classmethod
    def defaults(cls, queryset: QuerySet) -> QuerySet:
        return queryset.published()

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if not self.form.cleaned_data.get("status"):
            queryset = self.defaults(queryset)
        return super().filter_queryset(queryset)

    def filter_search(self, qs, name: str, value: str):
        return qs.search(value)


class DeletionFilterSet(DeskFilterSet):
    updated_after = None

    since = TimestampFilter(
        field_name="deleted_at",
        lookup_expr="gte",
        help_text="Records removed at or after this ISO 8601 timestamp.",
    )
    resource = ChoicesFilter(
        choices=Deletion.Resource.choices,
        help_text="Resource(s): actor, article, event, claim.",
    )

    examples = {"since": "2026-01-01T00:00:00Z", "resource": ["actor"]}
