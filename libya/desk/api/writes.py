"""What every write through the API shares: preconditions, retried POSTs, history's user.

- PATCH and DELETE must name the version they change (``If-Match``): 428 without it,
  412 when another write came first, so that no client overwrites an edit it never saw.
- A POST sent with ``Idempotency-Key`` is answered once: a retry gets the first answer
  again instead of a second row.
- History rows written by the request name the API key's user; pghistory's middleware
  only sees the session user, which an API-key request does not have.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pghistory
from django.db import connection, transaction
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from libya.desk.models import IdempotentRequest

IDEMPOTENCY_KEY_MAX = 255
# Answers replayed to a retry: the body, its status and the headers a client acts on.
REPLAYED_HEADERS = ("ETag", "Location")
_VERSION_TAG = re.compile(r'^(?:W/)?"(\d+)(?:\.[^"]*)?"$')


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = (
        "This request must send If-Match with the ETag of the version it changes "
        "(read it with GET)."
    )
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since that ETag was read: GET it again and retry."
    default_code = "precondition_failed"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used for a different request."
    default_code = "idempotency_key_reused"


def version_etag(version: int, variant: str = "") -> str:
    """The ETag of a row's version; ``variant`` tells apart bodies of the same version."""
    return f'"{version}.{variant}"' if variant else f'"{version}"'


def check_if_match(request: Request, current_version: int) -> None:
    """Refuse a change that does not name the current version (RFC 9110, If-Match)."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired()
    if header.strip() == "*":
        return
    versions = {_tag_version(tag) for tag in header.split(",")}
    if current_version not in versions:
        raise PreconditionFailed()


def _tag_version(tag: str) -> int | None:
    match = _VERSION_TAG.match(tag.strip())
    return int(match.group(1)) if match else None


@contextmanager
def written_by(request: Request) -> Iterator[None]:
    """History rows written inside carry the request's user and URL."""
    with pghistory.context(user=request.user.pk, url=request.path):
        yield


def idempotent(request: Request, create: Callable[[], Response]) -> Response:
    """Run ``create`` once per Idempotency-Key of this user; replay its answer to retries.

    The key is locked for the length of the transaction (an advisory lock on its hash),
    so two copies of one POST arriving together still create one row: the second waits,
    then finds the first's answer.
    """
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return create()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or "\x00" in key:
        raise exceptions.ValidationError(
            {"Idempotency-Key": [f"Must be 1 to {IDEMPOTENCY_KEY_MAX} characters, without NUL."]}
        )
    fingerprint = request_fingerprint(request)
    with transaction.atomic():
        _lock(request.user.pk, key)
        kept = IdempotentRequest.objects.filter(user=request.user, key=key).first()
        if kept is not None:
            if kept.fingerprint != fingerprint:
                raise IdempotencyKeyReused()
            return Response(kept.body, status=kept.status, headers=kept.headers)
        response = create()
        if status.is_success(response.status_code):
            IdempotentRequest.objects.create(
                user=request.user,
                key=key,
                fingerprint=fingerprint,
                status=response.status_code,
                body=json.loads(json.dumps(response.data, cls=JSONEncoder)),
                headers={h: response[h] for h in REPLAYED_HEADERS if h in response},
            )
        return response


def request_fingerprint(request: Request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


def _lock(user_id: int, key: str) -> None:
    lock_id = int.from_bytes(hashlib.sha256(f"{user_id}:{key}".encode()).digest()[:8], "big")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id - 2**63])
