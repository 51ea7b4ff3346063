"""A fixed corpus of hostile values in every parameter of every API operation: no 5xx, JSON errors.

The operations and their parameters come from the OpenAPI schema, so a new
filter or endpoint is covered without editing this file. Besides query strings
(up to 100 kB) and path parameters, every operation and the admin's login and
change form receive 3 MB bodies in each encoding a client may send.
"""

import json
from collections import Counter
from urllib.parse import quote, urlencode

import pytest
from django.apps import apps
from django.conf import settings
from django.test.client import MULTIPART_CONTENT, encode_multipart
from django.urls import reverse
from scoreboard import record

from libya.desk.models import Actor, DeskAPIKey
from tests.factories import UserFactory

HOSTILE = [
    "\x00",
    "actor\x00",
    "\ud800",  # a lone surrogate: not encodable as UTF-8 without surrogatepass
    "x\udfffy",
    "9" * 20,
    "-" + "9" * 20,
    "9" * 5000,
    "1e60",
    "NaN",
    "-inf",
    "0",
    "-1",
    "",
    "2020-13-45",
    "2020-01-01T00:00:00+23:59",
    "2020-01-01T00:00:00-23:59",
    "0000-00-00",
    "99999-12-31",
    "x" * 100_000,
    " ".join(["guerre"] * 5000),
    ",".join(["haftar"] * 5000),
    "-nope,--updated_at,",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%",
    "[]",
]
# Values used in path parameters of detail operations, and the parameters of every one.
EXAMPLES = {
    "slug": {
        "/api/v1/actors/{slug}/": "khalifa-haftar",
        "/api/v1/actors/{slug}/timeline/": "khalifa-haftar",
        "/api/v1/events/{slug}/": "berlin-conference-2020-01-19",
        "/api/v1/articles/{slug}/": "libye-echec-des-pourparlers-de-paix-de-moscou-haftar-"
        "quitte-la-capitale-russe",
    },
}


def encode(value: str) -> str:
    """Percent-encode as a careless client would, lone surrogates included."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def operations(client) -> list[tuple[str, list[str], list[str]]]:
    """(path template, query parameter names, path parameter names) of every GET operation."""
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    found = []
    for template, methods in schema["paths"].items():
        parameters = methods.get("get", {}).get("parameters", [])
        query = [p["name"] for p in parameters if p["in"] == "query"]
        path = [p["name"] for p in parameters if p["in"] == "path"]
        found.append((template, query, path))
    return found


def fill(template: str, names: list[str], hostile: dict[str, str] | None = None) -> str:
    path = template
    for name in names:
        value = (hostile or {}).get(name) or EXAMPLES.get(name, {}).get(template, "1")
        path = path.replace("{" + name + "}", encode(value))
    return path


def requests(client) -> list[str]:
    urls = []
    for template, query, path_names in operations(client):
        base = fill(template, path_names)
        urls += [f"{base}?{name}={encode(value)}" for name in query for value in HOSTILE]
        urls += [f"{base}?{encode(value)}=1" for value in HOSTILE[:4]]  # hostile names
        urls += [fill(template, [n], {n: v}) for n in path_names for v in HOSTILE if v]
    return urls


@pytest.mark.slow
@pytest.mark.reliability
@pytest.mark.django_db
def test_hostile_input_never_answers_5xx_and_errors_are_json(client, capsys):
    urls = requests(client)
    server_errors, not_json, statuses = [], [], Counter()
    for url in urls:
        response = client.get(url)
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            server_errors.append(f"{response.status_code} {url[:160]}")
        if response.status_code >= 400 and response["Content-Type"] != "application/json":
            not_json.append(f"{response.status_code} {response['Content-Type']} {url[:160]}")

    with capsys.disabled():
        print(
            f"\nhostile input: {len(urls)} requests, {len(server_errors)} answers >= 500, "
            f"{len(not_json)} non-JSON errors; by status: {dict(sorted(statuses.items()))}"
        )
    assert 429 not in statuses  # throttling would hide the answers under test
    assert server_errors == []
    assert not_json == []
    record(
        "hostile-input",
        requests=len(urls),
        operations=len(operations(client)),
        values=len(HOSTILE),
        longest_query_string=max(len(url.partition("?")[2]) for url in urls),
        server_errors=len(server_errors),
        non_json_errors=len(not_json),
    )


# 3 MB bodies: above DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), so whatever reads them must refuse.
BODY_BYTES = 3 * 1024 * 1024
BOUNDARY = "HostileBoundary"


def bodies() -> dict[str, tuple[str, bytes]]:
    """Encoding -> (content type, a body of at least 3 MB in it)."""
    text = "é" * (BODY_BYTES // 2)  # two bytes each in UTF-8; 6 bytes each percent-encoded
    upload = ("hostile.bin", b"\x00" * BODY_BYTES)
    return {
        "json": ("application/json", json.dumps({"name": text, "slug": "x"}).encode()),
        "form": (
            "application/x-www-form-urlencoded",
            urlencode({"name": text, "slug": "x"}).encode(),
        ),
        "multipart field": (MULTIPART_CONTENT, encode_multipart(BOUNDARY, {"name": text})),
        "multipart file": (MULTIPART_CONTENT, multipart_file(*upload)),
    }


def multipart_file(name: str, content: bytes) -> bytes:
    """A file part: Django streams uploads to disk, so only a file limit could refuse it."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{BOUNDARY}--\r\n".encode()


def send(client, method: str, url: str, content_type: str, body: bytes):
    if content_type == MULTIPART_CONTENT:
        content_type = f"{MULTIPART_CONTENT}; boundary={BOUNDARY}"
    return client.generic(method, url, body, content_type=content_type)


def body_targets(client, admin_client) -> list[tuple[str, object]]:
    """(URL, client): every API operation and the admin login, anonymously, and a change form
    as a superuser, whose session gets the body past the login redirect to the form itself."""
    api = [fill(template, path_names) for template, _, path_names in operations(client)]
    actor = Actor.objects.get(slug=EXAMPLES["slug"]["/api/v1/actors/{slug}/"])
    change = reverse("admin:desk_actor_change", args=[actor.pk])
    login = f"/{settings.ADMIN_PATH}login/"
    return [(url, client) for url in [*api, login]] + [(change, admin_client)]


@pytest.mark.slow
@pytest.mark.reliability
@pytest.mark.django_db
def test_3mb_bodies_never_answer_5xx_and_api_errors_are_json(client, admin_client, capsys):
    targets = body_targets(client, admin_client)
    for each in (client, admin_client):
        each.raise_request_exception = False  # a crash must show as the 500 it would be
    server_errors, not_json, statuses = [], [], Counter()
    sent = 0
    for encoding, (content_type, body) in bodies().items():
        for method in ("POST", "PUT", "PATCH"):
            for url, sender in targets:
                response = send(sender, method, url, content_type, body)
                sent += 1
                statuses[response.status_code] += 1
                label = f"{response.status_code} {method} {url} ({encoding})"
                if response.status_code >= 500:
                    server_errors.append(label)
                if response.status_code >= 400 and not answers_as_expected(url, response):
                    not_json.append(f"{label}: {response['Content-Type']}")

    by_status = dict(sorted(statuses.items()))
    with capsys.disabled():
        print(
            f"\nhostile bodies: {sent} requests of 3 MB, {len(server_errors)} answers >= 500, "
            f"{len(not_json)} errors in the wrong format; by status: {by_status}"
        )
    assert server_errors == []
    assert not_json == []
    record(
        "hostile-bodies",
        requests=sent,
        operations=sum(url.startswith("/api/") for url, _ in targets),
        admin_views=sum(not url.startswith("/api/") for url, _ in targets),
        encodings=len(bodies()),
        body_bytes=BODY_BYTES,
        statuses={str(code): n for code, n in by_status.items()},
        server_errors=len(server_errors),
        non_json_errors=len(not_json),
    )


def answers_as_expected(url: str, response) -> bool:
    """JSON from the API; the admin's own HTML pages (400, 403, 405, 413) are fine."""
    if url.startswith("/api/"):
        return response["Content-Type"] == "application/json"
    return response["Content-Type"].startswith("text/html") or response.status_code == 405


# Writes, as an Editor's key: each hostile body must be refused before anything is saved.
ACTOR_URL = "/api/v1/actors/"
ACTOR_DETAIL = "/api/v1/actors/khalifa-haftar/"
ARTICLE = EXAMPLES["slug"]["/api/v1/articles/{slug}/"]
HUGE = "x" * 1_000_000
# (label, method, URL, raw body or a value for JSON, the key the error must name)
HOSTILE_WRITES = [
    ("malformed JSON", "POST", ACTOR_URL, b'{"name": "Salam', "detail"),
    ("JSON not an object", "POST", ACTOR_URL, [1, 2, 3], "non_field_errors"),
    ("JSON null", "POST", ACTOR_URL, None, "non_field_errors"),
    ("truncated UTF-8", "POST", ACTOR_URL, b'{"name": "\xc3"}', "detail"),
    ("NUL in a name", "POST", ACTOR_URL, {"name": "a\x00b", "kind": "person"}, "name"),
    ("NUL in a slug", "POST", ACTOR_URL, {"name": "A", "slug": "a\x00b"}, "slug"),
    ("lone surrogate", "POST", ACTOR_URL, b'{"name": "\\ud800", "kind": "person"}', "name"),
    ("wrong type", "POST", ACTOR_URL, {"name": ["x"], "kind": "person"}, "name"),
    ("number for a choice", "POST", ACTOR_URL, {"name": "A", "kind": 5}, "kind"),
    (
        "object for a flag",
        "POST",
        ACTOR_URL,
        {"name": "A", "state_affiliated": {}},
        "state_affiliated",
    ),
    ("huge string", "POST", ACTOR_URL, {"name": HUGE, "kind": "person"}, "name"),
    ("unknown owner slug", "POST", ACTOR_URL, {"name": "A", "owner": "no-such-actor"}, "owner"),
    ("NUL in a related slug", "POST", ACTOR_URL, {"name": "A", "owner": "x\x00"}, "owner"),
    ("unknown actor", "POST", "/api/v1/aliases/", {"actor": "nobody", "name": "N"}, "actor"),
    ("id out of range", "POST", "/api/v1/claim-links/", {"claim": 10**30, "other": 1}, "claim"),
    ("unknown article", "POST", "/api/v1/claims/", {"article": "nope", "quote": "x"}, "article"),
    *[
        (f"span {start}..{end}", "POST", "/api/v1/claims/", span, at_fault)
        for start, end, at_fault in [
            (-1, 5, "span_start"),
            (0, 10**9, "span_end"),  # beyond the article's body
            (50, 10, "span_end"),  # ends before it starts
            (10**20, 10**20 + 1, "span_start"),
        ]
        for span in [
            {
                "article": ARTICLE,
                "kind": "publisher_assertion",
                "span_start": start,
                "span_end": end,
            }
        ]
    ],
    ("NUL in a quote", "POST", "/api/v1/claims/", {"article": ARTICLE, "quote": "\x00"}, "quote"),
    ("PATCH wrong type", "PATCH", ACTOR_DETAIL, {"kind": ["person"]}, "kind"),
    ("PATCH NUL", "PATCH", ACTOR_DETAIL, {"description": "\x00"}, "description"),
    ("PATCH malformed", "PATCH", ACTOR_DETAIL, b"{", "detail"),
    ("PATCH NUL slug in URL", "PATCH", "/api/v1/actors/a%00b/", {"name": "A"}, "detail"),
    ("DELETE NUL slug in URL", "DELETE", "/api/v1/actors/a%00b/", None, "detail"),
    ("DELETE unknown slug", "DELETE", "/api/v1/actors/no-such-actor/", None, "detail"),
    ("3 MB body", "POST", ACTOR_URL, {"name": "é" * (BODY_BYTES // 2)}, "detail"),
]


@pytest.fixture
def editor(api_client):
    _, key = DeskAPIKey.objects.create_key(user=UserFactory(editor=True), name="hostile")
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}", HTTP_IF_MATCH="*")
    api_client.raise_request_exception = False
    return api_client


def row_counts() -> dict[str, int]:
    """Rows of every desk model, history included: a refused write leaves them all alone."""
    return {
        model.__name__: model.objects.count() for model in apps.get_app_config("desk").get_models()
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url", "body", "names"),
    [case[1:] for case in HOSTILE_WRITES],
    ids=[case[0] for case in HOSTILE_WRITES],
)
def test_hostile_writes_are_refused_by_name_and_save_nothing(editor, method, url, body, names):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    before = row_counts()
    response = editor.generic(method, url, raw, content_type="application/json")
    assert 400 <= response.status_code < 500, response.content[:300]
    assert response["Content-Type"] == "application/json"
    answer = response.json()
    assert answer["status"] == response.status_code
    if names == "detail":  # the body as a whole is at fault: `detail` says how
        assert answer["detail"], answer
        assert "errors" not in answer, answer
    else:
        assert names in answer["errors"], answer
        assert names in answer["detail"]
    assert row_counts() == before
