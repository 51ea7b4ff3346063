"""Editor and outsider clients, and a browser-like reader of admin forms."""

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import UserFactory


@pytest.fixture
def admin_root() -> str:
    return "/" + settings.ADMIN_PATH


@pytest.fixture
def editor(db):
    return UserFactory(username="test-editor", editor=True)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def second_editor_client(editor):
    """Another browser session of another editor, for concurrent-edit tests."""
    other = Client()
    other.force_login(UserFactory(username="other-editor", editor=True))
    return other


@pytest.fixture
def outsider_client(db):
    """A staff account outside the Editors group, in a browser session of its own."""
    outsider = Client()
    outsider.force_login(UserFactory(username="outsider"))
    return outsider


class _FormReader(HTMLParser):
    """Collects what a browser would submit for the form with the given id."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, []
        self._select, self._textarea = None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input":
            self._input(attrs)
        elif tag == "select":
            self._select, self._first, self._chosen = attrs.get("name"), None, False
            self._multiple = "multiple" in attrs
        elif tag == "option" and self._select:
            self._option(attrs)
        elif tag == "textarea":
            self._textarea = attrs.get("name")
            self.data.append((self._textarea, ""))

    def _option(self, attrs):
        if self._first is None:
            self._first = attrs.get("value", "")
        if "selected" in attrs:
            self.data.append((self._select, attrs.get("value", "")))
            self._chosen = True

    def _input(self, attrs):
        kind, name = attrs.get("type", "text"), attrs.get("name")
        if not name or kind in ("submit", "button", "file", "image", "reset"):
            return
        if kind in ("checkbox", "radio") and "checked" not in attrs:
            return
        self.data.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))

    def handle_data(self, data):
        if self._textarea and self.data and self.data[-1][0] == self._textarea:
            name, value = self.data[-1]
            self.data[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            # Like a browser: a single select with nothing selected submits its first option.
            if self._select and not self._chosen and not self._multiple and self._first is not None:
                self.data.append((self._select, self._first))
            self._select = None
        elif tag == "textarea":
            if self._textarea and self.data[-1][1].startswith("\n"):
                self.data[-1] = (self._textarea, self.data[-1][1][1:])
            self._textarea = None


@pytest.fixture
def form_data():
    """form_data(response, form_id) -> dict of lists, as the browser would post the form."""

    def read(response, form_id: str) -> dict[str, list[str]]:
        reader = _FormReader(form_id)
        reader.feed(response.content.decode())
        data: dict[str, list[str]] = {}
        for name, value in reader.data:
            data.setdefault(name, []).append(value)
        return data

    return read
