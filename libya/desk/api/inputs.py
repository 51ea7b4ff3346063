"""What clients may send when they write: one ModelSerializer per resource.

Answers to writes are the resources' read shapes (``serializers.py``); these classes
only declare and validate input. Related records are named by slug (claims by id),
as the read API names them. Each class runs the model's own validation, so a write
through the API obeys exactly the rules the admin obeys.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.text import slugify
from rest_framework import serializers

from libya.desk import enrichment, ingest
from libya.desk.models import (
    Actor,
    Alias,
    Article,
    Claim,
    ClaimLink,
    Event,
    Participation,
)
from libya.desk.models.claims import quote_starts

SLUG_MAX_CHARS = 80


class TextOnly:
    """A text field that refuses numbers: DRF would store 12 as "12"; the schema says string.

    Its length is checked as sent: DRF trims surrounding whitespace first, and would take
    9 characters where the schema's maxLength says 8.
    """

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class CharField(TextOnly, serializers.CharField):
    pass


class SlugField(TextOnly, serializers.SlugField):
    pass


class URLField(TextOnly, serializers.URLField):
    pass


class SlugRef(serializers.SlugRelatedField):
    """A related record by slug. DRF takes "" for null; the schema offers null alone for none."""

    def run_validation(self, data=serializers.empty):
        if data == "":
            raise serializers.ValidationError("A slug is required; send null for none.")
        return super().run_validation(data)


def slug_ref(model: type[models.Model], **options) -> SlugRef:
    return SlugRef(slug_field="slug", queryset=model.objects.all(), **options)


def actor_slug(**options) -> SlugRef:
    return slug_ref(Actor, **options)


def free_slug(model: type[models.Model], text: str) -> str:
    """A slug from ``text`` that no row of ``model`` has yet."""
    base = slugify(text)[:SLUG_MAX_CHARS].strip("-") or model._meta.model_name
    slug, n = base, 1
    while model.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


class ModelInput(serializers.ModelSerializer):
    """Validates with the model's ``full_clean()`` too, errors keyed by field."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: CharField,
        models.TextField: CharField,
        models.SlugField: SlugField,
        models.URLField: URLField,
    }

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        instance = self.candidate(attrs)
        try:
            instance.full_clean(exclude=self.unchecked(), validate_unique=False)
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from error
        return attrs

    def candidate(self, attrs: dict) -> models.Model:
        """The row as it would be saved (to-many values aside), for the model's checks."""
        model = self.Meta.model
        instance = model() if self.instance is None else model.objects.get(pk=self.instance.pk)
        for name, value in attrs.items():
            if not model._meta.get_field(name).many_to_many:
                setattr(instance, name, value)
        return instance

    def unchecked(self) -> list[str]:
        # Slugs are filled in by create(); uniqueness is the database's to enforce.
        return ["slug"]


class ActorInput(ModelInput):
    slug = SlugField(max_length=200, required=False)
    owner = actor_slug(required=False, allow_null=True)

    class Meta:
        model = Actor
        fields = ["slug", "name", "kind", "description", "country", "owner", "state_affiliated"]

    def create(self, validated: dict) -> Actor:
        validated.setdefault("slug", free_slug(Actor, validated["name"]))
        return super().create(validated)


class AliasInput(ModelInput):
    actor = actor_slug()

    class Meta:
        model = Alias
        fields = ["id", "actor", "name", "language"]
        read_only_fields = ["id"]
        validators = []  # the unique (actor, name) pair is reported by the database as 409


class ArticleInput(ModelInput):
    slug = SlugField(max_length=200, required=False)
    source = CharField(
        max_length=300,
        required=False,
        help_text="The feed's own identifier of the document; generated when absent.",
    )
    publisher = actor_slug(required=False, allow_null=True)
    agency = actor_slug(required=False, allow_null=True)

    class Meta:
        model = Article
        fields = [
            "slug",
            "source",
            "title",
            "url",
            "language",
            "publisher",
            "agency",
            "published_on",
            "published_precision",
            "body",
        ]
        extra_kwargs = {"body": {"trim_whitespace": False}}

    def unchecked(self) -> list[str]:
        return ["slug", "source", "content_hash"]

    def create(self, validated: dict) -> Article:
        validated.setdefault("source", f"api:{uuid.uuid4()}")
        validated.setdefault("slug", free_slug(Article, validated["title"]))
        validated["content_hash"] = ingest.content_hash(validated["body"].encode())
        article = super().create(validated)
        ingest.link_mentions(article)
        # Suggestions come from the job queue, as for every other way in; the client
        # does not wait for them.
        enrichment.enqueue([article.pk])
        return article

    def update(self, article: Article, validated: dict) -> Article:
        body_changed = "body" in validated and validated["body"] != article.body
        if body_changed:
            validated["content_hash"] = ingest.content_hash(validated["body"].encode())
        article = super().update(article, validated)
        if body_changed:
            lost = ingest.reanchor_claims(article)
            if lost:
                raise serializers.ValidationError(
                    {
                        "body": [
                            f"The new body no longer contains claim {c.pk}'s text." for c in lost
                        ]
                    }
                )
            ingest.link_mentions(article)
            enrichment.enqueue([article.pk])
        return article


class EventInput(ModelInput):
    slug = SlugField(max_length=200, required=False)
    parent = slug_ref(Event, required=False, allow_null=True)
    articles = slug_ref(Article, many=True, required=False)

    class Meta:
        model = Event
        fields = [
            "slug",
            "title",
            "kind",
            "start_date",
            "end_date",
            "date_precision",
            "place_name",
            "place_country",
            "parent",
            "description",
            "articles",
        ]

    def create(self, validated: dict) -> Event:
        validated.setdefault("slug", free_slug(Event, validated["title"]))
        return super().create(validated)


class ParticipationInput(ModelInput):
    event = slug_ref(Event)
    actor = actor_slug()

    class Meta:
        model = Participation
        fields = ["id", "event", "actor", "role", "note"]
        read_only_fields = ["id"]
        validators = []


class ClaimInput(ModelInput):
    """A claim by span (``span_start``/``span_end``) or by ``quote``, located in the body."""

    article = slug_ref(Article)
    speaker = actor_slug(required=False, allow_null=True)
    event = slug_ref(Event, required=False, allow_null=True)
    subjects = actor_slug(many=True, required=False)
    quote = CharField(
        write_only=True,
        required=False,
        trim_whitespace=False,
        help_text="The claim's exact words; the server finds their span in the article body. "
        "Refused when they occur nowhere or more than once: send the span instead.",
    )

    class Meta:
        model = Claim
        fields = [
            "article",
            "speaker",
            "kind",
            "span_start",
            "span_end",
            "quote",
            "said_on",
            "said_precision",
            "event",
            "subjects",
            "gloss_en",
        ]
        extra_kwargs = {"span_start": {"required": False}, "span_end": {"required": False}}
        validators = []

    def validate(self, attrs: dict) -> dict:
        attrs = self.locate(attrs)
        return super().validate(attrs)

    def locate(self, attrs: dict) -> dict:
        """Turn ``quote`` into a span; check that a new claim has one way or the other."""
        quote = attrs.pop("quote", None)
        article = attrs.get("article") or (self.instance and self.instance.article)
        spans = {"span_start", "span_end"} & set(attrs)
        if quote is not None:
            if spans:
                raise serializers.ValidationError({"quote": ["Send a quote or a span, not both."]})
            starts = quote_starts(article.body, quote)
            if len(starts) != 1:
                where = "nowhere in" if not starts else f"{len(starts)} times in"
                raise serializers.ValidationError(
                    {"quote": [f"The quote occurs {where} the article's body."]}
                )
            attrs["span_start"], attrs["span_end"] = starts[0], starts[0] + len(quote)
        elif self.instance is None and len(spans) < 2:
            raise serializers.ValidationError(
                {"span_start": ["Send span_start and span_end, or a quote."]}
            )
        if "span_start" in attrs or "span_end" in attrs or "article" in attrs:
            start = attrs.get("span_start", getattr(self.instance, "span_start", 0))
            end = attrs.get("span_end", getattr(self.instance, "span_end", 0))
            probe = Claim(article=article, span_start=start, span_end=end)
            probe.anchor()
            attrs |= {
                "text": article.body[start:end],
                "prefix": probe.prefix,
                "suffix": probe.suffix,
            }
        return attrs

    def candidate(self, attrs: dict) -> Claim:
        claim = super().candidate(attrs)
        if "text" in attrs:
            claim.text = attrs["text"]
        return claim


class ClaimLinkInput(ModelInput):
    claim = serializers.PrimaryKeyRelatedField(queryset=Claim.objects.all())
    other = serializers.PrimaryKeyRelatedField(queryset=Claim.objects.all())

    class Meta:
        model = ClaimLink
        fields = ["id", "claim", "relation", "other", "note"]
        read_only_fields = ["id"]
        validators = []
