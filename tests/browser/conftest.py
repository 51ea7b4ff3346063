"""A live server and a real Chromium (Debian's, driven by Playwright) for browser tests.

The server runs in a thread against the test database. Data the browser must see is
committed outside the per-test transaction and removed afterwards, instead of using
pytest-django's live_server, whose transactional teardown would flush every table
(the loaded corpus and the Editors group included) for the tests that follow.
"""

from pathlib import Path

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.test.testcases import LiveServerThread

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker):
    """Database access outside any test transaction, for the duration of the test."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def server_url(committed_db):
    thread = LiveServerThread("localhost", StaticFilesHandler, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://localhost:{thread.port}"
    thread.terminate()


@pytest.fixture
def page(monkeypatch):
    """A Chromium page; the test is skipped where Debian's chromium is not installed."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test
    # makes meanwhile are still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install it with `apt-get install chromium`")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
        page.set_default_timeout(15_000)
        yield page
        browser.close()


@pytest.fixture
def csp_violations(page) -> list[str]:
    """What the Content-Security-Policy blocked on this page, as Chromium reports it."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and violations.append(message.text)
        ),
    )
    return violations


@pytest.fixture
def output_dir() -> Path:
    path = Path(__file__).resolve().parents[2] / "test-output" / "browser"
    path.mkdir(parents=True, exist_ok=True)
    return path
