"""List statements compiled once per shape answer exactly as the queryset path does."""

import threading
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from libya.desk.api import statements
from libya.desk.api.views import CompiledListMixin, DeskViewSet

pytestmark = pytest.mark.django_db

HAFTAR, LAVROV = "khalifa-haftar", "sergei-lavrov"
MOSCOW = "moscow-talks-2020-01-13"

# (list, parameters): a spread of shapes, each compiled (see `compiles`).
SHAPES = [
    ("claims", {}),
    ("claims", {"page_size": "20"}),
    ("claims", {"page_size": "5", "page": "2"}),
    ("claims", {"page_size": "5", "page": "20"}),  # past the end: counted apart
    ("claims", {"ordering": "said_on"}),
    ("claims", {"ordering": "-updated_at,id", "page_size": "7"}),
    ("claims", {"status": "retracted"}),
    ("claims", {"status": "verified,retracted", "kind": "direct_quote"}),
    ("claims", {"speaker": LAVROV}),
    ("claims", {"speaker": f"{LAVROV},{HAFTAR}", "fields": "id,text"}),
    ("claims", {"subject": HAFTAR, "said_after": "2020-01-13"}),
    ("claims", {"said_after": "2020-01-13", "said_before": "2020-01-14", "format": "json"}),
    ("claims", {"updated_after": "2020-01-01T00:00:00+02:00"}),
    ("claims", {"event": MOSCOW, "ordering": "status"}),
    ("articles", {}),
    ("articles", {"publisher": "rt-en-francais"}),
    ("articles", {"publisher": "rt-en-francais,no-such-publisher", "page_size": "3"}),
    ("articles", {"published_after": "2020-01-01", "published_before": "2020-01-31"}),
    ("articles", {"ordering": "title", "page_size": "2"}),
    ("articles", {"actor": HAFTAR, "language": "fr"}),
    ("articles", {"event": MOSCOW}),
    ("articles", {"search": "Haftar"}),  # ranked, candidates collected (a rare term here)
    ("articles", {"search": "négocier cessez-le-feu", "publisher": "rt-en-francais"}),
    ("articles", {"search": "Haftar", "ordering": "-published_on"}),
    ("articles", {"search": "négocier cessez-le-feu", "ordering": "title", "language": "fr"}),
    ("actors", {}),
    ("actors", {"kind": "person", "page_size": "3"}),
    ("actors", {"country": "LY,RU"}),
    ("actors", {"ordering": "-name", "event": MOSCOW}),
    ("actors", {"article": "no-such-article"}),
    ("actors", {"search": "Hafter"}),  # misspelt, one word: the term alone
    ("actors", {"search": "Fayez el-Serraj", "kind": "person"}),  # term, key and a word
    ("actors", {"search": "Choïgou", "ordering": "-name", "page_size": "2"}),
    ("events", {}),
    ("events", {"kind": "talks"}),
    ("events", {"date_after": "2020-01-01", "date_before": "2020-01-31"}),
    ("events", {"actor": HAFTAR, "role": "party"}),
    ("events", {"role": "party", "ordering": "kind,-start_date"}),
    ("events", {"parent": MOSCOW}),
]

# Shapes that take the queryset path: snippets, facets, a value the filter transforms
# (place codes are upper-cased), repeated values, an unknown parameter.
QUERYSET_SHAPES = [
    ("articles", {"search": "Haftar", "ordering": "title", "snippet": "true"}),
    ("claims", {"facet": "speaker"}),
    ("events", {"place": "moscou"}),
    ("actors", {"kind": "person,person"}),
    ("actors", {"not_a_parameter": "1"}),
    ("actors", {"search": "--"}),  # no word: no actor, and nothing to compile
    ("articles", {"publisher": "no-such-publisher"}),  # no id to filter on: no article
]


@pytest.fixture(autouse=True)
def _one_second(monkeypatch):
    """Cursor tokens carry the second they were signed in; bodies compared byte for byte
    must not differ by the clock having turned between two requests."""
    from django.core import signing

    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: "1kT0aA")


@pytest.fixture(autouse=True)
def _no_statements(monkeypatch):
    """Each test compiles its own shapes, and leaves none behind."""
    for viewset in DeskViewSet.__subclasses__():
        monkeypatch.setattr(viewset, "_list_statements", {}, raising=False)


def statements_of(resource: str) -> dict:
    from libya.desk.api import views

    viewset = {
        "claims": views.ClaimViewSet,
        "articles": views.ArticleViewSet,
        "actors": views.ActorViewSet,
        "events": views.EventViewSet,
    }[resource]
    return viewset.__dict__["_list_statements"]


def get(client, url: str, params: dict | None = None):
    """A GET with its query count, the planner asked afresh (a term's estimate is cached)."""
    cache.clear()
    with CaptureQueriesContext(connections["default"]) as queries:
        response = client.get(url.removeprefix("http://testserver"), params)
    return response, len(queries)


def both_paths(client, monkeypatch, url: str, params: dict | None = None):
    """(compiled answer, its queries, queryset answer, its queries) for one request."""
    compiled, compiled_queries = get(client, url, params)
    with monkeypatch.context() as patched:
        patched.setattr(CompiledListMixin, "compiled_page", lambda self, request: None)
        built, built_queries = get(client, url, params)
    return compiled, compiled_queries, built, built_queries


@pytest.mark.parametrize(("resource", "params"), SHAPES)
def test_compiled_list_answers_byte_for_byte_as_the_queryset_does(
    client, monkeypatch, resource, params
):
    url = f"/api/v1/{resource}/"
    first, first_queries, built, built_queries = both_paths(client, monkeypatch, url, params)
    again, again_queries = get(client, url, params)  # bound into the saved statement

    assert first.status_code == built.status_code == again.status_code == HTTPStatus.OK
    assert first.content == built.content == again.content
    assert first_queries == built_queries == again_queries
    saved = list(statements_of(resource).values())
    assert len(saved) == 1
    assert saved[0][0] is not None, "this shape should compile"


@pytest.mark.parametrize(
    ("resource", "params"),
    [
        ("claims", {"page_size": "4"}),
        ("claims", {"page_size": "3", "ordering": "-updated_at"}),
        ("claims", {"page_size": "3", "ordering": "said_on", "speaker": LAVROV}),
        ("articles", {"page_size": "2", "ordering": "title"}),
        ("articles", {"page_size": "1", "published_after": "2020-01-01"}),
        ("articles", {"page_size": "2", "search": "Libye", "ordering": "-published_on"}),
        ("actors", {"page_size": "5", "kind": "person"}),
        ("events", {"page_size": "4", "ordering": "-start_date"}),
        ("events", {"page_size": "3", "ordering": "start_date"}),  # undated rows last
    ],
)
def test_compiled_cursor_pages_answer_as_the_queryset_does(client, monkeypatch, resource, params):
    """Follow `next` three times, then `previous`: every page the same on both paths."""
    url = f"/api/v1/{resource}/"
    response = client.get(url, params)
    assert response.status_code == HTTPStatus.OK
    links = []
    for _ in range(3):
        if response.json()["next"] is None:
            break
        links.append(response.json()["next"])
        response = client.get(response.json()["next"].removeprefix("http://testserver"))
        assert response.status_code == HTTPStatus.OK
    if response.json()["previous"]:
        links.append(response.json()["previous"])
    assert len(links) >= 2, "the shape should have cursor pages to compare"

    for link in links:
        compiled, compiled_queries, built, built_queries = both_paths(client, monkeypatch, link)
        assert compiled.status_code == built.status_code == HTTPStatus.OK
        assert compiled.content == built.content
        assert compiled_queries == built_queries
    saved = statements_of(resource)
    assert len(saved) >= 3  # the first page, `next` and `previous`
    assert all(page for page, _ in saved.values()), "every shape should compile"


def test_actor_searches_share_a_statement_only_with_terms_of_as_many_values(client, monkeypatch):
    """A term binds itself, then (if it has several words) its longest distinctive word and
    its other distinctive words: terms with the same number of those share one statement,
    and every answer is the queryset path's."""
    terms = {
        "Haftar": 1,
        "Lavrov": 1,
        "al-Sarraj": 2,  # "al" is a name particle: the term and "sarraj"
        "ben Bela": 2,
        "Khalifa Hafter": 3,  # the term, "khalifa" (the longer) and "hafter"
        "Fayez al-Sarraj": 3,  # term, "sarraj" (the key), "fayez"
        "Fayez el-Serraj": 3,
    }
    for term in terms:
        compiled, compiled_queries, built, built_queries = both_paths(
            client, monkeypatch, "/api/v1/actors/", {"search": term}
        )
        assert compiled.status_code == built.status_code == HTTPStatus.OK
        assert compiled.content == built.content, term
        assert compiled_queries == built_queries
    assert [r["slug"] for r in compiled.json()["results"]][:1] == ["fayez-al-sarraj"]
    saved = statements_of("actors")
    assert sorted(dict(key[3])["search"] for key in saved) == sorted(set(terms.values()))
    assert all(page is not None for page, _ in saved.values())


def test_claims_page_query_count_is_pinned(client, django_assert_num_queries):
    for _ in range(2):  # compiling, then bound
        with django_assert_num_queries(2):  # the page (with its count), the subjects
            response = client.get("/api/v1/claims/", {"page_size": "20", "speaker": LAVROV})
        assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize(("resource", "params"), QUERYSET_SHAPES)
def test_shapes_that_cannot_be_compiled_take_the_queryset_path(
    client, monkeypatch, resource, params
):
    url = f"/api/v1/{resource}/"
    compiled, compiled_queries, built, built_queries = both_paths(client, monkeypatch, url, params)

    assert compiled.status_code == built.status_code == HTTPStatus.OK
    assert compiled.content == built.content
    assert compiled_queries == built_queries
    assert all(page is None for page, _ in statements_of(resource).values())


@pytest.mark.parametrize(
    ("resource", "params", "name"),
    [
        ("claims", {"said_after": "yesterday"}, "said_after"),
        ("claims", {"ordering": "text"}, "ordering"),
        ("claims", {"kind": "rumour", "ordering": "text"}, "kind"),  # filters first
        ("articles", {"fields": "nope"}, "fields"),
        ("actors", {"page_size": "0"}, "page_size"),
        ("events", {"page": "21"}, "page"),
        ("events", {"cursor": "nonsense"}, "cursor"),
    ],
)
def test_bad_values_are_the_same_400_on_both_paths(client, monkeypatch, resource, params, name):
    url = f"/api/v1/{resource}/"
    compiled, _, built, _ = both_paths(client, monkeypatch, url, params)

    assert compiled.status_code == built.status_code == HTTPStatus.BAD_REQUEST
    assert compiled["Content-Type"] == "application/json"
    assert compiled.content == built.content
    assert name in compiled.json()["errors"]


def test_a_foreign_cursor_is_the_same_404_on_both_paths(client, monkeypatch):
    page = client.get("/api/v1/claims/", {"page_size": "2"}).json()
    other_order = page["next"].removeprefix("http://testserver") + "&ordering=id"
    compiled, _, built, _ = both_paths(client, monkeypatch, other_order)

    assert compiled.status_code == built.status_code == HTTPStatus.NOT_FOUND
    assert compiled.content == built.content


def test_one_shape_binds_each_requests_own_values(client):
    lavrov = client.get("/api/v1/claims/", {"speaker": LAVROV})
    haftar = client.get("/api/v1/claims/", {"speaker": HAFTAR})
    lavrov_again = client.get("/api/v1/claims/", {"speaker": LAVROV})

    assert lavrov.status_code == haftar.status_code == lavrov_again.status_code == HTTPStatus.OK
    assert len(statements_of("claims")) == 1
    speakers = {row["speaker"]["slug"] for row in haftar.json()["results"]}
    assert speakers == {HAFTAR}
    assert {row["speaker"]["slug"] for row in lavrov.json()["results"]} == {LAVROV}
    assert lavrov_again.content == lavrov.content != haftar.content


def test_one_cursor_shape_binds_each_cursors_position(client):
    first = client.get("/api/v1/claims/", {"page_size": "2"}).json()
    second = client.get(first["next"].removeprefix("http://testserver")).json()
    third = client.get(second["next"].removeprefix("http://testserver")).json()

    ids = [row["id"] for page in (first, second, third) for row in page["results"]]
    assert len(ids) == len(set(ids)) == 6
    everything = client.get("/api/v1/claims/", {"page_size": "6"}).json()
    assert ids == [row["id"] for row in everything["results"]]


def test_threads_sharing_a_statement_each_get_their_own_rows(client):
    speakers = [LAVROV, HAFTAR]
    expected = {}
    for speaker in speakers:
        response = client.get("/api/v1/claims/", {"speaker": speaker, "page_size": "3"})
        assert response.status_code == HTTPStatus.OK
        expected[speaker] = response.content
    assert expected[LAVROV] != expected[HAFTAR]
    wrong, done = [], []

    def ask(offset: int) -> None:
        own = Client()
        try:
            for turn in range(12):
                speaker = speakers[(offset + turn) % 2]
                answer = own.get("/api/v1/claims/", {"speaker": speaker, "page_size": "3"})
                if answer.status_code != HTTPStatus.OK or answer.content != expected[speaker]:
                    wrong.append((speaker, answer.status_code))
                done.append(speaker)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(done) == 48
    assert wrong == []
    assert len(statements_of("claims")) == 1


def test_list_statements_step_aside_on_an_untested_django(client, monkeypatch):
    monkeypatch.setattr(statements, "TESTED_DJANGO", (0, 0))
    response = client.get("/api/v1/claims/", {"speaker": LAVROV})

    assert response.status_code == HTTPStatus.OK
    assert {row["speaker"]["slug"] for row in response.json()["results"]} == {LAVROV}
    assert list(statements_of("claims").values()) == [(None, None)]


def test_shapes_kept_per_list_are_bounded(client, monkeypatch):
    monkeypatch.setattr(statements, "MAX_SHAPES", 2)
    sizes = ["1", "2", "3", "4"]
    answers = [client.get("/api/v1/actors/", {"page_size": size}) for size in sizes]

    assert [a.status_code for a in answers] == [HTTPStatus.OK] * 4
    assert [len(a.json()["results"]) for a in answers] == [1, 2, 3, 4]
    assert len(statements_of("actors")) == 2


@pytest.mark.parametrize(
    ("resource", "params"),
    [("claims", {"page_size": "5"}), ("articles", {"language": "fr", "page_size": "2"})],
)
def test_an_estimated_count_is_the_same_on_both_paths(client, monkeypatch, resource, params):
    """Beyond the exact limit the count is the planner's, explained from a compiled statement."""
    from libya.desk.api import counting

    monkeypatch.setattr(counting, "LIMIT", 1)
    url = f"/api/v1/{resource}/"
    compiled, compiled_queries, built, built_queries = both_paths(client, monkeypatch, url, params)
    again, again_queries = get(client, url, params)

    assert compiled.status_code == built.status_code == again.status_code == HTTPStatus.OK
    assert compiled.json()["count_is_estimate"] is True
    assert compiled.content == built.content == again.content
    assert compiled_queries == built_queries == again_queries
    (page, planned), *_ = statements_of(resource).values()
    assert page is not None
    assert planned is not None


def test_part_statements_fetch_what_the_batch_queryset_does():
    from libya.desk.api.rows import plan

    compared = 0
    for viewset in DeskViewSet.__subclasses__():
        ids = list(viewset.queryset.model.objects.order_by("-id").values_list("id", flat=True))
        for serializer in (viewset.serializer_class, viewset.detail_serializer_class):
            for part in plan(serializer).parts.values():
                statement = statements.PartStatement.of(part)
                assert statement is not None
                assert statement.fetch(ids) == list(part.batch(ids))
                assert statement.fetch(ids[:1]) == list(part.batch(ids[:1]))
                compared += 1
    assert compared >= 10


def test_a_ranked_search_compiles_one_statement_per_plan_of_its_candidates(client, monkeypatch):
    """Walking the date index or collecting every match: two statements, the same rows."""
    from libya.desk.models import articles

    url, params = "/api/v1/articles/", {"search": "Libye", "page_size": "3"}
    answers = []
    for walk in (True, False):
        monkeypatch.setattr(articles, "_walking_reads_less", lambda matches, walk=walk: walk)
        compiled, compiled_queries, built, built_queries = both_paths(
            client, monkeypatch, url, params
        )
        assert compiled.status_code == built.status_code == HTTPStatus.OK
        assert compiled.content == built.content
        assert compiled_queries == built_queries
        answers.append(compiled.content)

    saved = statements_of("articles")
    assert sorted(dict(key[3])["walk"] for key in saved) == [False, True]
    assert all(page for page, _ in saved.values())
    assert saved[next(iter(saved))][0].sql != saved[list(saved)[1]][0].sql
    assert answers[0] == answers[1]
