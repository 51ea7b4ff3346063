"""The lean read path: anonymous API reads skip the middleware they never use, and cache
hits skip the rest, with every header, quota and query count of the whole stack."""

from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from libya.desk.models import DeskAPIKey
from tests.factories import ActorFactory, UserFactory

pytestmark = pytest.mark.django_db

DETAIL = "/api/v1/actors/lean-probe/"
ORIGIN = "https://lecteur.example"
GENERATION_READ = "SELECT string_agg(token::text, ' ' ORDER BY id) FROM desk_generation"


@pytest.fixture
def probe(db):
    return ActorFactory(slug="lean-probe")


@pytest.fixture
def quotas(settings):
    """A rate the tests can read back in the RateLimit fields; counters emptied around."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "50/minute", "key": "70/hour"},
    }
    cache.clear()
    yield
    cache.clear()


def took_the_whole_stack(response) -> bool:
    """SessionMiddleware, on the whole stack only, leaves the session on the request."""
    return hasattr(response.wsgi_request, "session")


def test_anonymous_reads_take_the_short_chain_and_everything_else_the_whole_stack(
    client, admin_client, probe
):
    anonymous = client.get(DETAIL)
    listed = client.head("/api/v1/actors/")
    signed_in = admin_client.get(DETAIL)
    schema = client.get("/api/v1/schema/")
    write = client.post("/api/v1/actors/", {"name": "X"}, content_type="application/json")

    assert [r.status_code for r in (anonymous, listed, signed_in, schema, write)] == [
        HTTPStatus.OK,
        HTTPStatus.OK,
        HTTPStatus.OK,
        HTTPStatus.OK,
        HTTPStatus.UNAUTHORIZED,
    ]
    assert not took_the_whole_stack(anonymous)
    assert not took_the_whole_stack(listed)
    assert took_the_whole_stack(signed_in)
    assert took_the_whole_stack(schema)
    assert took_the_whole_stack(write)
    assert signed_in.json() == anonymous.json()


def test_the_short_chain_keeps_the_queries_and_headers_of_the_whole_stack(
    client, probe, django_assert_num_queries
):
    # the actor's row with its counts, aliases and affiliations as subquery columns
    with django_assert_num_queries(1):
        detail = client.get(DETAIL)
    # the page with the capped count as a column
    with django_assert_num_queries(1):
        listed = client.get("/api/v1/actors/", {"page_size": 5})
    missing = client.get("/api/v1/actors/no-such-actor/")

    assert (detail.status_code, listed.status_code) == (HTTPStatus.OK, HTTPStatus.OK)
    assert missing.status_code == HTTPStatus.NOT_FOUND
    assert missing.json()["status"] == HTTPStatus.NOT_FOUND
    for answer in (detail, listed, missing):
        assert answer["X-Frame-Options"] == "DENY"
        assert answer["X-Content-Type-Options"] == "nosniff"
        assert answer["Referrer-Policy"] == "same-origin"
        assert "default-src 'self'" in answer["Content-Security-Policy"]
        assert int(answer["Content-Length"]) == len(answer.content)
    assert "max-age=60" in detail["Cache-Control"]
    assert detail["ETag"]


@pytest.mark.response_cache
@pytest.mark.throttled
def test_a_hit_carries_the_security_cors_and_quota_headers(client, settings, probe, quotas):
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
    settings.SECURE_HSTS_SECONDS = 3600
    headers = {"origin": ORIGIN}
    miss = client.get(DETAIL, headers=headers, secure=True)
    with CaptureQueriesContext(connection) as hit_queries:
        hit = client.get(DETAIL, headers=headers, secure=True)
    hit_sql = [q["sql"] for q in hit_queries.captured_queries]  # before the next request resets
    foreign = client.get(DETAIL, headers={"origin": "https://ailleurs.example"}, secure=True)

    assert [r.status_code for r in (miss, hit, foreign)] == [HTTPStatus.OK] * 3
    assert [r["X-Desk-Cache"] for r in (miss, hit, foreign)] == ["miss", "hit", "hit"]
    assert hit_sql == [GENERATION_READ]
    assert hit.content == miss.content
    for header in (
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Strict-Transport-Security",
        "Access-Control-Allow-Origin",
        "Cache-Control",
        "ETag",
    ):
        assert hit[header] == miss[header], header
    assert hit["Access-Control-Allow-Origin"] == ORIGIN
    assert "Access-Control-Allow-Origin" not in foreign  # CORS decides per request
    assert {"accept", "origin"} <= {v.strip().lower() for v in hit["Vary"].split(",")}
    assert hit["Strict-Transport-Security"].startswith("max-age=3600")
    # The hit was counted: one request more than the miss.
    assert miss["RateLimit-Policy"] == hit["RateLimit-Policy"] == '"anon";q=50;w=60'
    assert [r["RateLimit"].split(";")[1] for r in (miss, hit, foreign)] == [
        "r=49",
        "r=48",
        "r=47",
    ]


@pytest.mark.response_cache
def test_a_head_is_answered_from_a_get_s_answer_and_never_stored(
    client, probe, django_assert_num_queries
):
    head_first = client.head(DETAIL)
    get_after = client.get(DETAIL)
    with django_assert_num_queries(1):
        head_hit = client.head(DETAIL)

    assert [r.status_code for r in (head_first, get_after, head_hit)] == [HTTPStatus.OK] * 3
    assert [r["X-Desk-Cache"] for r in (head_first, get_after, head_hit)] == [
        "miss",
        "miss",
        "hit",
    ]
    assert head_hit.content == b""
    assert head_hit["ETag"] == get_after["ETag"]
    assert head_hit["Content-Type"] == get_after["Content-Type"]


@pytest.mark.response_cache
@pytest.mark.throttled
def test_keyed_reads_never_take_the_cache_and_count_against_their_key(client, probe, quotas):
    _, key = DeskAPIKey.objects.create_key(user=UserFactory(), name="lecteur")
    headers = {"authorization": f"Api-Key {key}"}
    anonymous = client.get(DETAIL)  # stored
    keyed = [client.get(DETAIL, headers=headers) for _ in range(2)]

    assert [r.status_code for r in (anonymous, *keyed)] == [HTTPStatus.OK] * 3
    assert anonymous["X-Desk-Cache"] == "miss"
    assert all("X-Desk-Cache" not in r for r in keyed)
    assert all(took_the_whole_stack(r) for r in keyed)
    assert [r["RateLimit-Policy"] for r in keyed] == ['"key";q=70;w=3600'] * 2
    assert [r["RateLimit"].split(";")[1] for r in keyed] == ["r=69", "r=68"]
