"""Plain Django views that are not part of the REST API."""

import logging

from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


# Not atomic: ATOMIC_REQUESTS would open the connection before the view could catch a failure.
@transaction.non_atomic_requests
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers a query, 503 (with Retry-After) when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        response = JsonResponse(
            {"status": "unavailable", "database": str(exc).strip()[:200]}, status=503
        )
        response["Retry-After"] = "5"
        return response
    return JsonResponse({"status": "ok", "database": "ok"})


@require_GET
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico whatever the page declares: send them the desk's icon."""
    return HttpResponseRedirect(static("desk/favicon.svg"))
