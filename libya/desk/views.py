"""Plain Django views that are not part of the REST API."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from libya import replicas

logger = logging.getLogger(__name__)


# Not atomic: ATOMIC_REQUESTS would open the connection before the view could catch a failure.
@transaction.non_atomic_requests
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the primary answers a query, 503 (with Retry-After) when it does not.

    Anyone sees each part's status: the primary ("database"), the shared cache
    when there is one, each replica ("ok", "lagging" past the bound, or
    "unavailable"). Staff also see the replicas' lag and the errors, which name
    hosts, sockets and users: everyone else's go to the log only.
    """
    parts, details = {}, {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        parts["database"] = "ok"
    except DatabaseError as exc:
        logger.warning("Health check: the database is unavailable: %s", exc)
        parts["database"], details["database"] = "unavailable", {"error": str(exc).strip()}
    if settings.REDIS_URL:
        parts["cache"], details["cache"] = cache_status()
    if settings.DESK_REPLICAS:
        states = [replicas.measure(alias) for alias in settings.DESK_REPLICAS]
        parts["replicas"] = {state.alias: state.status for state in states}
        details["replicas"] = {
            state.alias: {"lag_seconds": state.lag_seconds, "error": state.error}
            for state in states
        }
    healthy = parts["database"] == "ok"
    body = {"status": "ok" if healthy else "unavailable", **parts}
    if healthy and is_staff(request):
        body["details"] = details
    response = JsonResponse(body, status=200 if healthy else 503)
    if not healthy:
        response["Retry-After"] = "5"
    return response


def cache_status() -> tuple[str, dict]:
    try:
        cache.get("healthz")
    except Exception as exc:  # the Redis client's errors share no base class with Django's
        logger.warning("Health check: the cache is unavailable: %s", exc)
        return "unavailable", {"error": str(exc).strip()}
    return "ok", {}


def is_staff(request: HttpRequest) -> bool:
    """Whether a staff member is signed in; reading the session needs the database up."""
    try:
        return bool(request.user.is_authenticated and request.user.is_staff)
    except DatabaseError:
        return False


@require_GET
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico whatever the page declares: send them the desk's icon."""
    return HttpResponseRedirect(static("desk/favicon.svg"))
