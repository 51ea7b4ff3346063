"""The actor dossier: identity, linked records, chart data, and a fixed number of queries."""

import json
import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from libya.desk.admin.dossier import period_end
from libya.desk.models import Actor, Claim, DatePrecision, Participation
from tests.factories import ActorFactory, ClaimFactory, EventFactory

pytestmark = pytest.mark.django_db


def dossier_url(actor: Actor) -> str:
    return reverse("admin:desk_actor_dossier", args=[actor.pk])


def json_block(html: str, element_id: str):
    pattern = rf'<script id="{element_id}" type="application/json">(.*?)</script>'
    found = re.search(pattern, html, re.S)
    assert found, element_id
    return json.loads(found.group(1))


@pytest.fixture
def shoigu() -> Actor:
    return Actor.objects.get(slug="sergei-shoigu")


def test_dossier_of_shoigu_links_his_events_and_claims(editor_client, shoigu):
    response = editor_client.get(dossier_url(shoigu))

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    for part in Participation.objects.filter(actor=shoigu):
        assert reverse("admin:desk_event_change", args=[part.event_id]) in html
    about = Claim.objects.filter(subjects=shoigu)
    assert about.exists()
    for claim in about:
        assert reverse("admin:desk_claim_change", args=[claim.pk]) in html
    for alias in shoigu.aliases.all():
        assert alias.name in html


def test_dossier_chart_data_spans_imprecise_dates(editor_client):
    actor = ActorFactory()
    event = EventFactory(
        participants=[actor], start_date="2020-06-01", date_precision=DatePrecision.MONTH
    )
    ClaimFactory(speaker=actor, said_on="2019-01-01", said_precision=DatePrecision.YEAR)

    html = editor_client.get(dossier_url(actor)).content.decode()

    items = {item["url"]: item for item in json_block(html, "desk-timeline-data")}
    event_item = items[reverse("admin:desk_event_change", args=[event.pk])]
    assert (event_item["start"], event_item["end"]) == ("2020-06-01", "2020-06-30")
    assert {(i["start"], i["end"]) for i in items.values()} >= {("2019-01-01", "2019-12-31")}
    graph = json_block(html, "desk-graph-data")
    assert graph["actor"] == actor.slug


def test_dossier_network_weighs_edges_by_sources(editor_client, shoigu):
    html = editor_client.get(dossier_url(shoigu)).content.decode()

    graph = json_block(html, "desk-graph-data")
    assert {node["slug"] for node in graph["nodes"]} >= {"sergei-shoigu", "khalifa-haftar"}
    for edge in graph["edges"]:
        assert edge["weight"] == max(1, len(edge["sources"]))
        assert all(record["url"] for record in edge["records"])
    kinds = {edge["kind"] for edge in graph["edges"]}
    assert {"event", "statement"} <= kinds


def test_dossier_query_count_is_fixed(editor_client, shoigu, django_assert_num_queries):
    editor_client.get(dossier_url(shoigu))  # warm the session and permission caches
    with django_assert_num_queries(18):
        response = editor_client.get(dossier_url(shoigu))
    assert response.status_code == HTTPStatus.OK


def test_dossier_is_linked_from_change_page_and_search(editor_client, shoigu):
    change = editor_client.get(reverse("admin:desk_actor_change", args=[shoigu.pk]))
    search = editor_client.get(reverse("admin:desk_actor_changelist"), {"q": "Choigou"})

    assert change.status_code == search.status_code == HTTPStatus.OK
    assert dossier_url(shoigu) in change.content.decode()
    assert dossier_url(shoigu) in search.content.decode()


def test_dossier_of_unknown_actor_is_404(editor_client):
    response = editor_client.get(reverse("admin:desk_actor_dossier", args=[987654321]))
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_dossier_refuses_outsider(outsider_client, shoigu):
    assert outsider_client.get(dossier_url(shoigu)).status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize(
    ("precision", "end"),
    [("day", "2020-02-10"), ("month", "2020-02-29"), ("year", "2020-12-31"), ("unknown", None)],
)
def test_period_end(precision, end):
    from datetime import date

    found = period_end(date(2020, 2, 10), precision)
    assert (found.isoformat() if found else None) == end
