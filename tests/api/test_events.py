"""/api/v1/events/: overlap date filters, participants and roles, places, details."""

from datetime import date
from http import HTTPStatus

import pytest

from libya.desk.models import DatePrecision, Event, Participation
from tests.factories import (
    ActorFactory,
    ArticleFactory,
    ClaimFactory,
    EventFactory,
    ParticipationFactory,
)

URL = "/api/v1/events/"

pytestmark = pytest.mark.django_db


def slugs(response) -> list[str]:
    assert response.status_code == HTTPStatus.OK, response.content
    return [row["slug"] for row in response.json()["results"]]


@pytest.fixture
def place():
    """A place no corpus event happens in, to isolate each test's events."""
    return {"place": "Zlitenbourg"}


def test_events_row_has_participants_with_roles_and_parent(client):
    talks = EventFactory(slug="pourparlers-test", place_name="Zlitenbourg")
    signing = EventFactory(slug="signature-test", parent=talks, place_name="Zlitenbourg")
    ParticipationFactory(
        event=signing, actor=ActorFactory(slug="signataire", name="Sig"), role="signatory"
    )

    row = client.get(f"{URL}signature-test/").json()

    assert row["parent"] == {"slug": "pourparlers-test", "title": talks.title}
    assert row["participants"] == [{"slug": "signataire", "name": "Sig", "role": "signatory"}]


def test_events_date_range_matches_any_overlap(client, place):
    common = {"place_name": "Zlitenbourg"}
    EventFactory(
        slug="trois-jours", start_date=date(2020, 1, 10), end_date=date(2020, 1, 12), **common
    )
    EventFactory(
        slug="janvier", start_date=date(2020, 1, 1), date_precision=DatePrecision.MONTH, **common
    )
    EventFactory(slug="le-20", start_date=date(2020, 1, 20), **common)
    EventFactory(slug="annee-2019", start_date=date(2019, 1, 1), date_precision="year", **common)

    on_12th = client.get(URL, place | {"date_after": "2020-01-12", "date_before": "2020-01-12"})
    late_jan = client.get(URL, place | {"date_after": "2020-01-21"})
    in_2019 = client.get(URL, place | {"date_before": "2019-12-31"})

    assert sorted(slugs(on_12th)) == ["janvier", "trois-jours"]
    assert slugs(late_jan) == ["janvier"]
    assert slugs(in_2019) == ["annee-2019"]


def test_events_filter_by_kind_any_of(client, place):
    EventFactory(slug="visite", kind=Event.Kind.VISIT, place_name="Zlitenbourg")
    EventFactory(slug="attaque", kind=Event.Kind.ATTACK, place_name="Zlitenbourg")
    EventFactory(slug="treve", kind=Event.Kind.CEASEFIRE, place_name="Zlitenbourg")

    found = client.get(URL, place | {"kind": ["visit", "attack"]})

    assert sorted(slugs(found)) == ["attaque", "visite"]


def test_events_filter_by_actor_and_role_on_the_same_participation(client, place):
    haftar = ActorFactory(slug="haftar-test")
    signed = EventFactory(slug="signe", place_name="Zlitenbourg")
    refused = EventFactory(slug="refuse", place_name="Zlitenbourg")
    ParticipationFactory(event=signed, actor=haftar, role=Participation.Role.SIGNATORY)
    ParticipationFactory(event=refused, actor=haftar, role=Participation.Role.PARTY)
    ParticipationFactory(event=refused, actor=ActorFactory(), role=Participation.Role.SIGNATORY)

    assert sorted(slugs(client.get(URL, {"actor": "haftar-test"}))) == ["refuse", "signe"]
    assert slugs(client.get(URL, {"actor": "haftar-test", "role": "signatory"})) == ["signe"]
    assert sorted(slugs(client.get(URL, place | {"role": "signatory"}))) == ["refuse", "signe"]


def test_events_filter_by_place_ignores_case_and_accents_or_takes_a_country(client):
    EventFactory(slug="a-zlit", place_name="Zlîtenbourg", place_country="ZZ")

    assert slugs(client.get(URL, {"place": "zlitenbourg"})) == ["a-zlit"]
    assert slugs(client.get(URL, {"place": "zz"})) == ["a-zlit"]


def test_events_filter_by_article_and_parent(client):
    article = ArticleFactory(slug="rapport-test")
    talks = EventFactory(slug="parent-test")
    talks.articles.add(article)
    EventFactory(slug="enfant-test", parent=talks)

    assert slugs(client.get(URL, {"article": "rapport-test"})) == ["parent-test"]
    assert slugs(client.get(URL, {"parent": "parent-test"})) == ["enfant-test"]


def test_events_search_full_text(client, place):
    EventFactory(slug="cessez", title="Cessez-le-feu négocié", place_name="Zlitenbourg")
    EventFactory(slug="autre", title="Visite officielle", place_name="Zlitenbourg")

    assert slugs(client.get(URL, place | {"search": "négociation"})) == ["cessez"]


def test_events_bad_date_is_400_naming_it(client):
    response = client.get(URL, {"date_after": "2020-02-30", "date_before": "hier"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert set(response.json()["errors"]) == {"date_after", "date_before"}


def test_events_facets_by_kind_and_role(client, place):
    event = EventFactory(kind=Event.Kind.TALKS, place_name="Zlitenbourg")
    ParticipationFactory(event=event, role=Participation.Role.MEDIATOR)
    EventFactory(kind=Event.Kind.TALKS, place_name="Zlitenbourg")
    EventFactory(kind=Event.Kind.VISIT, place_name="Zlitenbourg")

    facets = client.get(URL, place | {"facet": "kind,role"}).json()["facets"]

    assert facets["kind"] == [{"value": "talks", "count": 2}, {"value": "visit", "count": 1}]
    assert {"value": "mediator", "count": 1} in facets["role"]


def test_event_detail_lists_articles_claims_and_sub_events(client):
    talks = EventFactory(slug="detail-test")
    article = ArticleFactory()
    talks.articles.add(article)
    claim = ClaimFactory(article=article, event=talks)
    EventFactory(slug="sous-evenement", parent=talks)

    body = client.get(f"{URL}detail-test/").json()

    assert [a["slug"] for a in body["articles"]] == [article.slug]
    assert [c["id"] for c in body["claims"]] == [claim.pk]
    assert [e["slug"] for e in body["children"]] == ["sous-evenement"]


@pytest.mark.parametrize("page_size", [1, 50])
def test_events_list_query_count_is_fixed(client, django_assert_num_queries, page_size):
    for _ in range(3):
        event = EventFactory(parent=EventFactory(), participants=[ActorFactory(), ActorFactory()])
        event.articles.add(ArticleFactory())

    # page of events joined to parent with the capped count, participants joined to actors
    with django_assert_num_queries(2):
        response = client.get(URL, {"page_size": page_size})
    assert response.status_code == HTTPStatus.OK


def test_event_detail_query_count_is_fixed(client, django_assert_num_queries):
    event = EventFactory(slug="compte-test", participants=[ActorFactory()])
    event.articles.add(ArticleFactory())
    EventFactory(parent=event)

    # event joined to parent; participants, articles, claims, sub-events as JSON arrays
    with django_assert_num_queries(1):
        response = client.get(f"{URL}compte-test/")
    assert response.status_code == HTTPStatus.OK
