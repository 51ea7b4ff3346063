"""Read replicas: API reads go to a streaming replica, everything else to the primary.

``DATABASE_REPLICA_URLS`` adds the replicas (settings.py). Only safe API
requests (GET, HEAD, OPTIONS under /api/) read from one, chosen at random among
those whose lag is within ``DESK_REPLICA_MAX_LAG_SECONDS``. The admin, every
write and every read made while writing stay on the primary.

Read-your-writes: a client whose write succeeded gets a signed cookie (and,
when it wrote with an API key, a mark in the shared cache under the key), and
reads from the primary for ``DESK_READ_YOUR_WRITES_SECONDS``, so that it never
reads a replica older than its own write.

Why by hand: the packages that route reads (django-replicated, django-multidb-router)
are unmaintained for current Django and know nothing of replica lag.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse
from redis.exceptions import RedisError

from libya.desk.api.throttles import api_key_prefix

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WROTE_COOKIE = "desk_wrote"
WROTE_SALT = "libya.replicas.wrote"
# Where the request reads from, once chosen (alias_for).
CHOSEN_ATTRIBUTE = "desk_read_alias"
# On a replica: 0 when it has replayed all it received, else the age of the last
# transaction it replayed (an upper bound of the lag while the primary writes).
LAG_SQL = """
    SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN 0
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
        ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)
    END::float8
"""

# The replica this request reads from; None: the primary.
reading_from: ContextVar[str | None] = ContextVar("desk_reading_from", default=None)


@dataclass(frozen=True)
class ReplicaState:
    alias: str
    status: str  # "ok", "lagging" or "unavailable"
    lag_seconds: float | None
    checked: float  # time.monotonic()
    error: str = ""

    @property
    def usable(self) -> bool:
        return self.status == "ok"


class ReplicaRouter:
    """Reads where the request's middleware chose, writes and migrations to the primary."""

    def db_for_read(self, model, **hints) -> str | None:
        return reading_from.get()

    def db_for_write(self, model, **hints) -> str:
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replicas hold the primary's rows

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == "default"


# Per process: each measures its replicas' lag at most every DESK_REPLICA_CHECK_SECONDS.
_states: dict[str, ReplicaState] = {}


def measure(alias: str) -> ReplicaState:
    """Ask the replica how far behind it is; unavailable when it does not answer."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(LAG_SQL)
            lag = cursor.fetchone()[0]
    except DatabaseError as exc:
        logger.warning("Replica %s is unavailable: %s", alias, exc)
        connections[alias].close()
        state = ReplicaState(alias, "unavailable", None, time.monotonic(), str(exc).strip())
    else:
        status = "ok" if lag <= settings.DESK_REPLICA_MAX_LAG_SECONDS else "lagging"
        state = ReplicaState(alias, status, round(lag, 3), time.monotonic())
    _states[alias] = state
    return state


def state(alias: str) -> ReplicaState:
    known = _states.get(alias)
    if known is None or time.monotonic() - known.checked > settings.DESK_REPLICA_CHECK_SECONDS:
        return measure(alias)
    return known


def choose_replica() -> str | None:
    """A replica within the lag bound, at random; None when there is none."""
    usable = [alias for alias in settings.DESK_REPLICAS if state(alias).usable]
    return random.choice(usable) if usable else None


def wrote_recently(request: HttpRequest) -> bool:
    if request.get_signed_cookie(
        WROTE_COOKIE, default=None, salt=WROTE_SALT, max_age=settings.DESK_READ_YOUR_WRITES_SECONDS
    ):
        return True
    prefix = _api_key_prefix(request)
    if not prefix:
        return False
    try:
        return bool(cache.get(f"wrote:key:{prefix}"))
    except RedisError:
        return True  # cannot tell: the primary is never behind


def remember_write(request: HttpRequest, response: HttpResponse) -> None:
    seconds = settings.DESK_READ_YOUR_WRITES_SECONDS
    response.set_signed_cookie(
        WROTE_COOKIE,
        "1",
        salt=WROTE_SALT,
        max_age=seconds,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    prefix = _api_key_prefix(request)
    if prefix:
        with contextlib.suppress(RedisError):  # then its reads go to the primary anyway
            cache.set(f"wrote:key:{prefix}", 1, seconds)


def _api_key_prefix(request: HttpRequest) -> str | None:
    if "HTTP_AUTHORIZATION" not in request.META:
        return None
    return api_key_prefix(request)


def alias_for(request: HttpRequest) -> str | None:
    """The database this request reads from (None: the primary), chosen once per request.

    The response cache reads the desk's generation before this middleware runs, and
    must read it where the view will read.
    """
    if hasattr(request, CHOSEN_ATTRIBUTE):
        return getattr(request, CHOSEN_ATTRIBUTE)
    alias = None
    if (
        settings.DESK_REPLICAS
        and request.method in SAFE_METHODS
        and request.path.startswith("/api/")
        and not wrote_recently(request)
    ):
        alias = choose_replica()
    setattr(request, CHOSEN_ATTRIBUTE, alias)
    return alias


class ReplicaMiddleware:
    """Chooses the database of each request's reads; remembers who has just written."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.DESK_REPLICAS:
            return self.get_response(request)
        token = reading_from.set(alias_for(request))
        try:
            response = self.get_response(request)
        finally:
            # A streamed CSV export reads after this: from the primary.
            reading_from.reset(token)
        if request.method not in SAFE_METHODS and response.status_code < 400:
            remember_write(request, response)
        return response
