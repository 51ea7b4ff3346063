"""Response shapes: list rows, and richer details that extend them.

Each field is declared here once: ``rows.plan()`` derives from these classes the
``values()`` columns, the to-many parts and the row builder (see ``rows.py``), and
drf-spectacular the schema. A field added here is in the API.
"""

from datetime import date

from rest_framework import serializers

from libya.desk.api.rows import Counted, DerivedText, Part, Searched, plan
from libya.desk.models import (
    Actor,
    Affiliation,
    Alias,
    Article,
    Claim,
    ClaimLink,
    DatePrecision,
    Deletion,
    Event,
    Participation,
)
from libya.desk.models.claims import PASSAGE_CHARS, passage


def date_label(day: date | None, precision: str) -> str | None:
    """The date as far as it is known: ``2020-06-14``, ``2020-06`` or ``2020``."""
    if day is None or precision == DatePrecision.UNKNOWN:
        return None
    if precision == DatePrecision.MONTH:
        return f"{day:%Y-%m}"
    if precision == DatePrecision.YEAR:
        return f"{day:%Y}"
    return day.isoformat()


def shown_claims():
    return Claim.objects.published()


class RowSerializer(serializers.Serializer):
    """Read-only shape built by its ``rows.plan()``, trimmed to ``context["fields"]``."""

    def to_representation(self, instance: dict) -> dict:
        row = plan(type(self)).build(instance)
        fields = self.context.get("fields")
        return {name: row[name] for name in fields} if fields else row


class ActorRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class TitledRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()


class ParticipantSerializer(serializers.Serializer):
    slug = serializers.SlugField(source="actor.slug")
    name = serializers.CharField(source="actor.name")
    role = serializers.ChoiceField(choices=Participation.Role.choices)


class ActorSerializer(RowSerializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Actor.Kind.choices)
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2 code, or empty.")
    description = serializers.CharField()
    updated_at = serializers.DateTimeField()


class AliasSerializer(serializers.Serializer):
    name = serializers.CharField()
    language = serializers.CharField()


class AffiliationSerializer(serializers.Serializer):
    kind = serializers.CharField()
    target = ActorRefSerializer()
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)


def _participations():
    return Participation.objects.all()


class ActorCountsSerializer(serializers.Serializer):
    events = Counted(rows=_participations, key="actor")
    claims_spoken = Counted(rows=shown_claims, key="speaker")
    claims_about = Counted(
        rows=lambda: Claim.subjects.through.objects.exclude(claim__status=Claim.Status.RETRACTED),
        key="actor",
    )
    articles_mentioning = Counted(
        rows=lambda: Article.mentioned_actors.through.objects.all(), key="actor"
    )


class ActorDetailSerializer(ActorSerializer):
    aliases = Part(
        child=AliasSerializer(),
        rows=lambda: Alias.objects.order_by("name"),
        parent="actor",
    )
    owner = ActorRefSerializer(allow_null=True)
    state_affiliated = serializers.BooleanField(allow_null=True)
    affiliations = Part(
        child=AffiliationSerializer(),
        rows=lambda: Affiliation.objects.order_by("kind", "target__name"),
        parent="actor",
    )
    counts = ActorCountsSerializer(source="*")
    created_at = serializers.DateTimeField()
    version = serializers.IntegerField()


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
    published = DerivedText(
        columns=("published_on", "published_precision"),
        compute=date_label,
        allow_null=True,
        help_text="The date as far as known: 2020-01-14, 2020-01 or 2020.",
    )
    source = serializers.CharField(help_text="Source document the article was imported from.")
    url = serializers.CharField()
    updated_at = serializers.DateTimeField()
    snippet = Searched(
        allow_null=True,
        help_text="With `search` and `snippet=true`: the best passages, matches in <mark>.",
    )


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
    mentioned_actors = Part(
        child=ActorRefSerializer(),
        rows=lambda: Article.mentioned_actors.through.objects.order_by(
            "actor__name", "actor__slug"
        ),
        parent="article",
        path="actor",
    )
    events = Part(
        child=DatedRefSerializer(),
        rows=lambda: Event.articles.through.objects.order_by("event__start_date", "event__slug"),
        parent="article",
        path="event",
    )
    claims = Part(
        child=ClaimRefSerializer(),
        rows=lambda: shown_claims().order_by("span_start", "id"),
        parent="article",
        help_text="Claims made in it, retracted ones left out.",
    )
    created_at = serializers.DateTimeField()
    version = serializers.IntegerField()


class EventSerializer(RowSerializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=Event.Kind.choices)
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    date_precision = serializers.ChoiceField(choices=DatePrecision.choices)
    date = DerivedText(
        columns=("start_date", "date_precision"),
        compute=date_label,
        allow_null=True,
        help_text="Start date as far as known.",
    )
    place_name = serializers.CharField()
    place_country = serializers.CharField()
    parent = TitledRefSerializer(allow_null=True, help_text="The larger event this is part of.")
    participants = Part(
        child=ParticipantSerializer(),
        rows=lambda: Participation.objects.order_by("role", "actor__name", "actor__slug"),
        parent="event",
    )
    updated_at = serializers.DateTimeField()


class ArticleRefSerializer(TitledRefSerializer):
    published_on = serializers.DateField(allow_null=True)
    published_precision = serializers.ChoiceField(choices=DatePrecision.choices)


class EventDetailSerializer(EventSerializer):
    description = serializers.CharField()
    articles = Part(
        child=ArticleRefSerializer(),
        rows=lambda: Event.articles.through.objects.order_by(
            "article__published_on", "article__slug"
        ),
        parent="event",
        path="article",
    )
    claims = Part(
        child=ClaimRefSerializer(),
        rows=lambda: shown_claims().order_by("said_on", "id"),
        parent="event",
        help_text="Claims about it, retracted ones left out.",
    )
    children = Part(
        child=DatedRefSerializer(),
        rows=lambda: Event.objects.order_by("start_date", "slug"),
        parent="parent",
        help_text="Events that happened within it.",
    )
    created_at = serializers.DateTimeField()
    version = serializers.IntegerField()


class ClaimSerializer(RowSerializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    kind = serializers.ChoiceField(choices=Claim.Kind.choices)
    status = serializers.ChoiceField(choices=Claim.Status.choices)
    speaker = ActorRefSerializer(allow_null=True, help_text="Empty when the publisher asserts it.")
    article = TitledRefSerializer()
    event = TitledRefSerializer(allow_null=True)
    subjects = Part(
        child=ActorRefSerializer(),
        rows=lambda: Claim.subjects.through.objects.order_by("actor__name", "actor__slug"),
        parent="claim",
        path="actor",
        help_text="Actors the claim is about.",
    )
    said_on = serializers.DateField(allow_null=True)
    said_precision = serializers.ChoiceField(choices=DatePrecision.choices)
    span_start = serializers.IntegerField(help_text="First character of the quote in the body.")
    span_end = serializers.IntegerField(help_text="Character after the quote's last.")
    updated_at = serializers.DateTimeField()


SPAN = ("article__body", "span_start", "span_end")


class PassageSerializer(serializers.Serializer):
    before = DerivedText(columns=SPAN, compute=lambda *span: passage(*span)[0])
    quote = DerivedText(columns=SPAN, compute=lambda *span: passage(*span)[1])
    after = DerivedText(columns=SPAN, compute=lambda *span: passage(*span)[2])


class LinkedClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    kind = serializers.ChoiceField(choices=Claim.Kind.choices)
    status = serializers.ChoiceField(choices=Claim.Status.choices)


class ClaimLinkSerializer(serializers.Serializer):
    relation = serializers.CharField()
    claim = LinkedClaimSerializer(source="other")
    note = serializers.CharField()


class ClaimDetailSerializer(ClaimSerializer):
    passage = PassageSerializer(
        source="*", help_text=f"The quote with up to {PASSAGE_CHARS} characters around."
    )
    gloss_en = serializers.CharField()
    note = serializers.CharField(help_text="Editorial note: why the claim has its status.")
    links = Part(
        child=ClaimLinkSerializer(),
        rows=lambda: ClaimLink.objects.order_by("relation", "other_id"),
        parent="claim",
        help_text="Claims it corroborates or contradicts.",
    )
    status_changed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    version = serializers.IntegerField()


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
    role = serializers.CharField(
        source="role_", help_text="Role in the event, or speaker / subject of the claim."
    )


class DeletionSerializer(RowSerializer):
    resource = serializers.ChoiceField(choices=Deletion.Resource.choices)
    key = serializers.CharField(help_text="Slug, or id for a claim.")
    deleted_at = serializers.DateTimeField()
    merged_into = DerivedText(
        columns=("merged_into",),
        compute=lambda slug: slug or None,
        allow_null=True,
        help_text="Slug it was merged into.",
    )


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per parameter at fault.",
    )
