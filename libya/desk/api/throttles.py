"""Quotas: how many API requests a client may make per window, counted in the shared cache.

A request that carries a valid API key (``Authorization: Api-Key <key>``,
djangorestframework-api-key) is counted against its key, by the key's prefix,
at the ``key`` rate; any other anonymous request against its address
(``NUM_PROXIES`` decides which) at the lower ``anon`` rate. Both rates are in
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``, in DRF's ``"120/minute"`` form.

Why not DRF's own SimpleRateThrottle: it reads a list of timestamps from the
cache, appends one and writes it back, so two workers answering the same
client at once both read the old list and one request goes uncounted; with
several machines the quota leaks in proportion. Here each window has one
counter, incremented atomically (Redis INCR; a lock in local memory), so the
quota is exact however many processes share the cache.

The window opens at a client's first request and lasts the rate's period: in
Redis the counter's own time to live marks it (one round trip per request), in
local memory its start is stored beside the counter.

Answers carry the IETF draft's ``RateLimit-Policy`` and ``RateLimit`` fields
(draft-ietf-httpapi-ratelimit-headers-10), a 429 also ``Retry-After``. When the
shared cache is down, requests are served uncounted (and logged): the quota
protects the service, it must not take it down.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse
from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle
from rest_framework_api_key.permissions import KeyParser

from libya.desk.models import DeskAPIKey

logger = logging.getLogger(__name__)

# How long a key's verification is remembered: verifying costs a query and a hash.
# A revoked key keeps its own quota at most this long (the write API checks keys itself).
KEY_CHECK_SECONDS = 60
QUOTA_ATTRIBUTE = "desk_quota"


@dataclass(frozen=True)
class Quota:
    """One client's standing in its current window."""

    policy: str  # "anon" or "key"
    limit: int
    window: int  # seconds
    used: int
    reset: int  # seconds until the window closes

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Policy": f'"{self.policy}";q={self.limit};w={self.window}',
            "RateLimit": f'"{self.policy}";r={self.remaining};t={self.reset}',
        }


class QuotaThrottle(BaseThrottle):
    """DRF throttle: a per-key or per-address quota, exact across processes (see module)."""

    quota: Quota | None = None

    def allow_request(self, request, view) -> bool:
        client = self.client(request)
        if client is None:
            return True
        policy, identity = client
        # The Django request outlives DRF's: RateLimitHeadersMiddleware reads it there.
        self.quota = count_for(request._request, policy, identity)
        return self.quota is None or not self.quota.exceeded

    def wait(self) -> float | None:
        return self.quota.reset if self.quota else None

    def client(self, request) -> tuple[str, str] | None:
        """("key", prefix) for a valid API key, ("anon", address) for anyone else not signed in."""
        prefix = api_key_prefix(request)
        if prefix:
            return "key", prefix
        if request.user and request.user.is_authenticated:
            return None  # editors browsing the API in a signed-in session
        return "anon", self.get_ident(request)


def count_anonymous(request: HttpRequest) -> bool:
    """QuotaThrottle's answer for a request without credentials, with no DRF request built.

    For the response cache's hits (responsecache.py), which skip the view.
    """
    quota = count_for(request, "anon", QuotaThrottle().get_ident(request))
    return quota is None or not quota.exceeded


def count_for(request: HttpRequest, policy: str, identity: str) -> Quota | None:
    """Count the request against its client's quota and leave the Quota on the request.

    None when the policy has no rate or the shared cache is down (served uncounted).
    """
    rate = api_settings.DEFAULT_THROTTLE_RATES.get(policy)
    if not rate:
        return None
    limit, window = SimpleRateThrottle.parse_rate(None, rate)
    try:
        quota = count(policy, identity, limit, window)
    except RedisError as exc:
        logger.warning("Quota not counted: the cache is unavailable: %s", exc)
        return None
    setattr(request, QUOTA_ATTRIBUTE, quota)
    return quota


def count(policy: str, identity: str, limit: int, window: int) -> Quota:
    """Count one request in the client's current window, which opened at its first request."""
    key = f"quota:{policy}:{identity}"
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        used, reset = _count_in_redis(backend, key, window)
    else:
        used, reset = _count_in_process(backend, key, window)
    return Quota(policy, limit, window, used, max(reset, 1))


def _count_in_redis(backend: RedisCache, key: str, window: int) -> tuple[int, int]:
    """INCR, EXPIRE NX and TTL in one atomic round trip (MULTI/EXEC).

    Through Django's cache API the same takes four round trips (its incr() asks
    whether the key exists first, and a key's time to live cannot be read), so
    this reaches for the backend's client, a private attribute of Django's own
    Redis backend. EXPIRE NX needs Redis 7 or Valkey.
    """
    name = backend.make_and_validate_key(key)
    client = backend._cache.get_client(name, write=True)
    with client.pipeline(transaction=True) as pipe:
        pipe.incr(name)
        pipe.expire(name, window, nx=True)
        pipe.ttl(name)
        used, _, ttl = pipe.execute()
    return used, ttl


def _count_in_process(backend, key: str, window: int) -> tuple[int, int]:
    """Local memory (one process): the window's start is stored beside its counter."""
    now = time.time()
    start = backend.get(f"{key}:start")
    if start is None:
        # add() is atomic: of two threads opening the window at once, one start wins.
        backend.add(f"{key}:start", int(now), window)
        start = backend.get(f"{key}:start", int(now))
    counter = f"{key}:{start}"
    try:
        used = backend.incr(counter)
    except ValueError:  # the first request of the window, or the counter just expired
        used = 1 if backend.add(counter, 1, window + 1) else backend.incr(counter)
    return used, math.ceil(start + window - now)


def used_by_key(prefix: str) -> int:
    """Requests counted against an API key in its current window (0 when none is open)."""
    key = f"quota:key:{prefix}"
    start = cache.get(f"{key}:start")  # local memory only
    return cache.get(key if start is None else f"{key}:{start}", 0)


def api_key_prefix(request) -> str | None:
    """The prefix of the request's API key when the key is valid, unrevoked and unexpired."""
    if isinstance(getattr(request, "auth", None), DeskAPIKey):
        return request.auth.prefix  # DRF has authenticated it already
    key = KeyParser().get(request)
    if not key:
        return None
    digest = hashlib.sha256(key.encode()).hexdigest()
    try:
        remembered = cache.get(f"apikey:{digest}")
    except RedisError:
        return _verified_prefix(key)  # the cache is down: verify every time
    if remembered is None:
        remembered = _verified_prefix(key) or ""
        cache.set(f"apikey:{digest}", remembered, KEY_CHECK_SECONDS)
    return remembered or None


def _verified_prefix(key: str) -> str | None:
    try:
        api_key = DeskAPIKey.objects.get_from_key(key)
    except DeskAPIKey.DoesNotExist:
        return None
    return None if api_key.has_expired else api_key.prefix


class RateLimitHeadersMiddleware:
    """Adds the quota's RateLimit fields to every answer that a quota counted.

    A middleware because DRF's throttled() builds the 429 from the wait alone;
    the throttle leaves its Quota on the request, and this copies its fields out.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        quota: Quota | None = getattr(request, QUOTA_ATTRIBUTE, None)
        if quota is not None:
            for name, value in quota.headers().items():
                response[name] = value
            if quota.exceeded:
                response["Retry-After"] = str(quota.reset)
        return response
