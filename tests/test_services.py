"""Services: merging actors moves every reference; review status records who and when."""

import pytest
from django.db.models import ManyToManyRel, ManyToOneRel
from django.utils import translation

from libya.desk.models import Actor, Alias, Claim, Deletion, Participation
from libya.desk.services import actor_merge, actor_merge_preview, claim_set_status
from tests.factories import (
    ActorFactory,
    AffiliationFactory,
    AliasFactory,
    ArticleFactory,
    ClaimFactory,
    EventFactory,
    MediaFactory,
    UserFactory,
)


@pytest.fixture
def duplicate(db) -> Actor:
    """An actor referenced from every relation an actor can have."""
    dup = MediaFactory(name="Sputnik Testé")
    AliasFactory(actor=dup, name="Spoutnik Testé", language="fr")
    ArticleFactory(publisher=dup)
    ArticleFactory(agency=dup).mentioned_actors.add(dup)
    ClaimFactory(speaker=dup).subjects.add(dup)
    EventFactory(participants=[dup])
    AffiliationFactory(actor=dup)
    AffiliationFactory(target=dup)
    ActorFactory(owner=dup)
    return dup


def references(actor: Actor) -> dict[str, int]:
    """How many rows point at `actor` through each of its reverse relations."""
    counts = {}
    for rel in Actor._meta.related_objects:
        if rel.related_name in ("history", "+") or not isinstance(
            rel, ManyToOneRel | ManyToManyRel
        ):
            continue
        counts[rel.get_accessor_name()] = getattr(actor, rel.get_accessor_name()).count()
    return counts


def test_merge_moves_every_reference(duplicate):
    keep = MediaFactory(name="Sputnik France Testé")
    moved = references(duplicate)
    before = references(keep)

    actor_merge(keep=keep, duplicates=[duplicate])

    after = references(keep)
    assert all(count > 0 for name, count in moved.items() if name != "history"), moved
    for name, count in moved.items():
        extra = 1 if name == "aliases" else 0  # the duplicate's canonical name
        assert after[name] == before[name] + count + extra, name


def test_merge_keeps_every_spelling_and_records_the_deletion(duplicate):
    keep = MediaFactory(name="Sputnik France Testé")
    slug = duplicate.slug

    actor_merge(keep=keep, duplicates=[duplicate])

    assert not Actor.objects.filter(slug=slug).exists()
    names = set(keep.aliases.values_list("name", flat=True))
    assert {"Sputnik Testé", "Spoutnik Testé"} <= names
    assert Alias.objects.get(actor=keep, name="Spoutnik Testé").language == "fr"
    assert Deletion.objects.get(resource="actor", key=slug).merged_into == keep.slug


def test_merge_writes_history(duplicate):
    keep = MediaFactory()
    claim = duplicate.claims_spoken.get()
    participation = duplicate.participations.get()
    dup_pk = duplicate.pk

    actor_merge(keep=keep, duplicates=[duplicate])

    assert claim.history.order_by("pgh_id").last().speaker_id == keep.pk
    assert participation.history.order_by("pgh_id").last().actor_id == keep.pk
    deleted = Actor.history.field.model.objects.filter(pgh_obj_id=dup_pk)
    assert deleted.order_by("pgh_id").last().pgh_label == "delete"


def test_merge_folds_clashing_rows_into_one(db):
    keep, dup, party = ActorFactory(), ActorFactory(), ActorFactory()
    event = EventFactory(participants=[keep, dup])
    AffiliationFactory(actor=dup, target=keep)  # would become keep → keep
    AffiliationFactory(actor=dup, target=party)
    AffiliationFactory(actor=keep, target=party)
    claim, article = ClaimFactory(), ArticleFactory()
    claim.subjects.add(keep, dup)
    article.mentioned_actors.add(keep, dup)

    actor_merge(keep=keep, duplicates=[dup])

    assert Participation.objects.filter(event=event, actor=keep).count() == 1
    assert not keep.affiliations.filter(target=keep).exists()
    assert keep.affiliations.filter(target=party).count() == 1
    assert list(claim.subjects.all()) == [keep]
    assert list(article.mentioned_actors.all()) == [keep]


def test_merge_preview_lists_what_moves(duplicate):
    [row] = actor_merge_preview(duplicates=[duplicate])
    with translation.override("en"):
        moves = dict((str(label), count) for label, count in row["moves"])
    assert moves["aliases"] == 2
    assert moves["participations"] == 1
    assert moves["claims spoken"] == 1


def test_claim_set_status_records_who_and_when(db):
    claim, user = ClaimFactory(), UserFactory()

    claim_set_status(claim=claim, status=Claim.Status.RETRACTED, user=user)

    claim.refresh_from_db()
    assert (claim.status, claim.status_changed_by) == (Claim.Status.RETRACTED, user)
    assert claim.status_changed_at is not None
