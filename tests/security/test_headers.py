"""Security headers on every kind of response: API, docs, admin, errors; HSTS only over HTTPS."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

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


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(admin_client, path):
    response = admin_client.get(path)
    csp = directives(response)

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response  # plain HTTP
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["default-src"] == csp["script-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    if path.split("?")[0] in DOCS:
        assert csp["style-src"] == ["'self'", "'unsafe-inline'"]
        assert csp["worker-src"] == ["'self'", "blob:"]
    else:
        assert csp["style-src"] == ["'self'"]


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
