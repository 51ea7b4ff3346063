"""Quotas: a lower one for anonymous clients, one per API key, exact across processes."""

import http.client
import threading
from http import HTTPStatus

import pytest
from django.conf import settings
from django.core.cache import cache

from libya.desk.models import DeskAPIKey
from tests.factories import UserFactory
from tests.servers import gunicorn


def new_key(**fields):
    """A key (model, key) acting for a user of its own."""
    return DeskAPIKey.objects.create_key(user=UserFactory(), **fields)


pytestmark = pytest.mark.throttled
ACTORS = "/api/v1/actors/"


@pytest.fixture
def quotas(settings, db):
    """Small rates, and a cache emptied of earlier counters before and after."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "key": "5/hour"},
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_key(db) -> str:
    return new_key(name="monitoring feed")[1]


def test_anonymous_clients_get_the_anon_quota_with_ratelimit_fields(client, quotas):
    answers = [client.get(ACTORS) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert {a["RateLimit-Policy"] for a in answers} == {'"anon";q=3;w=60'}
    remaining = [a["RateLimit"].split(";")[1] for a in answers]
    assert remaining == ["r=2", "r=1", "r=0", "r=0"]
    refused = answers[-1]
    reset = int(refused["RateLimit"].rsplit("t=", 1)[1])
    assert 0 < reset <= 60
    assert refused["Retry-After"] == str(reset)
    assert refused.json()["status"] == HTTPStatus.TOO_MANY_REQUESTS


def test_a_request_with_an_api_key_is_counted_against_its_key(
    client, quotas, api_key, django_assert_num_queries
):
    headers = {"authorization": f"Api-Key {api_key}"}
    for _ in range(3):
        assert client.get(ACTORS).status_code == HTTPStatus.OK
    assert client.get(ACTORS).status_code == HTTPStatus.TOO_MANY_REQUESTS

    # The key is checked on every request (a revoked key stops at once); its last use is
    # written at most once a minute; the quota reuses the authenticated key.
    with django_assert_num_queries(3):  # the key, its last use, the page
        first = client.get(ACTORS, headers=headers)
    with django_assert_num_queries(2):  # the key, the page
        rest = [client.get(ACTORS, headers=headers) for _ in range(1)]
    rest += [client.get(ACTORS, headers=headers) for _ in range(4)]

    statuses = [a.status_code for a in [first, *rest]]
    assert statuses == [200, 200, 200, 200, 200, 429]
    assert first["RateLimit-Policy"] == '"key";q=5;w=3600'
    assert first["RateLimit"].startswith('"key";r=4;t=')
    assert rest[-1]["Retry-After"]


def test_each_key_has_its_own_quota(client, quotas, db):
    keys = [new_key(name=f"feed {n}")[1] for n in range(2)]

    statuses = {
        key[:8]: [
            client.get(ACTORS, headers={"authorization": f"Api-Key {key}"}).status_code
            for _ in range(6)
        ]
        for key in keys
    }

    assert list(statuses.values()) == [[200] * 5 + [429]] * 2


def test_another_scheme_gets_the_anonymous_quota(client, quotas, db):
    answers = [client.get(ACTORS, headers={"authorization": "Bearer something"}) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0]["RateLimit-Policy"] == '"anon";q=3;w=60'


@pytest.mark.parametrize("authorization", ["Api-Key not.a-key", "Api-Key ", "revoked", "expired"])
def test_an_unknown_revoked_or_expired_key_is_refused_not_counted(
    client, quotas, db, authorization
):
    if authorization == "revoked":
        authorization = f"Api-Key {new_key(name='revoked', revoked=True)[1]}"
    elif authorization == "expired":
        old = new_key(name="old", expiry_date="2020-01-01T00:00:00Z")[1]
        authorization = f"Api-Key {old}"

    answers = [client.get(ACTORS, headers={"authorization": authorization}) for _ in range(4)]

    # Credentials that fail are an error the client must see, never a quiet downgrade.
    assert [a.status_code for a in answers] == [401] * 4
    assert client.get(ACTORS).status_code == HTTPStatus.OK  # the address's quota is untouched


def test_a_signed_in_session_is_counted_as_anonymous(client, quotas, django_user_model):
    # The API authenticates keys only: a browser session of the admin earns no quota.
    client.force_login(django_user_model.objects.create_user("reader", password="x" * 20))

    answers = [client.get(ACTORS) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0]["RateLimit-Policy"] == '"anon";q=3;w=60'


def test_the_admin_shows_each_keys_usage(admin_client, client, quotas, api_key):
    for _ in range(2):
        client.get(ACTORS, headers={"authorization": f"Api-Key {api_key}"})

    page = admin_client.get("/" + settings.ADMIN_PATH + "desk/deskapikey/")

    assert page.status_code == HTTPStatus.OK
    assert "2 / 5 (5/hour)" in page.content.decode()


def test_the_quota_is_exact_across_two_gunicorn_processes(test_database_url, redis_url, tmp_path):
    """Two servers share one Redis: 20 allowed in all, whichever server answers."""
    env = {"DATABASE_URL": test_database_url, "REDIS_URL": redis_url, "DESK_ANON_RATE": "20/hour"}
    env["DESK_CACHE_PREFIX"] = f"quota-test-{tmp_path.name}"
    with (
        gunicorn(env, tmp_path / "a.log", "--workers", "1", "--threads", "4") as port_a,
        gunicorn(env, tmp_path / "b.log", "--workers", "1", "--threads", "4") as port_b,
    ):
        statuses: dict[int, list[int]] = {port_a: [], port_b: []}

        def send(port: int, times: int) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for _ in range(times):
                connection.request("GET", ACTORS + "?page_size=1")
                response = connection.getresponse()
                response.read()
                statuses[port].append(response.status)
            connection.close()

        for _ in range(5):  # in turn first, so that both count towards the quota
            send(port_a, 1)
            send(port_b, 1)
        threads = [
            threading.Thread(target=send, args=[port, 10])
            for port in (port_a, port_b)
            for _ in range(3)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    every = statuses[port_a] + statuses[port_b]
    assert len(every) == 70
    assert every.count(200) == 20, statuses
    assert every.count(429) == 50, statuses
    # Each server let requests through and refused others: neither counted alone.
    assert all(set(answers) == {200, 429} for answers in statuses.values()), statuses


def test_with_the_cache_down_requests_are_served_uncounted(client, db, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: no Redis answers there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/minute", "key": "1/minute"},
    }
    _, key = new_key(name="feed")

    answers = [
        client.get(ACTORS),
        client.get(ACTORS),
        client.get(ACTORS, headers={"authorization": f"Api-Key {key}"}),
    ]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert "RateLimit" not in answers[-1]
    assert "Quota not counted: the cache is unavailable" in caplog.text


def test_in_redis_each_request_is_counted_once_and_the_window_is_the_counters_ttl(
    client, admin_client, db, settings, redis_url, tmp_path
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"quota-ttl-{tmp_path.name}",
        }
    }
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "key": "5/hour"},
    }
    _, key = new_key(name="feed")

    anonymous = [client.get(ACTORS) for _ in range(4)]
    keyed = [client.get(ACTORS, headers={"authorization": f"Api-Key {key}"}) for _ in range(2)]
    page = admin_client.get("/" + settings.ADMIN_PATH + "desk/deskapikey/")

    assert [a.status_code for a in anonymous] == [200, 200, 200, 429]
    assert [a["RateLimit"].split(";")[1] for a in anonymous] == ["r=2", "r=1", "r=0", "r=0"]
    assert 0 < int(anonymous[-1]["Retry-After"]) <= 60
    assert keyed[-1]["RateLimit"].startswith('"key";r=3;t=')
    assert 3590 <= int(keyed[-1]["RateLimit"].rsplit("t=", 1)[1]) <= 3600
    assert "2 / 5 (5/hour)" in page.content.decode()
