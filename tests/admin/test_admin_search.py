"""Finding actors under any spelling, in changelists and in autocomplete widgets."""

import pytest
from django.urls import reverse

from libya.desk.models import Actor
from tests.factories import ActorFactory, AliasFactory, ClaimFactory, MediaFactory


@pytest.fixture
def shoigu(db) -> Actor:
    actor = ActorFactory(name="Sergueï Choïgou", slug="test-sergei-choigou")
    for name in ("Sergueï Choïgou", "Sergei Shoigu", "Shoigú"):
        AliasFactory(actor=actor, name=name)
    return actor


@pytest.fixture
def haftar(db) -> Actor:
    actor = ActorFactory(name="Khalifa Haftar", slug="test-khalifa-haftar")
    for name in ("Khalifa Haftar", "Haftar", "maréchal Haftar"):
        AliasFactory(actor=actor, name=name)
    return actor


def changelist_rows(client, model: str, term: str) -> list:
    response = client.get(reverse(f"admin:desk_{model}_changelist"), {"q": term})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def autocomplete_ids(client, model: str, field: str, term: str) -> list[str]:
    response = client.get(
        reverse("admin:autocomplete"),
        {"term": term, "app_label": "desk", "model_name": model, "field_name": field},
    )
    assert response.status_code == 200
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("term", "who"),
    [("Choigou", "shoigu"), ("choïgou", "shoigu"), ("Shoigu", "shoigu"), ("Hafter", "haftar")],
)
def test_actor_changelist_finds_any_spelling(editor_client, shoigu, haftar, term, who):
    expected = {"shoigu": shoigu, "haftar": haftar}[who]
    assert expected in changelist_rows(editor_client, "actor", term)


def test_actor_changelist_search_puts_best_match_first(editor_client):
    near = AliasFactory(actor__name="Zénobie Quérardot-Blanc", actor__slug="test-zqb").actor
    exact = AliasFactory(actor__name="Zénobie Quérardot", actor__slug="test-zq").actor
    assert changelist_rows(editor_client, "actor", "zenobie querardot")[:2] == [exact, near]


def test_actor_changelist_search_excludes_unrelated(editor_client, shoigu, haftar):
    assert haftar not in changelist_rows(editor_client, "actor", "Choigou")


@pytest.mark.parametrize(
    ("model", "field"),
    [("claim", "speaker"), ("claim", "subjects"), ("participation", "actor"), ("alias", "actor")],
)
def test_actor_autocomplete_finds_any_spelling(editor_client, shoigu, haftar, model, field):
    assert str(shoigu.pk) in autocomplete_ids(editor_client, model, field, "Choigou")
    assert str(haftar.pk) in autocomplete_ids(editor_client, model, field, "Hafter")


def test_publisher_autocomplete_keeps_to_media(editor_client, shoigu):
    outlet = MediaFactory(name="Sputnik Choigou Test", slug="test-sputnik")
    AliasFactory(actor=outlet, name="Sputnik Choigou Test")
    ids = autocomplete_ids(editor_client, "article", "publisher", "Choigou")
    assert str(outlet.pk) in ids
    assert str(shoigu.pk) not in ids


def test_claim_changelist_finds_claims_by_speaker_alias(editor_client, shoigu):
    claim = ClaimFactory(speaker=shoigu)
    assert claim in changelist_rows(editor_client, "claim", "Shoigou")


def test_article_autocomplete_matches_title_words(editor_client):
    article = ClaimFactory().article
    ids = autocomplete_ids(editor_client, "claim", "article", article.title.split()[-1])
    assert str(article.pk) in ids


def test_event_autocomplete_matches_title(editor_client):
    from tests.factories import EventFactory

    event = EventFactory(title="Pourparlers de Moscou sur la trêve")
    assert str(event.pk) in autocomplete_ids(editor_client, "claim", "event", "trêve")
