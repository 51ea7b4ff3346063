"""Rough edges an editor met in the trial, each pinned by a test."""

from http import HTTPStatus

import pytest
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.urls import reverse

from libya.desk.models import Actor, Article, Claim, Event, Participation
from libya.desk.services import actor_merge, actor_merge_preview
from tests.factories import ActorFactory, AliasFactory, ClaimFactory

pytestmark = pytest.mark.django_db

PAGE = """Le maréchal Testé rencontre un ministre à Moscou

Le maréchal Testé a rencontré mercredi à Moscou un ministre russe, selon un communiqué.
Les deux hommes ont évoqué la situation militaire autour de Tripoli.
"""


@pytest.fixture
def shoigu() -> Actor:
    return Actor.objects.get(slug="sergei-shoigu")


def changelist_pks(client, model: str, term: str) -> set[int]:
    response = client.get(reverse(f"admin:desk_{model}_changelist"), {"q": term})
    assert response.status_code == HTTPStatus.OK
    return {row.pk for row in response.context["cl"].result_list}


def test_claim_search_tolerates_misspelling_and_accents(editor_client, shoigu):
    found = changelist_pks(editor_client, "claim", "Choigou")

    spoken_or_about = Claim.objects.filter(speaker=shoigu) | Claim.objects.filter(subjects=shoigu)
    assert set(spoken_or_about.values_list("pk", flat=True)) <= found
    assert spoken_or_about.exists()


def test_event_search_finds_the_events_an_actor_took_part_in(editor_client, shoigu):
    found = changelist_pks(editor_client, "event", "Choigou")

    events = Participation.objects.filter(actor=shoigu).values_list("event_id", flat=True)
    assert set(events) <= found
    assert found <= set(Event.objects.values_list("pk", flat=True))
    assert found


def test_article_search_finds_articles_mentioning_an_actor(editor_client, shoigu):
    found = changelist_pks(editor_client, "article", "Choigou")

    assert set(shoigu.mentioned_in.values_list("pk", flat=True)) == found - _full_text("Choigou")


def _full_text(term: str) -> set[int]:
    return set(Article.objects.search(term).values_list("pk", flat=True))


def test_favicon_exists(client):
    response = client.get("/favicon.ico")

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].endswith("desk/favicon.svg")
    assert finders.find("desk/favicon.svg")


def test_article_preview_is_a_step_not_an_error(editor_client, form_data):
    url = reverse("admin:desk_article_add")
    data = form_data(editor_client.get(url), "article_form")
    data["raw_text"] = [PAGE]
    response = editor_client.post(url, data)

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert 'class="errornote"' not in html
    assert 'id="article-preview-note"' in html
    title = "Le maréchal Testé rencontre un ministre à Moscou"
    assert f'<div class="readonly" id="article-preview-title">{title}</div>' in html


def test_article_title_given_by_the_editor_is_kept(editor_client, form_data):
    url = reverse("admin:desk_article_add")
    data = form_data(editor_client.get(url), "article_form")
    data.update({"raw_text": [PAGE], "title": ["Un titre choisi"]})
    data = form_data(editor_client.post(url, data), "article_form")

    response = editor_client.post(url, data)

    assert response.status_code == HTTPStatus.FOUND
    assert Article.objects.filter(title="Un titre choisi").exists()


def test_missing_publication_date_says_what_to_do(editor_client, form_data):
    article = Article.objects.filter(published_precision="day").first()
    url = reverse("admin:desk_article_change", args=[article.pk])
    data = form_data(editor_client.get(url), "article_form")
    data["published_on"] = [""]

    response = editor_client.post(url, data)

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "article_date_given_unless_unknown" not in html
    assert "Indiquez la date de publication" in html


def test_history_shows_local_times_and_claim_subjects(editor_client, shoigu):
    claim = ClaimFactory()
    claim.subjects.add(shoigu)

    response = editor_client.get(reverse("admin:desk_claim_history", args=[claim.pk]))

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "<ins>Sergueï Choïgou</ins>" in html or f"<ins>{shoigu.name}</ins>" in html
    assert " CET</time>" in html or " CEST</time>" in html


def test_merge_shows_in_the_kept_actors_history(editor_client):
    keep = AliasFactory(actor__name="Keep Testé").actor
    dup = AliasFactory(actor__name="Dup Testé").actor

    actor_merge(keep=keep, duplicates=[dup])

    response = editor_client.get(reverse("admin:desk_actor_history", args=[keep.pk]))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "fusion" in html
    assert f"Dup Testé ({dup.slug})" in html


def test_merge_confirmation_counts_the_canonical_name_once():
    dup = ActorFactory(name="Nom Testé")
    AliasFactory(actor=dup, name="Nom Testé")
    AliasFactory(actor=dup, name="Autre Nom Testé")

    [row] = actor_merge_preview(duplicates=[dup])

    assert dict((str(label), n) for label, n in row["moves"])["alias"] == 2


def test_delete_confirmation_names_link_rows_in_words(editor_client, shoigu):
    claim = ClaimFactory(text="Une affirmation à supprimer")
    claim.subjects.add(shoigu)

    response = editor_client.get(reverse("admin:desk_claim_delete", args=[claim.pk]))

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "object (" not in html
    assert f"à propos de {shoigu.name}" in html


def test_actor_list_has_no_updated_at_date_hierarchy():
    assert admin.site._registry[Actor].date_hierarchy is None


def test_swagger_try_it_out_starts_empty_with_examples_described(client):
    response = client.get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == HTTPStatus.OK
    parameters = [
        parameter
        for path in response.json()["paths"].values()
        for operation in path.values()
        for parameter in operation.get("parameters", [])
    ]
    assert parameters
    assert not [p["name"] for p in parameters if "example" in p or "examples" in p]
    assert any("Example: `2020-01-01`" in p.get("description", "") for p in parameters)
