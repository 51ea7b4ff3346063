"""Database faults: what the web answers when PostgreSQL is down or a query runs too long."""

from http import HTTPStatus

import psycopg
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse

from libya import pooling

RETRY_AFTER_SECONDS = 5
DETAILS = {
    HTTPStatus.SERVICE_UNAVAILABLE: "The database is unavailable; retry shortly.",
    HTTPStatus.GATEWAY_TIMEOUT: "The query took too long and was cancelled; narrow the request.",
}


def fault_status(exc: BaseException | None) -> HTTPStatus | None:
    """504 for a query cancelled by statement_timeout, 503 for a lost or refused connection.

    Anything else, including errors in the SQL itself, is not a fault of the
    database and stays a 500.
    """
    if isinstance(exc, psycopg.errors.QueryCanceled) or isinstance(
        getattr(exc, "__cause__", None), psycopg.errors.QueryCanceled
    ):
        return HTTPStatus.GATEWAY_TIMEOUT
    if isinstance(exc, OperationalError | InterfaceError | psycopg.OperationalError):
        return HTTPStatus.SERVICE_UNAVAILABLE
    return None


def fault_response(request: HttpRequest, exc: BaseException | None) -> HttpResponse | None:
    """JSON under /api/, plain text elsewhere; None when `exc` is not a database fault.

    Django's handler500 calls this for faults outside the API views, including
    those raised by middleware before any view runs (pghistory's reads the session).
    """
    status = fault_status(exc)
    if status is None:
        return None
    detail = DETAILS[status]
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"status": status, "detail": detail}, status=status)
    else:
        response = HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")
    if status == HTTPStatus.SERVICE_UNAVAILABLE:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def limit_web_statements() -> None:
    """Bound every query of this process by DESK_STATEMENT_TIMEOUT_MS.

    Only the web entry points (libya/wsgi.py, libya/asgi.py, which runserver also
    loads) call this. The limit becomes a libpq startup option of every connection
    the process opens afterwards, so it costs no round trip, while manage.py
    commands (migrate, seed, generate_corpus) never import those modules and run
    without a limit whatever the environment says.
    """
    timeout = settings.DESK_STATEMENT_TIMEOUT_MS
    if not timeout:
        return
    if settings.DESK_DB_TRANSACTION_POOLER:
        # Behind PgBouncer: with every transaction instead (libya/pooling.py).
        pooling.per_transaction["statement_timeout"] = str(timeout)
        return
    for alias in connections:
        options = connections.settings[alias].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c statement_timeout={timeout}".strip()
        connections[alias].close()  # a connection opened during start-up would escape it
