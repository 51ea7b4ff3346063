"""API rows: ``values()`` dicts plus their to-many parts, in a fixed number of queries.

A model instance costs tens of microseconds to build, and ``prefetch_related``
builds one per related row too; a 500-row page of claims would spend most of
its time there. API rows are plain dicts of the columns the serializers read.

On list pages each to-many part (a claim's subjects, an event's participants)
is fetched for the whole batch in one more query, as tuples. A detail row
instead carries its parts as correlated ``ARRAY(SELECT jsonb_build_object(...))``
columns, so that it takes a single query: on a 50-row page those columns
measured slower than the extra round trip (compiling and decoding them), but
for one row the round trips dominate.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from itertools import islice

from django.contrib.postgres.expressions import ArraySubquery
from django.db import models
from django.db.models import Case, F, OuterRef, Value, When
from django.db.models.functions import JSONObject
from django.db.models.query import ValuesIterable

ACTOR = ("id", "slug", "name", "kind", "country", "description", "updated_at")
ACTOR_DETAIL = (
    *ACTOR,
    *("owner__slug", "owner__name", "state_affiliated", "created_at", "version"),
)
ARTICLE = (
    *("id", "slug", "title", "language", "source", "url", "updated_at"),
    *("publisher__slug", "publisher__name", "agency__slug", "agency__name"),
    *("published_on", "published_precision"),
)
ARTICLE_DETAIL = (*ARTICLE, "body", "created_at", "version")
EVENT = (
    *("id", "slug", "title", "kind", "start_date", "end_date", "date_precision"),
    *("place_name", "place_country", "parent__slug", "parent__title", "updated_at"),
)
EVENT_DETAIL = (*EVENT, "description", "created_at", "version")
CLAIM = (
    *("id", "text", "kind", "status", "said_on", "said_precision", "span_start", "span_end"),
    *("speaker__slug", "speaker__name", "article__slug", "article__title"),
    *("event__slug", "event__title", "updated_at"),
)
CLAIM_DETAIL = (
    *CLAIM,
    *("article__body", "gloss_en", "note", "status_changed_at", "created_at", "version"),
)


def of(queryset: models.QuerySet, columns: tuple[str, ...], rows: type["Rows"], **extra):
    """The queryset as API rows: dicts of `columns` (and `extra` annotations), completed by
    `rows.attach`."""
    queryset = queryset.values(*columns, **extra)
    # values() picks its iterable class the same way; Rows only adds the batch step.
    queryset._iterable_class = rows
    return queryset


class Rows(ValuesIterable):
    """``values()`` dicts, handed to ``attach`` in batches before being yielded.

    A plain evaluation (a page) is one batch, so the number of queries does not
    depend on the page size; ``iterator(chunk_size=n)`` (CSV) makes batches of n.
    """

    def __iter__(self) -> Iterator[dict]:
        rows = super().__iter__()
        size = self.chunk_size if self.chunked_fetch else None
        while batch := list(islice(rows, size)):
            self.attach(batch)
            yield from batch

    def attach(self, rows: list[dict]) -> None:
        """Add each row's to-many parts; one query per part for the whole batch."""


def attach(rows: list[dict], name: str, values: models.QuerySet, build: Callable) -> None:
    """Set ``row[name]`` to the list of ``build(*rest)`` for ``(row id, *rest)`` in `values`."""
    grouped = defaultdict(list)
    for key, *rest in values:
        grouped[key].append(build(*rest))
    for row in rows:
        row[name] = grouped.get(row["id"], [])


def ids(rows: list[dict]) -> list[int]:
    return [row["id"] for row in rows]


def actor(slug: str, name: str) -> dict:
    return {"slug": slug, "name": name}


def _m():
    # Imported late: the models import this package for their QuerySets.
    from libya.desk import models as desk_models

    return desk_models


class EventRows(Rows):
    def attach(self, rows: list[dict]) -> None:
        parts = _m().Participation.objects.filter(event_id__in=ids(rows))
        attach(
            rows,
            "participants",
            parts.order_by("role", "actor__name", "actor__slug").values_list(
                "event_id", "actor__slug", "actor__name", "role"
            ),
            lambda slug, name, role: {"slug": slug, "name": name, "role": role},
        )


class ClaimRows(Rows):
    def attach(self, rows: list[dict]) -> None:
        subjects = _m().Claim.subjects.through.objects.filter(claim_id__in=ids(rows))
        attach(
            rows,
            "subjects",
            subjects.order_by("actor__name", "actor__slug").values_list(
                "claim_id", "actor__slug", "actor__name"
            ),
            actor,
        )


class DetailRows(Rows):
    """Rows whose parts came as ``json_<part>`` columns (the plain names are the models'
    relations, which ``values()`` refuses as annotation names)."""

    def attach(self, rows: list[dict]) -> None:
        unpack_parts(rows)


def unpack_parts(rows: list[dict]) -> None:
    """Rename each ``json_<part>`` column to ``<part>``."""
    for row in rows:
        for key in [key for key in row if key.startswith("json_")]:
            row[key.removeprefix("json_")] = row.pop(key)


def objects(queryset: models.QuerySet, **fields) -> ArraySubquery:
    """A JSON array column: one object of `fields` per row of `queryset`, in its order."""
    return ArraySubquery(queryset.values(json=JSONObject(**fields)))


def _ref(prefix: str, label: str = "name") -> Case:
    """``{slug, <label>}`` of a nullable foreign key, or null."""
    return Case(
        When(**{f"{prefix}__isnull": True}, then=Value(None, models.JSONField())),
        default=JSONObject(slug=F(f"{prefix}__slug"), **{label: F(f"{prefix}__{label}")}),
    )


def _actors(queryset: models.QuerySet) -> ArraySubquery:
    return objects(queryset.order_by("name", "slug"), slug="slug", name="name")


def _claim_refs(claims: models.QuerySet) -> ArraySubquery:
    return objects(
        claims, id="id", text="text", kind="kind", status="status", speaker=_ref("speaker")
    )


def _dated_refs(events: models.QuerySet) -> ArraySubquery:
    fields = ("slug", "title", "kind", "start_date", "date_precision")
    return objects(events.order_by("start_date", "slug"), **{f: f for f in fields})


def actor_detail_parts() -> dict[str, ArraySubquery]:
    m = _m()
    aliases = m.Alias.objects.filter(actor=OuterRef("pk")).order_by("name")
    ties = m.Affiliation.objects.filter(actor=OuterRef("pk")).order_by("kind", "target__name")
    return {
        "json_aliases": objects(aliases, name="name", language="language"),
        "json_affiliations": objects(
            ties,
            kind="kind",
            target=JSONObject(slug="target__slug", name="target__name"),
            start_date="start_date",
            end_date="end_date",
        ),
    }


def article_detail_parts() -> dict[str, ArraySubquery]:
    m = _m()
    claims = m.Claim.objects.published().filter(article=OuterRef("pk"))
    return {
        "json_mentioned_actors": _actors(m.Actor.objects.filter(mentioned_in=OuterRef("pk"))),
        "json_events": _dated_refs(m.Event.objects.filter(articles=OuterRef("pk"))),
        "json_claims": _claim_refs(claims.order_by("span_start", "id")),
    }


def event_detail_parts() -> dict[str, ArraySubquery]:
    m = _m()
    parts = m.Participation.objects.filter(event=OuterRef("pk"))
    articles = m.Article.objects.filter(events=OuterRef("pk")).order_by("published_on", "slug")
    claims = m.Claim.objects.published().filter(event=OuterRef("pk")).order_by("said_on", "id")
    return {
        "json_participants": objects(
            parts.order_by("role", "actor__name", "actor__slug"),
            slug="actor__slug",
            name="actor__name",
            role="role",
        ),
        "json_articles": objects(
            articles,
            slug="slug",
            title="title",
            published_on="published_on",
            published_precision="published_precision",
        ),
        "json_claims": _claim_refs(claims),
        "json_children": _dated_refs(m.Event.objects.filter(parent=OuterRef("pk"))),
    }


def claim_detail_parts() -> dict[str, ArraySubquery]:
    m = _m()
    links = m.ClaimLink.objects.filter(claim=OuterRef("pk")).order_by("relation", "other_id")
    return {
        "json_subjects": _actors(m.Actor.objects.filter(claims_about=OuterRef("pk"))),
        "json_links": objects(
            links,
            relation="relation",
            note="note",
            claim=JSONObject(
                id="other__id", text="other__text", kind="other__kind", status="other__status"
            ),
        ),
    }
