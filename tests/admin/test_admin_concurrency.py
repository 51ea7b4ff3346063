"""No lost updates: two editors load the same record, both save, exactly one save lands."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from libya.desk.models import Actor, Claim
from tests.factories import AliasFactory, ClaimFactory


@pytest.fixture
def actor(db) -> Actor:
    return AliasFactory(actor__name="Fayez el-Sarraj Testé", actor__country="LY").actor


def test_change_form_refuses_the_second_save(editor_client, second_editor_client, form_data, actor):
    url = reverse("admin:desk_actor_change", args=[actor.pk])
    first = form_data(editor_client.get(url), "actor_form")
    second = form_data(second_editor_client.get(url), "actor_form")
    first["name"], second["name"] = ["Fayez al-Sarraj"], ["Fayez Sarraj"]

    assert editor_client.post(url, first).status_code == HTTPStatus.FOUND
    refused = second_editor_client.post(url, second)

    assert refused.status_code == HTTPStatus.OK
    message = str(refused.context["adminform"].form.non_field_errors())
    assert "a été modifié par test-editor pendant que vous le modifiiez" in message
    assert "« Fayez el-Sarraj Testé » → « Fayez al-Sarraj »" in message
    actor.refresh_from_db()
    assert (actor.name, actor.version) == ("Fayez al-Sarraj", 2)


def test_change_form_without_version_is_refused(editor_client, form_data, actor):
    url = reverse("admin:desk_actor_change", args=[actor.pk])
    data = form_data(editor_client.get(url), "actor_form")
    del data["expected_version"]

    assert editor_client.post(url, data).status_code == HTTPStatus.OK
    actor.refresh_from_db()
    assert actor.version == 1


def test_change_form_saves_when_nobody_else_did(editor_client, form_data, actor):
    url = reverse("admin:desk_actor_change", args=[actor.pk])
    data = form_data(editor_client.get(url), "actor_form")
    data["country"] = ["TR"]

    assert editor_client.post(url, data).status_code == HTTPStatus.FOUND
    actor.refresh_from_db()
    assert (actor.country, actor.version) == ("TR", 2)


def changelist_form(client, form_data, pk) -> dict:
    response = client.get(reverse("admin:desk_actor_changelist"), {"q": "Sarraj Testé"})
    data = form_data(response, "changelist-form")
    assert f"{pk}:1" in data["_version"]
    return data


def row_prefix(data: dict, pk) -> str:
    return next(
        k.removesuffix("-id") for k, v in data.items() if k.endswith("-id") and v == [str(pk)]
    )


def test_list_editable_refuses_the_second_save(
    editor_client, second_editor_client, form_data, actor
):
    first = changelist_form(editor_client, form_data, actor.pk)
    second = changelist_form(second_editor_client, form_data, actor.pk)
    prefix = row_prefix(first, actor.pk)
    first[f"{prefix}-country"], second[f"{prefix}-country"] = ["TR"], ["EG"]
    first["_save"] = second["_save"] = ["Save"]
    url = reverse("admin:desk_actor_changelist") + "?q=Sarraj+Testé"

    assert editor_client.post(url, first).status_code == HTTPStatus.FOUND
    refused = second_editor_client.post(url, second)

    assert refused.status_code == HTTPStatus.OK
    assert "pendant que vous le modifiiez" in refused.content.decode()
    actor.refresh_from_db()
    assert (actor.country, actor.version) == ("TR", 2)


def test_action_refuses_rows_changed_since_the_list_was_shown(
    editor_client, second_editor_client, form_data
):
    claim = ClaimFactory()
    url = reverse("admin:desk_claim_changelist")
    pages = [
        form_data(client.get(url, {"q": claim.text}), "changelist-form")
        for client in (editor_client, second_editor_client)
    ]
    for data, status in zip(pages, ["verified", "disputed"], strict=True):
        data.update({"action": [f"mark_{status}"], "_selected_action": [str(claim.pk)]})

    editor_client.post(url, pages[0])
    refused = second_editor_client.post(url, pages[1], follow=True)

    claim.refresh_from_db()
    assert claim.status == Claim.Status.VERIFIED
    assert "pendant que vous le modifiiez" in refused.content.decode()


def test_merge_confirmation_refuses_actors_changed_meanwhile(editor_client, form_data):
    keep = AliasFactory(actor__name="Haftar Testé").actor
    dup = AliasFactory(actor__name="Hafter Testé").actor
    url = reverse("admin:desk_actor_changelist")
    data = form_data(editor_client.get(url, {"q": "Testé"}), "changelist-form")
    data.update({"action": ["merge_actors"], "_selected_action": [str(keep.pk), str(dup.pk)]})
    confirmation = form_data(editor_client.post(url, data), "merge-form")
    Actor.objects.filter(pk=dup.pk).update(description="edited meanwhile")

    assert f"{dup.pk}:1" in confirmation["_version"]  # versions travel with the confirmation
    confirmation["keep"] = [str(keep.pk)]
    response = editor_client.post(url, confirmation, follow=True)

    assert "pendant que vous le modifiiez" in response.content.decode()
    assert Actor.objects.filter(pk=dup.pk).exists()


def test_delete_action_refuses_rows_changed_since_the_list_was_shown(editor_client, form_data):
    doomed = AliasFactory(actor__name="Condamné Testé").actor
    url = reverse("admin:desk_actor_changelist")
    data = form_data(editor_client.get(url, {"q": "Condamné Testé"}), "changelist-form")
    data.update({"action": ["delete_selected"], "_selected_action": [str(doomed.pk)]})
    Actor.objects.filter(pk=doomed.pk).update(description="edited meanwhile")

    response = editor_client.post(url, data, follow=True)

    assert "pendant que vous le modifiiez" in response.content.decode()
    assert Actor.objects.filter(pk=doomed.pk).exists()
