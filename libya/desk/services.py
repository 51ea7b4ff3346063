"""Writes that touch several rows or models, shared by the admin, the API and commands.

History is recorded by database triggers (django-pghistory), so ``QuerySet.update()``
here is tracked like any ``save()``.
"""

from collections.abc import Sequence

import pghistory
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from libya.desk.models import (
    Actor,
    Affiliation,
    Alias,
    Article,
    Claim,
    Deletion,
    Suggestion,
)


@transaction.atomic
def actor_merge(*, keep: Actor, duplicates: Sequence[Actor]) -> Actor:
    """Re-point every reference from `duplicates` to `keep`, keep their spellings as aliases,
    then delete them, recording ``merged_into`` on their Deletion rows."""
    merged = [dup for dup in duplicates if dup.pk != keep.pk]
    for dup in merged:
        _merge_names(dup, keep)
        _merge_participations(dup, keep)
        _merge_affiliations(dup, keep)
        _merge_references(dup, keep)
        slug = dup.slug
        dup.delete()
        _record_merge(slug, keep)
    keep.refresh_from_db()
    # Nothing in the kept actor's own row changes: a manual history event records the merge.
    with pghistory.context(merged=[f"{dup.name} ({dup.slug})" for dup in merged]):
        pghistory.create_event(keep, label="merge")
    return keep


def _merge_names(dup: Actor, keep: Actor) -> None:
    known = set(keep.aliases.values_list("name", flat=True))
    for name in (dup.name, *dup.aliases.values_list("name", flat=True)):
        if name not in known:
            language = dup.aliases.filter(name=name).values_list("language", flat=True).first()
            Alias.objects.create(actor=keep, name=name, language=language or "")
            known.add(name)


def _merge_participations(dup: Actor, keep: Actor) -> None:
    # (event, actor, role) is unique: a role both actors held in the same event stays once.
    twin = keep.participations.filter(event=OuterRef("event"), role=OuterRef("role"))
    dup.participations.filter(Exists(twin)).delete()
    dup.participations.update(actor=keep)


def _merge_affiliations(dup: Actor, keep: Actor) -> None:
    # A tie between the two actors would become a tie of `keep` with itself.
    Affiliation.objects.filter(Q(actor=dup, target=keep) | Q(actor=keep, target=dup)).delete()
    held = Affiliation.objects.filter(actor=keep, kind=OuterRef("kind"), target=OuterRef("target"))
    Affiliation.objects.filter(actor=dup).filter(Exists(held)).delete()
    Affiliation.objects.filter(actor=dup).update(actor=keep)
    held = Affiliation.objects.filter(actor=OuterRef("actor"), kind=OuterRef("kind"), target=keep)
    Affiliation.objects.filter(target=dup).filter(Exists(held)).delete()
    Affiliation.objects.filter(target=dup).update(target=keep)


def _merge_references(dup: Actor, keep: Actor) -> None:
    Claim.objects.filter(speaker=dup).update(speaker=keep)
    Article.objects.filter(publisher=dup).update(publisher=keep)
    Article.objects.filter(agency=dup).update(agency=keep)
    Actor.objects.filter(owner=dup).exclude(pk=keep.pk).update(owner=keep)
    Actor.objects.filter(pk=keep.pk, owner=dup).update(owner=None)
    # A pending suggestion naming the duplicate would otherwise lose its speaker or actor.
    for field in ("speaker", "actor", "created_actor"):
        Suggestion.objects.filter(**{field: dup}).update(**{field: keep})
    _move_m2m(Claim.subjects.through, "claim", dup, keep)
    _move_m2m(Article.mentioned_actors.through, "article", dup, keep)


def _move_m2m(through: type[models.Model], other: str, dup: Actor, keep: Actor) -> None:
    """Move `dup`'s rows of an auto-created actor M2M table to `keep`, skipping duplicates."""
    taken = through.objects.filter(actor=keep).values(other)
    rows = through.objects.filter(actor=dup)
    rows.exclude(**{f"{other}__in": taken}).update(actor=keep)
    rows.delete()


def _record_merge(slug: str, keep: Actor) -> None:
    # The row itself is written by the actor_deletion trigger; only the pointer is added here.
    latest = Deletion.objects.filter(resource=Deletion.Resource.ACTOR, key=slug).order_by("-id")
    Deletion.objects.filter(pk__in=latest.values("pk")[:1]).update(merged_into=keep.slug)


def actor_merge_preview(*, duplicates: Sequence[Actor]) -> list[dict]:
    """What `actor_merge` would move from each actor if it were merged away."""
    return [
        {
            "actor": dup,
            "moves": [
                (label, count)
                for label, count in (
                    (_("aliases"), len({dup.name, *dup.aliases.values_list("name", flat=True)})),
                    (_("participations"), dup.participations.count()),
                    (_("claims spoken"), dup.claims_spoken.count()),
                    (_("claims about"), dup.claims_about.count()),
                    (_("article mentions"), dup.mentioned_in.count()),
                    (_("articles published"), dup.articles_published.count()),
                    (_("articles credited"), dup.articles_credited.count()),
                    (_("affiliations"), dup.affiliations.count() + dup.affiliated.count()),
                    (_("outlets owned"), dup.outlets_owned.count()),
                )
                if count
            ],
        }
        for dup in duplicates
    ]


def claim_set_status(
    *, claim: Claim, status: Claim.Status | str, user: AbstractBaseUser | None
) -> Claim:
    """Move a claim to an editorial status, recording who did it and when.

    The whole row is validated and saved, so a form's other edits are saved with it and
    a claim whose text no longer matches its article cannot be saved.
    """
    claim.status = status
    claim.status_changed_by = user if user and user.is_authenticated else None
    claim.status_changed_at = timezone.now()
    claim.full_clean()
    claim.save()
    return claim
