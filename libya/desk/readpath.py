"""The lean read path: anonymous GETs and HEADs of the desk's resources skip what they never use.

Such a request carries no session cookie and no ``Authorization`` header, so sessions,
CSRF, authentication, the editors' locale, messages, history context and axes (which
watches sign-ins) have nothing to do for it; each still costs a call in and out, and
the session and messages ones a lazy object or two. ``AnonymousReadMiddleware`` sits
after the middleware that add headers to every answer (security, CSP, CORS, quotas),
and sends these requests through the response cache (responsecache.py) and then a
shorter chain, ``DESK_READ_MIDDLEWARE`` (settings.py), instead of the rest of
``MIDDLEWARE``; a search's repeated statements keep their plans on the connection
(``plans_kept_by_text``, libya/postgresql/base.py). Every other request takes the
whole stack. The replica is chosen before (libya/replicas.py), so the generation and
the view read the same database.

Why a second chain built here: Django builds exactly one middleware chain, from
``settings.MIDDLEWARE``, and has no per-path stack; ``ReadHandler`` builds the second
one as ``BaseHandler.load_middleware`` does (synchronous only, as the desk is served).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from libya.desk.responsecache import ResponseCache
from libya.postgresql.base import plans_kept_by_text

# The desk's resources and the records that link them; not the schema, the docs or the
# API root, whose renderers may build HTML pages that expect the full stack.
READ_PATHS = re.compile(
    r"^/api/v1/(articles|actors|events|claims|deletions|aliases|participations|claim-links)/"
)
READ_METHODS = frozenset({"GET", "HEAD"})


def anonymous_read(request: HttpRequest) -> bool:
    """A GET or HEAD of a desk resource with no session cookie and no credentials."""
    return (
        request.method in READ_METHODS
        and READ_PATHS.match(request.path_info) is not None
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


class ReadHandler(BaseHandler):
    """URL resolving and the view behind the given middleware (as load_middleware builds them)."""

    def __init__(self, middleware_paths: list[str]) -> None:
        super().__init__()
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(middleware_paths):
            middleware = import_string(path)(handler)
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(middleware.process_template_response)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler


class AnonymousReadMiddleware:
    """Anonymous reads: the response cache, then the short chain; anything else: the whole stack."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.read = ResponseCache(ReadHandler(settings.DESK_READ_MIDDLEWARE)._middleware_chain)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not anonymous_read(request):
            return self.get_response(request)
        if "search" not in request.GET:
            return self.read(request)
        # A search's statements are not compiled, and planning them is much of their cost;
        # other reads' are compiled and prepared already, and keeping every text besides
        # could crowd them out of the connection's 100 (libya/postgresql/base.py). Reads
        # write nothing, so what psycopg prepares for them is never rolled back.
        with plans_kept_by_text():
            return self.read(request)
