"""/api/v1/actors/: alias-aware fuzzy search, filters, details, the timeline."""

from datetime import date
from http import HTTPStatus

import pytest

from libya.desk.models import Actor, Claim, DatePrecision, Participation
from tests.factories import (
    ActorFactory,
    AffiliationFactory,
    AliasFactory,
    ArticleFactory,
    ClaimFactory,
    EventFactory,
    ParticipationFactory,
)

URL = "/api/v1/actors/"

pytestmark = pytest.mark.django_db


def slugs(response) -> list[str]:
    assert response.status_code == HTTPStatus.OK, response.content
    return [row["slug"] for row in response.json()["results"]]


@pytest.fixture
def zorgou():
    """An invented actor, so the corpus cannot answer in its place."""
    actor = ActorFactory(slug="anatoli-zorgou", name="Anatoli Zorgoïev", country="RU")
    AliasFactory(actor=actor, name="Anatoli Zorgoïev", language="fr")
    AliasFactory(actor=actor, name="Zorgoïev", language="fr")
    AliasFactory(actor=actor, name="Zorgoyev", language="en")
    return actor


def test_actors_search_finds_alias_without_accents(client, zorgou):
    assert slugs(client.get(URL, {"search": "Zorgoiev"}))[0] == "anatoli-zorgou"


def test_actors_search_finds_alias_in_another_spelling(client, zorgou):
    assert slugs(client.get(URL, {"search": "zorgoyev"}))[0] == "anatoli-zorgou"


def test_actors_search_tolerates_a_misspelling(client, zorgou):
    assert "anatoli-zorgou" in slugs(client.get(URL, {"search": "Zorgoiew"}))


def test_actors_search_tolerates_one_wrong_letter_in_a_short_name(client):
    actor = ActorFactory(slug="aref-misar", name="Aref Misar")
    AliasFactory(actor=actor, name="Misar")

    assert "aref-misar" in slugs(client.get(URL, {"search": "Miser"}))


def test_a_shared_name_particle_alone_does_not_match(client):
    # "ben" makes 4 of the 7 trigrams of "ben Bela": alone it would match any "ben ..." name.
    for slug, name in [
        ("zayd-ben-bella", "Zayd ben Bella"),
        ("yusra-ben-tavir", "Yusra ben Tavir"),
    ]:
        AliasFactory(actor=ActorFactory(slug=slug, name=name), name=name)

    found = slugs(client.get(URL, {"search": "ben Bela"}))

    assert "zayd-ben-bella" in found
    assert "yusra-ben-tavir" not in found


def test_actors_search_puts_exact_matches_first(client, zorgou):
    near = ActorFactory(slug="zorgoievski", name="Zorgoïevski")
    AliasFactory(actor=near, name="Zorgoïevski")

    found = slugs(client.get(URL, {"search": "Zorgoïev"}))

    assert found.index("anatoli-zorgou") < found.index("zorgoievski")


def test_actors_search_of_a_long_or_odd_string_is_empty_not_an_error(client):
    assert slugs(client.get(URL, {"search": "é" * 5000})) == []
    assert slugs(client.get(URL, {"search": "%_\\'\""})) == []


def test_actors_filter_by_kind_and_country(client, zorgou):
    ActorFactory(slug="etat-test", kind=Actor.Kind.STATE, country="RU")

    found = slugs(client.get(URL, {"country": "RU", "kind": ["person", "state"]}))

    assert {"anatoli-zorgou", "etat-test"} <= set(found)
    assert all(
        row["country"] == "RU" for row in client.get(URL, {"country": "RU"}).json()["results"]
    )


def test_actors_unknown_kind_is_400_naming_the_parameter(client):
    response = client.get(URL, {"kind": "wizard"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert list(response.json()["errors"]) == ["kind"]


def test_actors_filter_by_event_and_article(client, zorgou):
    event = EventFactory(slug="sommet-test", participants=[zorgou])
    article = ArticleFactory(slug="article-test")
    article.mentioned_actors.add(zorgou)

    assert slugs(client.get(URL, {"event": event.slug})) == ["anatoli-zorgou"]
    assert slugs(client.get(URL, {"article": "article-test"})) == ["anatoli-zorgou"]


def test_actor_detail_lists_aliases_affiliations_and_counts(client, zorgou):
    EventFactory(participants=[zorgou])
    ClaimFactory(speaker=zorgou)
    ClaimFactory(speaker=zorgou, status=Claim.Status.RETRACTED)
    ClaimFactory().subjects.add(zorgou)
    AffiliationFactory(actor=zorgou, target=ActorFactory(slug="ministere-test"))

    body = client.get(f"{URL}anatoli-zorgou/").json()

    assert {a["name"] for a in body["aliases"]} == {"Anatoli Zorgoïev", "Zorgoïev", "Zorgoyev"}
    assert body["affiliations"][0]["target"]["slug"] == "ministere-test"
    assert body["counts"] == {
        "events": 1,
        "claims_spoken": 1,
        "claims_about": 1,
        "articles_mentioning": 0,
    }


def test_actor_timeline_merges_events_and_claims_newest_first(client, zorgou):
    ParticipationFactory(
        actor=zorgou,
        role=Participation.Role.HOST,
        event=EventFactory(slug="visite-test", start_date=date(2020, 1, 10)),
    )
    spoken = ClaimFactory(speaker=zorgou, said_on=date(2020, 1, 14))
    about = ClaimFactory(said_on=date(2020, 1, 12))
    about.subjects.add(zorgou)
    ClaimFactory(speaker=zorgou, said_on=date(2020, 1, 15), status=Claim.Status.RETRACTED)

    items = client.get(f"{URL}anatoli-zorgou/timeline/").json()["results"]

    assert [(i["type"], i["key"], i["role"]) for i in items] == [
        ("claim", str(spoken.pk), "speaker"),
        ("claim", str(about.pk), "subject"),
        ("event", "visite-test", "host"),
    ]


def test_actor_timeline_filters_by_date_with_overlap(client, zorgou):
    ParticipationFactory(
        actor=zorgou,
        event=EventFactory(
            slug="janvier-test", start_date=date(2020, 1, 1), date_precision=DatePrecision.MONTH
        ),
    )
    ClaimFactory(speaker=zorgou, said_on=date(2020, 2, 1))

    items = client.get(
        f"{URL}anatoli-zorgou/timeline/", {"date_after": "2020-01-20", "date_before": "2020-01-31"}
    ).json()["results"]

    assert [i["key"] for i in items] == ["janvier-test"]


def test_actor_timeline_bad_date_is_400_and_unknown_actor_404(client, zorgou):
    bad = client.get(f"{URL}anatoli-zorgou/timeline/", {"date_after": "2020-13-01"})
    missing = client.get(f"{URL}nobody-at-all/timeline/")

    assert bad.status_code == HTTPStatus.BAD_REQUEST
    assert "date_after" in bad.json()["errors"]
    assert missing.status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("page_size", [1, 50])
def test_actors_list_query_count_is_fixed(client, django_assert_num_queries, page_size):
    ActorFactory.create_batch(3)

    # page of actors carrying the capped count as a column
    with django_assert_num_queries(1):
        response = client.get(URL, {"page_size": page_size})
    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize("page_size", [1, 50])
def test_actors_search_query_count_is_fixed(client, django_assert_num_queries, zorgou, page_size):
    AliasFactory(actor=ActorFactory(), name="Zorgoïeva")

    # page of matching actors with their best alias score and the capped count
    with django_assert_num_queries(1):
        response = client.get(URL, {"search": "zorgoiev", "page_size": page_size})
    assert response.status_code == HTTPStatus.OK


def test_actor_detail_query_count_is_fixed(client, django_assert_num_queries, zorgou):
    AffiliationFactory(actor=zorgou)

    # actor joined to owner; counts, aliases and affiliations as subquery columns
    with django_assert_num_queries(1):
        response = client.get(f"{URL}anatoli-zorgou/")
    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize("page_size", [1, 50])
def test_actor_timeline_query_count_is_fixed(client, django_assert_num_queries, zorgou, page_size):
    EventFactory(participants=[zorgou])
    ClaimFactory(speaker=zorgou)

    # actor, count of the union, page of the union
    with django_assert_num_queries(3):
        response = client.get(f"{URL}anatoli-zorgou/timeline/", {"page_size": page_size})
    assert response.status_code == HTTPStatus.OK


def test_actor_graph_lists_relations_with_their_sources(client, django_assert_num_queries):
    with django_assert_num_queries(7):
        response = client.get(URL + "sergei-shoigu/graph/")

    assert response.status_code == HTTPStatus.OK
    graph = response.json()
    assert graph["actor"] == "sergei-shoigu"
    focus = [node for node in graph["nodes"] if node["focus"]]
    assert [node["slug"] for node in focus] == ["sergei-shoigu"]
    khalifa = [e for e in graph["edges"] if "khalifa-haftar" in (e["source"], e["target"])]
    assert khalifa
    assert all(e["weight"] == max(1, len(e["sources"])) for e in khalifa)
    assert all("url" not in source for e in graph["edges"] for source in e["sources"])


def test_actor_graph_of_unknown_actor_is_a_json_404(client):
    response = client.get(URL + "nobody-at-all/graph/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()
