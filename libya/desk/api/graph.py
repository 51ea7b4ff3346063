"""Shapes of ``/actors/{slug}/graph/`` for the OpenAPI schema (data: libya.desk.graph)."""

from rest_framework import serializers

from libya.desk.graph import AFFILIATION, EVENT, NAMED_TOGETHER, STATEMENT
from libya.desk.models import Actor


class GraphNodeSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Actor.Kind.choices)
    kind_label = serializers.CharField(help_text="The kind in words, in the default language.")
    focus = serializers.BooleanField(help_text="The actor whose graph this is.")


class GraphRecordSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["affiliation", "event", "claim"])
    key = serializers.CharField(help_text="Event slug, or claim or affiliation id.")
    title = serializers.CharField(help_text="Event title, claim text or the affiliation.")
    disputed = serializers.BooleanField(
        required=False, help_text="For a claim: another claim contradicts it."
    )


class GraphSourceSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()


class GraphEdgeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[AFFILIATION, EVENT, STATEMENT, NAMED_TOGETHER],
        help_text="affiliation (source's tie to target), event (both took part), statement "
        "(source's claims are about target), named_together (one claim is about both).",
    )
    source = serializers.SlugField()
    target = serializers.SlugField()
    labels = serializers.ListField(
        child=serializers.CharField(), help_text="Affiliation, event or claim kinds."
    )
    weight = serializers.IntegerField(help_text="Number of sources (articles), at least 1.")
    disputed = serializers.BooleanField(help_text="Some claim behind it is contradicted.")
    sources = GraphSourceSerializer(many=True, help_text="Articles behind the edge.")
    records = GraphRecordSerializer(many=True, help_text="Affiliations, events or claims.")


class GraphSerializer(serializers.Serializer):
    actor = serializers.SlugField()
    nodes = GraphNodeSerializer(many=True)
    edges = GraphEdgeSerializer(many=True)
