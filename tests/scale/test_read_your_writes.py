"""Read-your-writes marks: a signed cookie for browsers, the shared cache for API keys.

The end-to-end case (an editor's write, then its reads from the primary while a
paused replica serves everyone else) is in test_replicas.py; these check the two
marks themselves, including the API-key one that the write API will set.
"""

from django.core.cache import cache
from django.http import HttpResponse

from libya.desk.models import DeskAPIKey
from libya.replicas import WROTE_COOKIE, remember_write, wrote_recently
from tests.factories import UserFactory


def new_key(**fields):
    """A key (model, key) acting for a user of its own."""
    return DeskAPIKey.objects.create_key(user=UserFactory(), **fields)


def test_a_write_with_an_api_key_sends_that_keys_reads_to_the_primary(rf, db, settings):
    settings.DESK_READ_YOUR_WRITES_SECONDS = 7
    cache.clear()
    writer, other = (new_key(name=name)[1] for name in ("writer", "other"))
    response = HttpResponse(status=201)

    remember_write(
        rf.post("/api/v1/claims/", headers={"authorization": f"Api-Key {writer}"}), response
    )

    reads = {
        key: wrote_recently(rf.get("/api/v1/claims/", headers={"authorization": f"Api-Key {key}"}))
        for key in (writer, other)
    }
    assert reads == {writer: True, other: False}
    assert response.cookies[WROTE_COOKIE]["max-age"] == 7
    assert response.cookies[WROTE_COOKIE]["httponly"] is True


def test_the_cookie_must_carry_a_valid_signature(rf, db):
    signed = HttpResponse()
    remember_write(rf.post("/admin/"), signed)

    genuine = rf.get("/api/v1/claims/")
    genuine.COOKIES[WROTE_COOKIE] = signed.cookies[WROTE_COOKIE].value
    forged = rf.get("/api/v1/claims/")
    forged.COOKIES[WROTE_COOKIE] = "1"

    assert wrote_recently(genuine) is True
    assert wrote_recently(forged) is False


def test_with_the_cache_down_a_key_reads_from_the_primary(rf, db, settings):
    _, key = new_key(name="feed")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: no Redis answers there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    headers = {"authorization": f"Api-Key {key}"}
    response = HttpResponse(status=201)

    remember_write(rf.post("/api/v1/claims/", headers=headers), response)

    assert wrote_recently(rf.get("/api/v1/claims/", headers=headers)) is True
    assert WROTE_COOKIE in response.cookies
