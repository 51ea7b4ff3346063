"""A response cache for anonymous API reads that is never stale.

Every write statement on a desk table moves the desk's generation on, in the
writer's own transaction (libya/desk/models/generation.py). An answer is cached
under the generation read *before* the view ran, so it holds data at least as new
as that generation; once a write commits, every later request reads the new
generation and misses the answers cached before it. Reading the generation is the
one query a hit makes, and it never touches the desk's tables.

The ETag is derived from the generation and the request, so a conditional GET
answers 304 from that single query too, in any process, cached answer or not.

Why not Django's cache middleware (UpdateCacheMiddleware / FetchFromCacheMiddleware):
it expires answers by time, so an answer cached before a write stays served until
its timeout; it has no notion of a version to key on.
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from rest_framework.request import Request
from rest_framework.settings import api_settings

from libya import replicas
from libya.desk.api.throttles import QuotaThrottle, count_anonymous

# Every row's token (row 1 and the bulk writers' stripes, models/generation.py): any
# write moves one of them, and so the whole.
GENERATION_SQL = "SELECT string_agg(token::text, ' ' ORDER BY id) FROM desk_generation"
# The desk's resources; the schema and the docs pages do not depend on the desk's data.
CACHED_PATHS = re.compile(r"^/api/v1/(articles|actors|events|claims|deletions)/")
# A HEAD is answered from the GET's answer (the server sends its headers alone).
CACHED_METHODS = {"GET": "GET", "HEAD": "GET"}
# Says whether the answer came from the cache (the benchmark counts its hit ratio by it).
STATUS_HEADER = "X-Desk-Cache"
# Headers that belong to one exchange, not to the answer.
NOT_STORED = {"set-cookie", "date"}


def read_generation(alias: str | None = None) -> str | None:
    """The desk's current generation token, on the database the request reads from.

    None when there is no generation row. Read where the view will read (a replica
    when the request was routed to one), so that an answer is never keyed by a
    generation newer than the data it was built from.

    The read doubles as the connection's health check (CONN_HEALTH_CHECKS), which
    would otherwise cost a `SELECT 1` round trip of its own before it: when it fails
    on a connection that died between requests, the connection is closed, and the
    view opens a new one (or answers 503) as after a failed health check.
    """
    connection = connections[alias or "default"]
    checked = connection.health_check_done
    connection.health_check_done = True
    try:
        with connection.prepared_cursor() as cursor:  # the same text every time
            cursor.execute(GENERATION_SQL)
            row = cursor.fetchone()
    except DatabaseError:
        if not connection.in_atomic_block:
            connection.close()
        else:
            connection.health_check_done = checked
        raise
    return row[0] if row else None


class ResponseCache:
    """Serve anonymous GETs (and HEADs) of the API from the cache of the current generation.

    Called by the read path (readpath.py), inside the security, CSP, CORS and quota
    middleware, whose headers every answer gets, and in front of the short chain that
    builds a miss. Hits still pass the API's throttles.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not cacheable_request(request):
            return self.get_response(request)
        try:
            generation = read_generation(replicas.alias_for(request))
            address = request.build_absolute_uri()
        except (DatabaseError, DisallowedHost):
            # The view answers as it would without the cache (503, 400...).
            return self.get_response(request)
        if generation is None:
            return self.get_response(request)
        key = cache_key(generation, request, address)
        etag = f'W/"{key[:32]}"'
        store = caches[settings.DESK_RESPONSE_CACHE_ALIAS]
        answer = self.answer_here(request, store.get(key), etag)
        if answer is not None:
            if throttles_allow(request):
                answer[STATUS_HEADER] = "hit"
                return answer
            return self.get_response(request)  # the view answers 429 with Retry-After
        response = self.get_response(request)
        if response.status_code != 200 or response.cookies:
            return response
        response["ETag"] = etag
        response[STATUS_HEADER] = "miss"
        if request.method != "GET":
            return response  # a HEAD's body may be empty: only a GET's answer is kept
        if response.streaming:
            response.streaming_content = keep_while_streaming(
                response.streaming_content, response, store, key
            )
        elif len(response.content) <= settings.DESK_RESPONSE_CACHE_MAX_BYTES:
            store.set(key, freeze(response, response.content))
        return response

    @staticmethod
    def answer_here(request: HttpRequest, stored, etag: str) -> HttpResponse | None:
        """A 304 for a matching If-None-Match, else the stored answer, else None (a miss)."""
        answer = replay(stored) if stored is not None else None
        if request.headers.get("If-None-Match"):
            conditional = get_conditional_response(
                request, etag=etag, response=answer or validators_only(etag)
            )
            if conditional is not None and conditional.status_code == 304:
                return conditional
        return answer


def cacheable_request(request: HttpRequest) -> bool:
    """An anonymous GET or HEAD of a desk resource: no session, no credentials, cache enabled."""
    return (
        settings.DESK_RESPONSE_CACHE
        and request.method in CACHED_METHODS
        and CACHED_PATHS.match(request.path_info) is not None
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


def cache_key(generation: str, request: HttpRequest, address: str) -> str:
    """Method, scheme, host, path and query (links in answers are absolute), Accept, generation."""
    method = CACHED_METHODS[request.method]
    parts = [generation, method, address, request.headers.get("Accept", "")]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def throttles_allow(request: HttpRequest) -> bool:
    """The API's throttles, counted for an answer that skips the view.

    The desk's own quota is counted directly (the request carries no credentials);
    any other throttle class through a DRF request, as the view would. A refused
    request goes on to the view, which refuses it again and answers 429 with
    Retry-After as every API view does.
    """
    anonymous = None
    for throttle in api_settings.DEFAULT_THROTTLE_CLASSES:
        if issubclass(throttle, QuotaThrottle):
            allowed = count_anonymous(request)
        else:
            anonymous = anonymous or Request(request, authenticators=())  # AnonymousUser
            allowed = throttle().allow_request(anonymous, None)
        if not allowed:
            return False
    return True


def freeze(response: HttpResponse, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [(k, v) for k, v in response.items() if k.lower() not in NOT_STORED]
    return response.status_code, headers, body


def replay(stored: tuple[int, list[tuple[str, str]], bytes]) -> HttpResponse:
    status, headers, body = stored
    response = HttpResponse(body, status=status)
    for name, value in headers:
        response[name] = value
    return response


def validators_only(etag: str) -> HttpResponse:
    """The headers a 304 repeats when this process has not cached the answer itself."""
    from libya.desk.api.views import cache_headers  # the API's caching policy, in one place

    response = cache_headers(HttpResponse())
    response["ETag"] = etag
    return response


def keep_while_streaming(source, response: StreamingHttpResponse, store, key: str):
    """Pass a streamed answer (CSV) through, and cache it once complete if it was small enough."""
    limit = settings.DESK_RESPONSE_CACHE_MAX_BYTES
    chunks: list[bytes] | None = []
    size = 0
    for chunk in source:
        if chunks is not None:
            size += len(chunk)
            if size <= limit:
                chunks.append(chunk)
            else:
                chunks = None
        yield chunk
    if chunks is not None:
        store.set(key, freeze(response, b"".join(chunks)))
