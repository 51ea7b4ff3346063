"""Security headers on every kind of response: API, docs, admin, errors; HSTS only over HTTPS."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.scoreboard import record

ROOT = Path(__file__).resolve().parents[2]
ADMIN = f"/{settings.ADMIN_PATH}"
PAGES = [
    "/api/v1/",
    "/api/v1/actors/",
    "/api/v1/actors/khalifa-haftar/",
    "/api/v1/actors/no-such-actor/",
    "/api/v1/claims/?ordering=nope",
    "/api/v1/no-such-route/",
    "/api/v1/schema/",
    "/api/v1/docs/",
    "/api/v1/docs/?script",
    "/api/v1/redoc/",
    "/healthz",
    f"{ADMIN}login/",
    ADMIN,
    f"{ADMIN}desk/claim/",
    f"{ADMIN}desk/claim/add/",
]
DOCS = {"/api/v1/docs/", "/api/v1/redoc/"}


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


def header_problems(response, path: str) -> list[str]:
    """Every way the response's security headers differ from the policy."""
    csp = directives(response)
    docs = path.split("?")[0] in DOCS
    expected = {
        "X-Content-Type-Options": (response.get("X-Content-Type-Options"), "nosniff"),
        "X-Frame-Options": (response.get("X-Frame-Options"), "DENY"),
        "Referrer-Policy": (response.get("Referrer-Policy"), "same-origin"),
        "HSTS over plain HTTP": (response.get("Strict-Transport-Security"), None),
        "frame-ancestors": (csp.get("frame-ancestors"), ["'none'"]),
        "default-src": (csp.get("default-src"), ["'self'"]),
        "script-src": (csp.get("script-src"), ["'self'"]),
        "object-src": (csp.get("object-src"), ["'none'"]),
        "style-src": (csp.get("style-src"), ["'self'", "'unsafe-inline'"] if docs else ["'self'"]),
    }
    if docs:
        expected["worker-src"] = (csp.get("worker-src"), ["'self'", "blob:"])
    return [f"{path} {name}: {got!r}" for name, (got, want) in expected.items() if got != want]


@pytest.mark.reliability
@pytest.mark.django_db
def test_every_response_carries_the_security_headers(admin_client):
    problems, statuses = [], set()
    for path in PAGES:
        response = admin_client.get(path)
        statuses.add(response.status_code)
        problems += header_problems(response, path)

    assert problems == []
    assert {200, 400, 404} <= statuses  # successes and errors alike
    record("security-headers", responses=len(PAGES), statuses=sorted(statuses), problems=0)


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(DOCS))
def test_docs_pages_have_no_inline_script(client, path):
    html = client.get(path).content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)

    assert scripts
    assert all("src=" in attributes for attributes in scripts)


def test_hsts_is_sent_only_when_https_is_configured(test_database_url):
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/api/v1/', secure=True);"
        "print(r.status_code, r.get('Strict-Transport-Security', 'none'))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "libya.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": test_database_url,
    }

    def answer(secure_ssl: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**env, "DJANGO_SECURE_SSL": secure_ssl},
            capture_output=True,
            text=True,
            timeout=60,
        )
        return result.stdout.strip() or result.stderr[-2000:]

    assert answer("true") == "200 max-age=31536000; includeSubDomains; preload"
    assert answer("false") == "200 none"
