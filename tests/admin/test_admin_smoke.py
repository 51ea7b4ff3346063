"""Every desk page answers an editor, and refuses a staff member outside Editors."""

from http import HTTPStatus

import pytest
from django.contrib import admin
from django.urls import reverse

from libya.desk.models import Actor, Deletion, DeskAPIKey, JobError, Suggestion
from tests.factories import (
    ActorFactory,
    AffiliationFactory,
    AliasFactory,
    ClaimLinkFactory,
    EventFactory,
    SuggestionFactory,
    UserFactory,
)

DESK_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label == "desk"),
    key=lambda model: model._meta.model_name,
)
PAGES = ["changelist", "search", "add", "change", "delete"]
# The deletion log is written by triggers, suggestions by the extractor, job errors by
# the workers: editors may read them (and decide suggestions), nobody adds or deletes them.
READ_ONLY = {(Deletion, "add"), (Deletion, "delete"), (Suggestion, "add"), (Suggestion, "delete")}
READ_ONLY |= {(JobError, "add"), (JobError, "delete")}
# API keys act for their users: only superusers hand them out or revoke them.
SUPERUSERS_ONLY = {DeskAPIKey}
# Bookkeeping without an admin of its own: the generation row, answers kept for retries.
UNREGISTERED = {"DatePrecision", "Generation", "IdempotentRequest"}


@pytest.fixture
def one_of_each(db) -> dict:
    """One saved row of every desk model (the corpus may be there too; not relied upon)."""
    link = ClaimLinkFactory()
    event = EventFactory(participants=[link.claim.speaker])
    gone = ActorFactory()
    gone.delete()
    rows = [
        link,
        link.claim,
        link.claim.article,
        link.claim.speaker,
        event,
        event.participations.get(),
        AliasFactory(),
        AffiliationFactory(),
        Deletion.objects.filter(key=gone.slug).get(),
        SuggestionFactory(),
        JobError.objects.create(job_id=1, task_name="desk.enrich_article", attempt=1, error="x"),
        DeskAPIKey.objects.create_key(user=UserFactory(), name="feed")[0],
    ]
    return {type(row): row for row in rows}


def page_url(model, page: str, obj) -> str:
    name = f"admin:desk_{model._meta.model_name}_"
    if page == "changelist":
        return reverse(name + "changelist")
    if page == "search":
        return reverse(name + "changelist") + "?q=a"
    if page == "add":
        return reverse(name + "add")
    return reverse(name + page, args=[obj.pk])


def test_every_desk_model_is_registered():
    from libya.desk import models

    assert set(DESK_MODELS) == {
        getattr(models, name) for name in models.__all__ if name not in UNREGISTERED
    }


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("model", DESK_MODELS, ids=lambda m: m._meta.model_name)
def test_admin_pages_answer_editor_and_refuse_outsider(
    model, page, one_of_each, editor, client, django_user_model
):
    url = page_url(model, page, one_of_each[model])
    refused = (model, page) in READ_ONLY or model in SUPERUSERS_ONLY
    expected = HTTPStatus.FORBIDDEN if refused else HTTPStatus.OK

    client.force_login(editor)
    assert client.get(url).status_code == expected

    client.force_login(django_user_model.objects.create_user("outsider", is_staff=True))
    assert client.get(url).status_code == HTTPStatus.FORBIDDEN


def test_actor_model_has_history_link(editor_client, one_of_each):
    actor = one_of_each[Actor]
    response = editor_client.get(reverse("admin:desk_actor_change", args=[actor.pk]))
    history = reverse("admin:desk_actor_history", args=[actor.pk])
    assert history in response.content.decode()
