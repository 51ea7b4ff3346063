"""JSON errors for everything under /api/: DRF exceptions and Django's 404 and 500 pages."""

import logging
import math
import sys

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response

from libya.desk.faults import DETAILS, RETRY_AFTER_SECONDS, fault_response, fault_status

logger = logging.getLogger(__name__)


class DatabaseFault(exceptions.APIException):
    """The database is unreachable (503, Retry-After) or cancelled a query (504)."""

    def __init__(self, status: int) -> None:
        super().__init__(DETAILS[status])
        self.status_code = status
        self.wait = RETRY_AFTER_SECONDS if status == 503 else None


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, with every body reshaped to ``{status, detail, errors?}``.

    Unlike DRF's own, it does not call ``set_rollback()``: API reads run outside
    any transaction (see ``DeskAPIMixin.as_view``), so the only atomic block it
    could mark is an enclosing one it does not own, such as a test's.
    """
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif status := fault_status(exc):
        logger.warning("Database fault on %s: %s", context["request"].path, exc)
        exc = DatabaseFault(status)
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(math.ceil(exc.wait))
    data = exc.detail if isinstance(exc.detail, list | dict) else {"detail": exc.detail}
    return Response(error_body(exc.status_code, data), status=exc.status_code, headers=headers)


def error_body(status: int, data) -> dict:
    """``detail`` says what went wrong; ``errors`` names each parameter at fault."""
    if isinstance(data, dict) and set(data) != {"detail"}:
        fields = ", ".join(data)
        errors = {name: _messages(value) for name, value in data.items()}
        return {"status": status, "detail": f"Invalid parameter(s): {fields}.", "errors": errors}
    if isinstance(data, list):
        return {"status": status, "detail": " ".join(map(str, data))}
    return {"status": status, "detail": str(data["detail"])}


def _messages(value) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if isinstance(value, dict):
        return [f"{k}: {v}" for k, v in value.items()]
    return [str(value)]


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


@csrf_exempt
def no_such_resource(request: HttpRequest) -> JsonResponse:
    """Any method on an /api/ path that no route matches.

    A path that only lacks its final slash (``/api/v1/actors``) is what Django's
    APPEND_SLASH would redirect, but this catch-all matches it first: a GET or HEAD is
    redirected here (301, the query kept), and any other method is told the right URL
    in the 404, as a redirect would make a client drop or resend its body.

    CSRF-exempt like the API's views (which authenticate by key, not cookie): otherwise
    a write to an unknown path would get the CSRF middleware's HTML 403, not this 404.
    """
    slashed = slashed_route(request)
    if slashed is not None and request.method in ("GET", "HEAD"):
        response = JsonResponse(
            {"status": 301, "detail": f"Moved permanently to {slashed}."}, status=301
        )
        response["Location"] = slashed
    else:
        detail = "No such resource." if slashed is None else f"No such resource: use {slashed}."
        response = JsonResponse({"status": 404, "detail": detail}, status=404)
    patch_cache_control(response, no_store=True)
    return response


def slashed_route(request: HttpRequest) -> str | None:
    """The request's URL with a final slash, if that is a route of the API; else None."""
    if request.path_info.endswith("/"):
        return None
    try:
        match = resolve(f"{request.path_info}/", getattr(request, "urlconf", None))
    except Resolver404:
        return None
    if match.func is no_such_resource:
        return None
    return request.get_full_path(force_append_slash=True)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for URLs no route matches: JSON under /api/, Django's page elsewhere."""
    if _is_api(request):
        return no_such_resource(request)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: JSON under /api/ (the traceback is logged by Django), Django's page elsewhere.

    A database fault answers 503 or 504 instead, on every path.
    """
    if fault := fault_response(request, sys.exc_info()[1]):
        return fault
    if _is_api(request):
        return JsonResponse({"status": 500, "detail": "Internal server error."}, status=500)
    return defaults.server_error(request)
