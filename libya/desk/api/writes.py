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
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from libya.desk.models import IdempotentRequest

IDEMPOTENCY_KEY_MAX = 255
# Answers replayed to a retry: the body, its status and the headers a client acts on.
REPLAYED_HEADERS = ("ETag", "Location")
# Strong tags only: If-Match compares strongly (RFC 9110, 13.1.1).
_VERSION_TAG = re.compile(r'^"(\d+)\.[^"]*"$')


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


def body_etag(body, version: int | None = None) -> str:
    """``"<version>.<digest>"`` for a versioned record's body, ``"<digest>"`` otherwise.

    The digest tells apart bodies of one version (a related record renamed); If-Match
    checks the version alone, so such a change does not refuse a client's edit.
    """
    digest = hashlib.sha256(json.dumps(body, cls=JSONEncoder, sort_keys=True).encode())
    tag = digest.hexdigest()[:20]
    return f'"{version}.{tag}"' if version is not None else f'"{tag}"'


def check_if_match(request: Request, current: str, version: int | None = None) -> None:
    """Refuse a change that does not name the current state (RFC 9110, If-Match)."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired()
    if header.strip() == "*":
        return
    tags = [tag.strip() for tag in header.split(",")]
    if current in tags:
        return
    if version is not None and version in {_tag_version(tag) for tag in tags}:
        return
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
                # As the client got it: the same renderer, so a replay is byte-identical.
                body=json.loads(request.accepted_renderer.render(response.data)),
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


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"


def check_body_size(request: Request) -> None:
    """Refuse a body over DATA_UPLOAD_MAX_MEMORY_SIZE before reading it.

    Django enforces that limit only when ``request.body`` is read; DRF's parsers read
    the stream instead, so a JSON body of any size would otherwise be parsed whole.
    """
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        size = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        size = 0
    if limit is not None and size > limit:
        raise BodyTooLarge(f"The body is {size} bytes; at most {limit} are accepted.")


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The change conflicts with other records."
    default_code = "conflict"


class WritableMixin:
    """POST, PATCH and DELETE for a resource, with preconditions, retries and history.

    ``input_serializer_class`` declares and validates what a client sends; the answer
    is the resource's detail (``written_body``), with its new ETag.
    """

    input_serializer_class: type
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def initial(self, request: Request, *args, **kwargs) -> None:
        check_body_size(request)
        super().initial(request, *args, **kwargs)

    def create(self, request: Request, *args, **kwargs) -> Response:
        return idempotent(request, lambda: self.write(request, None))

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        with transaction.atomic():
            instance = self.locked_instance()
            check_if_match(request, *self.current_state(instance))
            return self.write(request, instance)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        with transaction.atomic(), written_by(request):
            instance = self.locked_instance()
            check_if_match(request, *self.current_state(instance))
            try:
                with transaction.atomic():
                    instance.delete()
            except ProtectedError as error:
                raise Conflict(protected_message(error)) from error
        return Response(status=status.HTTP_204_NO_CONTENT)

    def write(self, request: Request, instance) -> Response:
        reject_unstorable_text(request.data)
        serializer = self.input_serializer_class(
            instance, data=request.data, partial=instance is not None, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        with transaction.atomic(), written_by(request):
            try:
                with transaction.atomic():
                    saved = serializer.save()
            except IntegrityError as error:
                raise Conflict(integrity_message(error)) from error
        body, etag = self.written_body(saved)
        headers = {"ETag": etag, "Location": self.detail_location(saved)}
        created = status.HTTP_201_CREATED if instance is None else status.HTTP_200_OK
        return Response(body, status=created, headers=headers)

    def locked_instance(self):
        """The model row the URL names, locked until the change commits."""
        lookup = self.lookup_url_kwarg or self.lookup_field
        model = self.queryset.model
        try:
            return model.objects.select_for_update().get(**{self.lookup_field: self.kwargs[lookup]})
        except model.DoesNotExist:
            raise exceptions.NotFound() from None

    def current_state(self, instance) -> tuple[str, int | None]:
        _, etag = self.written_body(instance)
        return etag, getattr(instance, "version", None)

    def written_body(self, instance) -> tuple[dict, str]:
        """The record as a GET of its detail shows it, and that body's ETag."""
        body = self.detail_body(instance)
        return body, body_etag(body, body.get("version"))

    def detail_body(self, instance) -> dict:
        return self.input_serializer_class(instance, context={"request": self.request}).data

    def detail_location(self, instance) -> str:
        return self.reverse_action("detail", args=[getattr(instance, self.lookup_field)])

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = body_etag(response.data, response.data.get("version"))
        return response


def reject_unstorable_text(data) -> None:
    """Refuse text PostgreSQL cannot store (NUL, lone surrogates) by the field it is in.

    Serializer fields catch NUL in the strings they keep, but not in a slug they look up
    nor a lone surrogate (valid JSON, not UTF-8): those would fail in the database.
    """
    if not isinstance(data, dict):
        return  # the serializer names the wrong shape
    bad = sorted(
        _printable(str(name))
        for name, value in data.items()
        if not _storable(name) or not _storable(value)
    )
    if bad:
        raise exceptions.ValidationError(
            {name: ["NUL characters and lone surrogates are not allowed."] for name in bad}
        )


def _printable(name: str) -> str:
    # A lone surrogate cannot be rendered in the JSON answer either.
    return name.encode("utf-8", "backslashreplace").decode()


def _storable(value) -> bool:
    if isinstance(value, str):
        return "\x00" not in value and not _SURROGATE.search(value)
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    return True


_SURROGATE = re.compile("[\ud800-\udfff]")


def protected_message(error: ProtectedError) -> str:
    rows = sorted({f"{obj._meta.verbose_name} {obj.pk}" for obj in error.protected_objects})
    shown = ", ".join(rows[:10]) + (" …" if len(rows) > 10 else "")
    return f"Other records still refer to this one: {shown}. Change or delete them first."


def integrity_message(error: IntegrityError) -> str:
    constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
    if constraint:
        return f"A record with these values already exists ({constraint})."
    return "A record with these values already exists."
