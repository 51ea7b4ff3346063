"""A minimal HTTP client for load tests: one keep-alive connection, cookies, admin forms.

What a browser tab or an API client holds, no more: requests never retry, so
every answer (or connection error) is recorded exactly as the server gave it.
"""

import http.client
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode


@dataclass(frozen=True)
class Answer:
    """One request as the client saw it; ``status`` is None when the connection failed."""

    method: str
    path: str
    start: float
    end: float
    status: int | None
    content_type: str = ""
    retry_after: str | None = None
    location: str = ""
    body: str = ""
    name: str = ""  # the actor a write posted

    @property
    def seconds(self) -> float:
        return self.end - self.start


class Browser:
    """One keep-alive connection to 127.0.0.1:`port`, with the cookies the server set."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def page(self, path: str) -> str:
        """The whole body of a page that must load, such as a form to fill in."""
        answer = self.request("GET", path, keep=None)
        assert answer.status == 200, answer
        return answer.body

    def post(self, path: str, form: dict[str, str]) -> Answer:
        # Origin as a browser sends it: CsrfViewMiddleware checks it against the host.
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"http://127.0.0.1:{self.port}",
        }
        return self.request("POST", path, urlencode(form), headers)

    def request(
        self, method: str, path: str, body: str | None = None, headers=None, keep: int | None = 500
    ) -> Answer:
        """Send one request; the answer keeps the first `keep` characters of the body."""
        headers = {
            **(headers or {}),
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        start = time.monotonic()
        try:
            response = self._send(method, path, body, headers)
            content = response.read().decode(errors="replace")
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            return Answer(method, path, start, time.monotonic(), None, body=repr(exc))
        self._keep_cookies(response)
        return Answer(
            method,
            path,
            start,
            time.monotonic(),
            response.status,
            (response.getheader("Content-Type") or "").split(";")[0],
            response.getheader("Retry-After"),
            response.getheader("Location") or "",
            content[:keep],
        )

    def close(self) -> None:
        if self.connection:
            self.connection.close()
        self.connection = None

    def _send(self, method: str, path: str, body: str | None, headers: dict):
        if self.connection is None:
            self.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=self.timeout
            )
        self.connection.request(method, path, body, headers)
        return self.connection.getresponse()

    def _keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value


class HiddenFields(HTMLParser):
    """The hidden inputs of the form `form_id`: its CSRF token and the inline management forms."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside = form_id, False
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.inside = attributes.get("id") == self.form_id
        elif self.inside and tag == "input" and attributes.get("type") == "hidden":
            self.fields[attributes.get("name") or ""] = attributes.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def hidden_fields(page: str, form_id: str) -> dict[str, str]:
    parser = HiddenFields(form_id)
    parser.feed(page)
    return {name: value for name, value in parser.fields.items() if name}
