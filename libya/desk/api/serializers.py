"""Response shapes: list rows, and richer details that extend them.

Declared fields describe each shape for the OpenAPI schema; ``row()`` builds
the same dict straight from a ``values()`` row (see ``querysets/rows.py``). A
DRF field walk costs microseconds per value, which would dominate a 500-row
page; the schema conformance run in tests/api/test_schema_fuzz.py keeps the
declared fields and ``row()`` in step.
"""

from datetime import date
from typing import Any

from rest_framework import serializers

from libya.desk.models import Actor, Claim, DatePrecision, Deletion, Event, Participation

PASSAGE_CHARS = 300


def date_label(day: date | None, precision: str) -> str | None:
    """The date as far as it is known: ``2020-06-14``, ``2020-06`` or ``2020``."""
    if day is None or precision == DatePrecision.UNKNOWN:
        return None
    if precision == DatePrecision.MONTH:
        return f"{day:%Y-%m}"
    if precision == DatePrecision.YEAR:
        return f"{day:%Y}"
    return day.isoformat()


def ref(row: dict, prefix: str, label: str) -> dict | None:
    """The ``{slug, <label>}`` reference stored flat as ``<prefix>__slug``; None when unset."""
    slug = row[f"{prefix}__slug"]
    return None if slug is None else {"slug": slug, label: row[f"{prefix}__{label}"]}


class RowSerializer(serializers.Serializer):
    """Read-only shape whose representation is ``row()``, trimmed to ``context["fields"]``."""

    def to_representation(self, instance: Any) -> dict:
        row = self.row(instance)
        fields = self.context.get("fields")
        return {name: row[name] for name in fields} if fields else row

    def row(self, instance: Any) -> dict:
        raise NotImplementedError


class ActorRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class TitledRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()


class ParticipantSerializer(ActorRefSerializer):
    role = serializers.ChoiceField(choices=Participation.Role.choices)


class ActorSerializer(RowSerializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Actor.Kind.choices)
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2 code, or empty.")
    description = serializers.CharField()
    updated_at = serializers.DateTimeField()

    def row(self, actor: dict) -> dict:
        return {
            "slug": actor["slug"],
            "name": actor["name"],
            "kind": actor["kind"],
            "country": actor["country"],
            "description": actor["description"],
            "updated_at": actor["updated_at"],
        }


class AliasSerializer(serializers.Serializer):
    name = serializers.CharField()
    language = serializers.CharField()


class AffiliationSerializer(serializers.Serializer):
    kind = serializers.CharField()
    target = ActorRefSerializer()
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)


class ActorCountsSerializer(serializers.Serializer):
    events = serializers.IntegerField()
    claims_spoken = serializers.IntegerField()
    claims_about = serializers.IntegerField()
    articles_mentioning = serializers.IntegerField()


class ActorDetailSerializer(ActorSerializer):
    aliases = AliasSerializer(many=True)
    owner = ActorRefSerializer(allow_null=True)
    state_affiliated = serializers.BooleanField(allow_null=True)
    affiliations = AffiliationSerializer(many=True)
    counts = ActorCountsSerializer()
    created_at = serializers.DateTimeField()
    version = serializers.IntegerField()

    def row(self, actor: dict) -> dict:
        return super().row(actor) | {
            "aliases": actor["aliases"],
            "owner": ref(actor, "owner", "name"),
            "state_affiliated": actor["state_affiliated"],
            "affiliations": actor["affiliations"],
            "counts": {
                "events": actor["event_count"],
                "claims_spoken": actor["claims_spoken_count"],
                "claims_about": actor["claims_about_count"],
                "articles_mentioning": actor["articles_mentioning_count"],
            },
            "created_at": actor["created_at"],
            "version": actor["version"],
        }


class ArticleSerializer(RowSerializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    publisher = ActorRefSerializer(allow_null=True)
    agency = ActorRefSerializer(allow_null=True, help_text="News agency credited, if any.")
    language = serializers.CharField()
    published_on = serializers.DateField(
        allow_null=True, help_text="First day of the period for month or year precision."
    )
    published_precision = serializers.ChoiceField(choices=DatePrecision.choices)
    published = serializers.CharField(
        allow_null=True, help_text="The date as far as known: 2020-01-14, 2020-01 or 2020."
    )
    source = serializers.CharField(help_text="Source document the article was imported from.")
    url = serializers.CharField()
    updated_at = serializers.DateTimeField()
    snippet = serializers.CharField(
        allow_null=True, help_text="With `search`: the best passage, matches in <mark>."
    )

    def row(self, article: dict) -> dict:
        return {
            "slug": article["slug"],
            "title": article["title"],
            "publisher": ref(article, "publisher", "name"),
            "agency": ref(article, "agency", "name"),
            "language": article["language"],
            "published_on": article["published_on"],
            "published_precision": article["published_precision"],
            "published": date_label(article["published_on"], article["published_precision"]),
            "source": article["source"],
            "url": article["url"],
            "updated_at": article["updated_at"],
            "snippet": article.get("snippet"),
        }


class DatedRefSerializer(TitledRefSerializer):
    kind = serializers.ChoiceField(choices=Event.Kind.choices)
    start_date = serializers.DateField(allow_null=True)
    date_precision = serializers.ChoiceField(choices=DatePrecision.choices)


class ClaimRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    kind = serializers.ChoiceField(choices=Claim.Kind.choices)
    status = serializers.ChoiceField(choices=Claim.Status.choices)
    speaker = ActorRefSerializer(allow_null=True)


class ArticleDetailSerializer(ArticleSerializer):
    body = serializers.CharField()
    mentioned_actors = ActorRefSerializer(many=True)
    events = DatedRefSerializer(many=True)
    claims = ClaimRefSerializer(many=True, help_text="Claims made in it, retracted ones left out.")
    created_at = serializers.DateTimeField()
    version = serializers.IntegerField()

    def row(self, article: dict) -> dict:
        return super().row(article) | {
            "body": article["body"],
            "mentioned_actors": article["mentioned_actors"],
            "events": article["events"],
            "claims": article["claims"],
            "created_at": article["created_at"],
            "version": article["version"],
        }


class EventSerializer(RowSerializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=Event.Kind.choices)
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    date_precision = serializers.ChoiceField(choices=DatePrecision.choices)
    date = serializers.CharField(allow_null=True, help_text="Start date as far as known.")
    place_name = serializers.CharField()
    place_country = serializers.CharField()
    parent = TitledRefSerializer(allow_null=True, help_text="The larger event this is part of.")
    participants = ParticipantSerializer(many=True)
    updated_at = serializers.DateTimeField()

    def row(self, event: dict) -> dict:
        return {
            "slug": event["slug"],
            "title": event["title"],
            "kind": event["kind"],
            "start_date": event["start_date"],
            "end_date": event["end_date"],
            "date_precision": event["date_precision"],
            "date": date_label(event["start_date"], event["date_precision"]),
            "place_name": event["place_name"],
            "place_country": event["place_country"],
            "parent": ref(event, "parent", "title"),
            "participants": event["participants"],
            "updated_at": event["updated_at"],
        }


class ArticleRefSerializer(TitledRefSerializer):
    published_on = serializers.DateField(allow_null=True)
    published_precision = serializers.ChoiceField(choices=DatePrecision.choices)


class EventDetailSerializer(EventSerializer):
    description = serializers.CharField()
    articles = ArticleRefSerializer(many=True)
    claims = ClaimRefSerializer(many=True, help_text="Claims about it, retracted ones left out.")
    children = DatedRefSerializer(many=True, help_text="Events that happened within it.")
    created_at = serializers.DateTimeField()
    version = serializers.IntegerField()

    def row(self, event: dict) -> dict:
        return super().row(event) | {
            "description": event["description"],
            "articles": event["articles"],
            "claims": event["claims"],
            "children": event["children"],
            "created_at": event["created_at"],
            "version": event["version"],
        }


class ClaimSerializer(RowSerializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    kind = serializers.ChoiceField(choices=Claim.Kind.choices)
    status = serializers.ChoiceField(choices=Claim.Status.choices)
    speaker = ActorRefSerializer(allow_null=True, help_text="Empty when the publisher asserts it.")
    article = TitledRefSerializer()
    event = TitledRefSerializer(allow_null=True)
    subjects = ActorRefSerializer(many=True, help_text="Actors the claim is about.")
    said_on = serializers.DateField(allow_null=True)
    said_precision = serializers.ChoiceField(choices=DatePrecision.choices)
    span_start = serializers.IntegerField(help_text="First character of the quote in the body.")
    span_end = serializers.IntegerField(help_text="Character after the quote's last.")
    updated_at = serializers.DateTimeField()

    def row(self, claim: dict) -> dict:
        return {
            "id": claim["id"],
            "text": claim["text"],
            "kind": claim["kind"],
            "status": claim["status"],
            "speaker": ref(claim, "speaker", "name"),
            "article": ref(claim, "article", "title"),
            "event": ref(claim, "event", "title"),
            "subjects": claim["subjects"],
            "said_on": claim["said_on"],
            "said_precision": claim["said_precision"],
            "span_start": claim["span_start"],
            "span_end": claim["span_end"],
            "updated_at": claim["updated_at"],
        }


class PassageSerializer(serializers.Serializer):
    before = serializers.CharField()
    quote = serializers.CharField()
    after = serializers.CharField()


class LinkedClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    kind = serializers.ChoiceField(choices=Claim.Kind.choices)
    status = serializers.ChoiceField(choices=Claim.Status.choices)


class ClaimLinkSerializer(serializers.Serializer):
    relation = serializers.CharField()
    claim = LinkedClaimSerializer()
    note = serializers.CharField()


class ClaimDetailSerializer(ClaimSerializer):
    passage = PassageSerializer(
        help_text=f"The quote with up to {PASSAGE_CHARS} characters around."
    )
    gloss_en = serializers.CharField()
    note = serializers.CharField(help_text="Editorial note: why the claim has its status.")
    links = ClaimLinkSerializer(many=True, help_text="Claims it corroborates or contradicts.")
    status_changed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    version = serializers.IntegerField()

    def row(self, claim: dict) -> dict:
        return super().row(claim) | {
            "passage": _passage(claim["article__body"], claim["span_start"], claim["span_end"]),
            "gloss_en": claim["gloss_en"],
            "note": claim["note"],
            "links": claim["links"],
            "status_changed_at": claim["status_changed_at"],
            "created_at": claim["created_at"],
            "version": claim["version"],
        }


def _passage(body: str, start: int, end: int) -> dict:
    return {
        "before": body[max(0, start - PASSAGE_CHARS) : start],
        "quote": body[start:end],
        "after": body[end : end + PASSAGE_CHARS],
    }


DATE_AFTER = "Items on or after this date (events: any overlap)."
DATE_BEFORE = "Items on or before this date (events: any overlap)."


class TimelineParamsSerializer(serializers.Serializer):
    date_after = serializers.DateField(required=False, help_text=DATE_AFTER)
    date_before = serializers.DateField(required=False, help_text=DATE_BEFORE)


class TimelineItemSerializer(RowSerializer):
    type = serializers.ChoiceField(choices=["event", "claim"])
    key = serializers.CharField(help_text="Event slug or claim id.")
    date = serializers.DateField(allow_null=True)
    date_precision = serializers.ChoiceField(choices=DatePrecision.choices)
    title = serializers.CharField(help_text="Event title or claim text.")
    role = serializers.CharField(help_text="Role in the event, or speaker / subject of the claim.")

    def row(self, item: dict) -> dict:
        return {
            "type": item["type"],
            "key": item["key"],
            "date": item["date"],
            "date_precision": item["date_precision"],
            "title": item["title"],
            "role": item["role_"],
        }


class DeletionSerializer(RowSerializer):
    resource = serializers.ChoiceField(choices=Deletion.Resource.choices)
    key = serializers.CharField(help_text="Slug, or id for a claim.")
    deleted_at = serializers.DateTimeField()
    merged_into = serializers.CharField(allow_null=True, help_text="Slug it was merged into.")

    def row(self, deletion: dict) -> dict:
        return {
            "resource": deletion["resource"],
            "key": deletion["key"],
            "deleted_at": deletion["deleted_at"],
            "merged_into": deletion["merged_into"] or None,
        }


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per parameter at fault.",
    )
