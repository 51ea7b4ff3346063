"""History is written by every write path and shown, diffed, from each object's page."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from libya.desk.models import Actor, Claim
from tests.factories import ActorFactory, ClaimFactory


def users_of(obj) -> list:
    return [
        row.pgh_context.metadata.get("user") if row.pgh_context else None
        for row in obj.history.order_by("pgh_id")
    ]


@pytest.mark.django_db
def test_form_save_writes_history_with_the_editor(editor_client, editor, form_data):
    actor = ActorFactory(name="Aguila Saleh")
    url = reverse("admin:desk_actor_change", args=[actor.pk])
    data = form_data(editor_client.get(url), "actor_form")
    data["description"] = ["Président de la Chambre des représentants"]

    assert editor_client.post(url, data).status_code == HTTPStatus.FOUND

    last = actor.history.order_by("pgh_id").last()
    assert last.pgh_label == "update"
    assert last.description == "Président de la Chambre des représentants"
    assert users_of(actor)[-1] == editor.pk


@pytest.mark.django_db
def test_action_writes_history_with_the_editor(editor_client, editor):
    claim = ClaimFactory()

    editor_client.post(
        reverse("admin:desk_claim_changelist"),
        {"action": "mark_disputed", "_selected_action": [claim.pk]},
    )

    last = claim.history.order_by("pgh_id").last()
    assert (last.status, last.pgh_label) == (Claim.Status.DISPUTED, "update")
    assert users_of(claim)[-1] == editor.pk


@pytest.mark.django_db
def test_bulk_update_writes_history():
    actors = [ActorFactory(country=""), ActorFactory(country="")]

    Actor.objects.filter(pk__in=[a.pk for a in actors]).update(country="LY")

    for actor in actors:
        assert list(actor.history.order_by("pgh_id").values_list("pgh_label", "country")) == [
            ("insert", ""),
            ("update", "LY"),
        ]


@pytest.mark.django_db
def test_history_page_shows_who_changed_what(editor_client, editor, form_data):
    actor = ActorFactory(name="Ahmed Maiteeg")
    url = reverse("admin:desk_actor_change", args=[actor.pk])
    data = form_data(editor_client.get(url), "actor_form")
    data["name"] = ["Ahmed Miitig"]
    editor_client.post(url, data)

    page = editor_client.get(reverse("admin:desk_actor_history", args=[actor.pk]))

    html = page.content.decode()
    assert page.status_code == HTTPStatus.OK
    assert "<del>Ahmed Maiteeg</del>" in html
    assert "<ins>Ahmed Miitig</ins>" in html
    assert editor.username in html
