"""/api/v1/claims/: retracted claims, filters, passages, keyset pagination."""

from datetime import date
from http import HTTPStatus

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from libya.desk.api import counting
from libya.desk.api.pagination import KeysetPagination
from libya.desk.models import Claim
from tests.factories import (
    ActorFactory,
    ArticleFactory,
    ClaimFactory,
    ClaimLinkFactory,
    EventFactory,
)

URL = "/api/v1/claims/"

pytestmark = pytest.mark.django_db

BODY = "Début. « Première phrase citée. » Milieu. « Seconde phrase, plus longue. » Fin."


def ids(response) -> list[int]:
    assert response.status_code == HTTPStatus.OK, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def speaker():
    return ActorFactory(slug="orateur-test", name="Orateur")


def quote(article, n: int, **kwargs) -> Claim:
    """The n-th «quoted» sentence of the article as a claim."""
    start = [i for i, c in enumerate(article.body) if c == "«"][n] + 2
    end = article.body.index("»", start) - 1
    return ClaimFactory(
        article=article, span_start=start, span_end=end, text=article.body[start:end], **kwargs
    )


def test_claims_row_carries_speaker_article_event_and_subjects(client, speaker):
    event = EventFactory(slug="evt-test")
    claim = ClaimFactory(speaker=speaker, event=event)
    claim.subjects.add(ActorFactory(slug="sujet-test", name="Sujet"))

    row = client.get(URL, {"speaker": "orateur-test"}).json()["results"][0]

    assert row["speaker"] == {"slug": "orateur-test", "name": "Orateur"}
    assert row["article"] == {"slug": claim.article.slug, "title": claim.article.title}
    assert row["event"] == {"slug": "evt-test", "title": event.title}
    assert row["subjects"] == [{"slug": "sujet-test", "name": "Sujet"}]
    assert (row["said_on"], row["said_precision"]) == ("2020-01-14", "day")


def test_claims_hide_retracted_unless_status_asks(client, speaker):
    article = ArticleFactory(body=BODY)
    shown = quote(article, 0, speaker=speaker)
    retracted = quote(article, 1, speaker=speaker, status=Claim.Status.RETRACTED)

    default = client.get(URL, {"speaker": "orateur-test"})
    asked = client.get(URL, {"speaker": "orateur-test", "status": "retracted"})
    both = client.get(URL, {"speaker": "orateur-test", "status": "unreviewed,retracted"})

    assert ids(default) == [shown.pk]
    assert ids(asked) == [retracted.pk]
    assert sorted(ids(both)) == sorted([shown.pk, retracted.pk])


def test_claims_filter_by_subject_article_event_kind(client, speaker):
    article = ArticleFactory(slug="source-test", body=BODY)
    event = EventFactory(slug="evt-test")
    about = quote(article, 0, speaker=speaker, event=event)
    about.subjects.add(ActorFactory(slug="sujet-test"))
    reported = quote(article, 1, speaker=speaker, kind=Claim.Kind.REPORTED_SPEECH)

    assert ids(client.get(URL, {"subject": "sujet-test"})) == [about.pk]
    assert sorted(ids(client.get(URL, {"article": "source-test"}))) == sorted(
        [about.pk, reported.pk]
    )
    assert ids(client.get(URL, {"event": "evt-test"})) == [about.pk]
    assert ids(client.get(URL, {"article": "source-test", "kind": "reported_speech"})) == [
        reported.pk
    ]


def test_claims_said_range_is_inclusive(client, speaker):
    article = ArticleFactory(body=BODY)
    early = quote(article, 0, speaker=speaker, said_on=date(2020, 1, 13))
    late = quote(article, 1, speaker=speaker, said_on=date(2020, 1, 14))
    params = {"speaker": "orateur-test"}

    assert ids(client.get(URL, params | {"said_after": "2020-01-14"})) == [late.pk]
    assert ids(client.get(URL, params | {"said_before": "2020-01-13"})) == [early.pk]


def test_claims_search_full_text(client, speaker):
    article = ArticleFactory(body=BODY)
    longer = quote(article, 1, speaker=speaker)
    quote(article, 0, speaker=speaker)

    assert ids(client.get(URL, {"speaker": "orateur-test", "search": "longues"})) == [longer.pk]


def test_claim_detail_has_the_passage_and_links(client, speaker):
    article = ArticleFactory(body=BODY)
    first, second = quote(article, 0, speaker=speaker), quote(article, 1, speaker=speaker)
    ClaimLinkFactory(claim=first, other=second, relation="contradicts")

    body = client.get(f"{URL}{first.pk}/").json()

    assert body["passage"]["quote"] == first.text
    assert body["passage"]["before"] == "Début. « "
    assert body["passage"]["after"].startswith(" » Milieu.")
    assert body["links"][0]["relation"] == "contradicts"
    assert body["links"][0]["claim"]["id"] == second.pk


def test_claims_next_links_walk_every_row_once_and_previous_goes_back(client, speaker):
    for n in range(7):
        ClaimFactory(speaker=speaker, said_on=date(2020, 1, 1 + n % 3))
    ClaimFactory(speaker=speaker, said_on=None)
    expected = ids(client.get(URL, {"speaker": "orateur-test"}))

    seen, pages, url = [], [], f"{URL}?speaker=orateur-test&page_size=3"
    for _ in range(len(expected) + 1):  # bounded: a cursor that stalls must fail, not hang
        if not url:
            break
        body = client.get(url).json()
        pages.append(body)
        seen += [row["id"] for row in body["results"]]
        url = body["next"]

    assert seen == expected
    assert "cursor=" in pages[1]["next"]
    back = client.get(pages[2]["previous"]).json()
    assert [row["id"] for row in back["results"]] == expected[3:6]


def test_claims_page_number_for_early_pages_and_400_beyond(client, speaker):
    ClaimFactory.create_batch(3, speaker=speaker)
    expected = ids(client.get(URL, {"speaker": "orateur-test"}))

    second = client.get(URL, {"speaker": "orateur-test", "page_size": 1, "page": 2})
    too_deep = client.get(URL, {"page": KeysetPagination.max_page + 1})

    assert ids(second) == expected[1:2]
    assert too_deep.status_code == HTTPStatus.BAD_REQUEST
    assert "page" in too_deep.json()["errors"]


def test_claims_tampered_cursor_is_no_such_page_and_a_malformed_one_is_400(client):
    tampered = client.get(URL, {"cursor": "eyJ2IjpbMV19:forged"})
    malformed = client.get(URL, {"cursor": "not a cursor"})

    assert tampered.status_code == HTTPStatus.NOT_FOUND
    assert "cursor" in tampered.json()["detail"]
    assert malformed.status_code == HTTPStatus.BAD_REQUEST
    assert "cursor" in malformed.json()["errors"]


def test_claims_count_is_flagged_as_estimate_above_the_limit(client, speaker, monkeypatch):
    monkeypatch.setattr(counting, "LIMIT", 2)
    ClaimFactory.create_batch(3, speaker=speaker)

    small = client.get(URL, {"speaker": "orateur-test", "said_after": "2100-01-01"}).json()
    large = client.get(URL, {"speaker": "orateur-test"}).json()

    assert (small["count"], small["count_is_estimate"]) == (0, False)
    assert large["count_is_estimate"] is True
    assert large["count"] >= 3


@pytest.mark.parametrize("page_size", [1, 50])
def test_claims_list_query_count_is_fixed(client, django_assert_num_queries, page_size):
    for _ in range(3):
        ClaimFactory(event=EventFactory()).subjects.add(ActorFactory(), ActorFactory())

    # page of claims joined to speaker/article/event with the capped count, their subjects
    with django_assert_num_queries(2):
        response = client.get(URL, {"page_size": page_size})
    assert response.status_code == HTTPStatus.OK


def test_claims_list_beyond_the_count_limit_takes_three_queries(
    client, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(counting, "LIMIT", 1)
    ClaimFactory.create_batch(3)

    # page with the capped count, EXPLAIN for the estimate past the cap, their subjects
    with django_assert_num_queries(3):
        response = client.get(URL, {"page_size": 2})
    assert response.status_code == HTTPStatus.OK

    assert response.json()["count_is_estimate"] is True


def test_claims_count_is_exact_on_pages_past_the_first(client):
    ClaimFactory.create_batch(3)
    total = client.get(URL, {"page_size": 1}).json()["count"]

    assert client.get(URL, {"page_size": 1, "page": 2}).json()["count"] == total
    beyond = client.get(URL, {"page_size": total // 19 + 1, "page": 20}).json()
    assert (beyond["count"], beyond["results"]) == (total, [])


@pytest.mark.parametrize("page_size", [1, 50])
def test_claims_next_page_query_count_is_fixed(client, django_assert_num_queries, page_size):
    ClaimFactory.create_batch(3)
    next_url = client.get(URL, {"page_size": 1}).json()["next"]

    # keyset page, its subjects (the count travels in the cursor)
    with django_assert_num_queries(2):
        response = client.get(next_url.replace("page_size=1", f"page_size={page_size}"))
    assert response.status_code == HTTPStatus.OK


def test_claim_detail_query_count_is_fixed(client, django_assert_num_queries):
    claim = ClaimFactory()
    claim.subjects.add(ActorFactory())

    # claim joined to speaker, article and event; subjects and links as JSON array columns
    with django_assert_num_queries(1):
        response = client.get(f"{URL}{claim.pk}/")
    assert response.status_code == HTTPStatus.OK


# Undated rows come last in either direction


@pytest.mark.parametrize("ordering", ["-said_on", "said_on"])
def test_undated_claims_come_last_in_either_direction_page_after_page(client, ordering):
    speaker = ActorFactory()
    days = [date(2020, 1, 3), None, date(2020, 1, 1), None, date(2020, 1, 2)]
    for day in days:
        ClaimFactory(speaker=speaker, said_on=day)
    dated = sorted((d for d in days if d), reverse=ordering.startswith("-"))
    expected = [d.isoformat() for d in dated] + [None, None]

    seen, pages = [], []
    response = client.get(URL, {"speaker": speaker.slug, "ordering": ordering, "page_size": 2})
    while True:
        assert response.status_code == HTTPStatus.OK
        pages.append(response.json())
        seen += [row["said_on"] for row in pages[-1]["results"]]
        if not pages[-1]["next"]:
            break
        response = client.get(pages[-1]["next"])
    back = client.get(pages[-1]["previous"])

    assert seen == expected
    assert back.status_code == HTTPStatus.OK
    assert back.json()["results"] == pages[-2]["results"]


def test_newest_claims_first_are_dated_ones(client):
    ClaimFactory(said_on=None)

    response = client.get(URL, {"page_size": 5})

    assert response.status_code == HTTPStatus.OK
    assert all(row["said_on"] for row in response.json()["results"])


def test_claims_page_looks_up_its_rows_without_memoize_caches(client):
    """Each Memoize cache before a lookup is sized for the rows estimated before the LIMIT:
    three of them cost a third of the newest-claims page on tier M (settings.py)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, {"page_size": 3})
    assert response.status_code == HTTPStatus.OK
    page_sql = next(q["sql"] for q in captured if 'FROM "desk_claim"' in q["sql"])
    # Nested loops over index lookups, as at scale, on a corpus small enough to scan.
    nested = ["enable_hashjoin = off", "enable_mergejoin = off", "enable_seqscan = off"]

    as_served = plan_of(page_sql, *nested)
    with_memoize = plan_of(page_sql, *nested, "enable_memoize = on")

    assert "Memoize" not in as_served
    assert "Memoize" in with_memoize  # the probe can see one


def plan_of(sql: str, *settings: str) -> str:
    # SET LOCAL lasts until the test's own transaction ends: the default plan comes first.
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in settings:
            cursor.execute(f"SET LOCAL {setting}")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(line for (line,) in cursor.fetchall())


def test_claims_count_joins_only_the_tables_its_filters_read(client):
    article = ClaimFactory().article
    ClaimFactory.create_batch(3)
    listed = Claim.objects.exclude(status=Claim.Status.RETRACTED)

    everything, all_counted = counted(client, {})
    in_article, article_counted = counted(client, {"article": article.slug})

    assert everything["count"] == listed.count()
    assert 'JOIN "desk_article"' not in all_counted  # the page's columns' join, left out
    assert in_article["count"] == listed.filter(article=article).count() == 1
    assert 'JOIN "desk_article"' in article_counted  # the filter reads it


def counted(client, params: dict) -> tuple[dict, str]:
    """A first page and the SQL of the count it carries."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, {"page_size": 1, **params})
    assert response.status_code == HTTPStatus.OK
    page_sql = next(q["sql"] for q in captured if "AS bounded" in q["sql"])
    return response.json(), page_sql.partition("SELECT COUNT(*) FROM (")[2].partition(
        ") AS bounded"
    )[0]
