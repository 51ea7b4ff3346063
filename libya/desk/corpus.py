"""The curated corpus as a natural-key fixture: export it from the database, load it back."""

import json
from datetime import UTC, datetime
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from libya.desk.models import (
    Actor,
    Affiliation,
    Alias,
    Article,
    Claim,
    ClaimLink,
    Event,
    Participation,
)

# Each model's rows in natural-key order, so that an export diffs cleanly.
ORDER: dict[type[models.Model], list[str]] = {
    Actor: ["slug"],
    Alias: ["actor__slug", "name"],
    Affiliation: ["actor__slug", "kind", "target__slug"],
    Article: ["source"],
    Event: ["slug"],
    Participation: ["event__slug", "actor__slug", "role"],
    Claim: ["article__source", "span_start", "span_end"],
    ClaimLink: [
        "claim__article__source",
        "claim__span_start",
        "claim__span_end",
        "relation",
        "other__article__source",
        "other__span_start",
        "other__span_end",
    ],
}
# Self-references: a row is written after the row it points to, because loaddata
# fills a forward reference with a second UPDATE, which would bump version and
# updated_at and break the round trip.
SELF_REFERENCE = {Actor: "owner", Event: "parent"}
# Timestamps and versions stay in: loaddata saves rows raw, so a row without
# created_at could not be inserted.
LEFT_OUT: set[str] = set()
# Who reviewed a claim is part of its curation, so the accounts named by the claims'
# status_changed_by travel with the corpus: by username, never with a password or an
# e-mail address. Loading creates a missing one without a usable password; it never
# overwrites an existing account (see the desk's loaddata).
REVIEWER_FIELDS = ["username", "is_active", "date_joined"]


class CorpusEncoder(DjangoJSONEncoder):
    """Timestamps to the second, always in the same shape, so a reload exports identically.

    DjangoJSONEncoder keeps milliseconds but drops them when they are zero, so a
    value that lost its microseconds in a load would come back spelled differently.
    """

    def default(self, o: object) -> object:
        if isinstance(o, datetime):
            return o.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return super().default(o)


def corpus_models() -> list[type[models.Model]]:
    """The exported models, each after the models its natural keys refer to."""
    app = apps.get_app_config("desk")
    return serializers.sort_dependencies([(app, list(ORDER))], allow_cycles=True)


def exported_fields(model: type[models.Model]) -> list[str]:
    """Every stored field but generated columns, which the database computes again."""
    fields = [*model._meta.concrete_fields, *model._meta.many_to_many]
    return [
        f.name
        for f in fields
        if not f.primary_key and not getattr(f, "generated", False) and f.name not in LEFT_OUT
    ]


def serialize_corpus() -> list[dict]:
    """Every corpus row as Django's Python serialization, with natural keys throughout."""
    rows: list[dict] = serializers.serialize(
        "python",
        reviewers(),
        fields=REVIEWER_FIELDS,
        use_natural_foreign_keys=True,
        use_natural_primary_keys=True,
    )
    for model in corpus_models():
        rows += serializers.serialize(
            "python",
            ordered_rows(model),
            fields=exported_fields(model),
            use_natural_foreign_keys=True,
            use_natural_primary_keys=True,
        )
    return rows


def reviewers() -> models.QuerySet:
    """The accounts that changed the status of a corpus claim, by username."""
    reviewer_ids = Claim.objects.filter(status_changed_by__isnull=False).values("status_changed_by")
    return get_user_model().objects.filter(pk__in=reviewer_ids).order_by("username")


def ordered_rows(model: type[models.Model]) -> list[models.Model]:
    """Rows in natural-key order, each after the row it refers to through a self-reference."""
    rows = list(model.objects.order_by(*ORDER[model]))
    field = SELF_REFERENCE.get(model)
    if field is None:
        return rows
    parent_of = {row.pk: getattr(row, f"{field}_id") for row in rows}
    return sorted(rows, key=lambda row: _depth(row.pk, parent_of))


def _depth(pk: int, parent_of: dict[int, int | None]) -> int:
    depth = 0
    while parent_of.get(pk) is not None and depth < len(parent_of):
        pk, depth = parent_of[pk], depth + 1
    return depth


def export_corpus(path: Path) -> int:
    """Write the corpus to ``path`` as indented JSON; returns the number of records."""
    rows = serialize_corpus()
    text = json.dumps(rows, cls=CorpusEncoder, ensure_ascii=False, indent=2)
    Path(path).write_text(text + "\n", encoding="utf-8")
    return len(rows)


def load_corpus(path: Path | str = "corpus") -> None:
    """``load_corpus`` the corpus (a fixture name found through FIXTURE_DIRS, or a path).

    ``load_corpus`` (the desk's loaddata) validates every row and loads in one transaction:
    an invalid row stops the load, names itself, and leaves the database as it was.
    """
    call_command("load_corpus", str(path), verbosity=0)
