"""The API on the seeded corpus (fixtures/corpus.json): what a client would actually ask."""

from http import HTTPStatus
from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.django_db

MOSCOW_TALKS = "moscow-talks-2020-01-13"


def get(client, url: str, **params) -> dict:
    response = client.get(url, params)
    assert response.status_code == HTTPStatus.OK, response.content
    return response.json()


def slugs(body: dict) -> list[str]:
    return [row["slug"] for row in body["results"]]


def test_corpus_negocier_finds_the_moscow_talks_articles(client):
    reporting = set(slugs(get(client, "/api/v1/articles/", event=MOSCOW_TALKS)))

    found = get(client, "/api/v1/articles/", search="négocier", snippet="true")

    assert reporting <= set(slugs(found))
    assert all("<mark>" in row["snippet"] for row in found["results"])


@pytest.mark.parametrize(
    ("term", "slug"),
    [
        ("Choigou", "sergei-shoigu"),
        ("Shoygu", "sergei-shoigu"),
        ("Hafter", "khalifa-haftar"),
        ("Haftarr", "khalifa-haftar"),
        ("lavrof", "sergei-lavrov"),
        ("cavusoglu", "mevlut-cavusoglu"),
    ],
)
def test_corpus_actor_search_finds_any_spelling_first(client, term, slug):
    assert slugs(get(client, "/api/v1/actors/", search=term))[0] == slug


def test_corpus_moscow_talks_participants_and_roles(client):
    event = get(client, f"/api/v1/events/{MOSCOW_TALKS}/")

    roles = {(p["slug"], p["role"]) for p in event["participants"]}
    assert ("khalifa-haftar", "party") in roles
    assert ("russia", "host") in roles
    assert event["start_date"] == "2020-01-13"
    assert event["end_date"] == "2020-01-14"


def test_corpus_events_in_january_2020_with_haftar(client):
    found = get(
        client,
        "/api/v1/events/",
        actor="khalifa-haftar",
        date_after="2020-01-01",
        date_before="2020-01-31",
        page_size=500,
    )

    assert MOSCOW_TALKS in slugs(found)
    assert all(r["start_date"] <= "2020-01-31" for r in found["results"] if r["start_date"])


def test_corpus_month_precision_article_matches_mid_month_range(client):
    found = get(
        client, "/api/v1/articles/", published_after="2020-01-20", published_before="2020-01-25"
    )

    assert [r["published"] for r in found["results"]] == ["2020-01"]


def test_corpus_claims_by_lavrov_with_facets(client):
    body = get(client, "/api/v1/claims/", speaker="sergei-lavrov", facet="status,kind")

    assert body["count"] >= 1
    assert {r["speaker"]["slug"] for r in body["results"]} == {"sergei-lavrov"}
    assert sum(f["count"] for f in body["facets"]["status"]) == body["count"]


def test_corpus_claim_detail_passage_is_the_article_span(client):
    claim = get(client, "/api/v1/claims/", page_size=1)["results"][0]
    detail = get(client, f"/api/v1/claims/{claim['id']}/")
    article = get(client, f"/api/v1/articles/{claim['article']['slug']}/")

    assert article["body"][detail["span_start"] : detail["span_end"]] == detail["text"]
    assert detail["passage"]["quote"] == detail["text"]


def test_corpus_haftar_timeline_is_in_date_order(client):
    items = get(client, "/api/v1/actors/khalifa-haftar/timeline/", page_size=500)["results"]
    dates = [i["date"] for i in items if i["date"]]

    assert {i["type"] for i in items} == {"event", "claim"}
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize(
    ("url", "term", "facet"),
    [("/api/v1/articles/", "Libye", "language"), ("/api/v1/actors/", "Sergueï", "kind")],
)
def test_corpus_ranked_search_pages_walk_every_match_once(client, url, term, facet):
    everything = slugs(get(client, url, search=term, page_size=500))
    seen, next_url = [], f"{url}?{urlencode({'search': term, 'page_size': 1, 'facet': facet})}"
    for _ in range(len(everything) + 1):  # bounded: a cursor that stalls must fail, not hang
        if not next_url:
            break
        response = client.get(next_url)
        assert response.status_code == HTTPStatus.OK, response.content
        seen += slugs(response.json())
        next_url = response.json()["next"]

    assert len(everything) > 1
    assert seen == everything
