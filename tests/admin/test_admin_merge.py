"""Merging actors from the changelist: a confirmation page, then the service does the work."""

from django.urls import reverse

from libya.desk.models import Actor, Deletion
from tests.factories import AliasFactory, ClaimFactory, EventFactory


def test_merge_action_confirms_then_merges(editor_client, form_data):
    keep = AliasFactory(actor__name="Fayez Sarraj Testé").actor
    dup = AliasFactory(actor__name="Fayez al-Sarraj Testé").actor
    ClaimFactory(speaker=dup)
    EventFactory(participants=[dup])
    url = reverse("admin:desk_actor_changelist")
    data = form_data(editor_client.get(url, {"q": "Sarraj Testé"}), "changelist-form")
    data.update({"action": ["merge_actors"], "_selected_action": [str(keep.pk), str(dup.pk)]})

    confirmation = editor_client.post(url, data)

    html = confirmation.content.decode()
    assert 'id="merge-preview"' in html
    assert "Affirmations prononcées (1)" in html
    assert "Participations (1)" in html
    assert not Deletion.objects.filter(key=dup.slug).exists()

    answer = form_data(confirmation, "merge-form")
    answer["keep"] = [str(keep.pk)]
    done = editor_client.post(url, answer, follow=True)

    assert "1 acteur fusionné dans Fayez Sarraj Testé" in done.content.decode()
    assert not Actor.objects.filter(pk=dup.pk).exists()
    assert keep.claims_spoken.count() == 1
    assert keep.aliases.filter(name="Fayez al-Sarraj Testé").exists()
    assert Deletion.objects.get(key=dup.slug).merged_into == keep.slug


def test_merge_needs_two_actors(editor_client):
    actor = AliasFactory().actor
    response = editor_client.post(
        reverse("admin:desk_actor_changelist"),
        {"action": "merge_actors", "_selected_action": [actor.pk]},
        follow=True,
    )
    assert "Sélectionnez au moins deux acteurs à fusionner" in response.content.decode()
