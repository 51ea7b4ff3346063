"""A fixed corpus of hostile values in every parameter of every API operation: no 5xx, JSON errors.

The operations and their parameters come from the OpenAPI schema, so a new
filter or endpoint is covered without editing this file.
"""

from collections import Counter
from urllib.parse import quote

import pytest

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
