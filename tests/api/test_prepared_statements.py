"""The API's compiled statements are kept prepared on the server with their request values
bound (libya/postgresql: ``prepared_cursor``); any other statement of an anonymous read
once it has run five times word for word, with its values written in
(``plans_kept_by_text``); nothing behind a transaction pooler."""

from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from psycopg import ClientCursor

from libya.desk.api.statements import constants_written_in
from libya.postgresql.base import PlanKeepingCursor, plans_kept_by_text

pytestmark = pytest.mark.django_db

ARTICLE = "libye-echec-des-pourparlers-de-paix-de-moscou-haftar-quitte-la-capitale-russe"


def prepared_statements() -> list[str]:
    """The statements the server holds prepared for this connection (the test client's)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements ORDER BY prepare_time")
        return [statement for (statement,) in cursor.fetchall()]


def test_a_detail_statement_is_prepared_once_and_reused(client):
    answers = [client.get(f"/api/v1/articles/{ARTICLE}/") for _ in range(3)]

    assert [answer.status_code for answer in answers] == [HTTPStatus.OK] * 3
    assert answers[0].json() == answers[2].json()
    details = [sql for sql in prepared_statements() if 'FROM "desk_article"' in sql]
    assert len(details) == 1
    assert "$1" in details[0]  # the slug is bound, not written into the text


def test_a_list_page_and_its_parts_are_prepared_and_each_value_bound(client):
    first = client.get("/api/v1/claims/", {"speaker": "sergei-lavrov", "page_size": "2"})
    other = client.get("/api/v1/claims/", {"speaker": "khalifa-haftar", "page_size": "2"})

    assert first.status_code == other.status_code == HTTPStatus.OK
    assert {claim["speaker"]["slug"] for claim in first.json()["results"]} == {"sergei-lavrov"}
    assert {claim["speaker"]["slug"] for claim in other.json()["results"]} == {"khalifa-haftar"}
    prepared = prepared_statements()
    pages = [sql for sql in prepared if sql.startswith('SELECT "desk_claim"."id"')]
    assert len(pages) == 1  # one statement for both speakers
    assert any("= ANY($" in sql for sql in prepared)  # a to-many part, by its batch of ids


def searches_prepared() -> list[str]:
    return [sql for sql in prepared_statements() if "websearch_to_tsquery" in sql]


def test_a_search_is_not_prepared_with_its_term_bound(client):
    response = client.get("/api/v1/articles/", {"search": "Haftar", "ordering": "-published_on"})

    assert response.status_code == HTTPStatus.OK
    assert response.json()["results"]
    assert searches_prepared() == []  # a generic plan would serve every term alike


@pytest.mark.parametrize("term", ["Haftar", "l'armée", "100 %"])
def test_a_search_repeated_word_for_word_is_prepared_with_its_term_written_in(client, term):
    query = {"search": term, "ordering": "-published_on"}
    answers = [client.get("/api/v1/articles/", query) for _ in range(6)]

    assert [answer.status_code for answer in answers] == [HTTPStatus.OK] * 6
    assert answers[5].json() == answers[0].json()  # prepared, the same rows
    (search,) = searches_prepared()
    assert "$1" not in search
    written = ClientCursor(connection.connection).mogrify("%s", [term])
    assert written in search


def test_a_search_run_fewer_than_five_times_is_not_prepared(client):
    for term in ["Haftar", "Sarraj", "Moscou", "Tripoli", "Syrte", "Benghazi"]:
        response = client.get("/api/v1/articles/", {"search": term})
        assert response.status_code == HTTPStatus.OK

    assert searches_prepared() == []


def test_an_editors_request_keeps_djangos_own_cursor(admin_client):
    for _ in range(6):
        response = admin_client.get("/api/v1/articles/", {"search": "Haftar"})
        assert response.status_code == HTTPStatus.OK

    assert searches_prepared() == []  # a session: the whole stack, which may write


def test_plans_are_kept_only_inside_plans_kept_by_text():
    with connection.cursor() as outside:
        assert type(outside.cursor) is not PlanKeepingCursor
    with plans_kept_by_text(), connection.cursor() as inside:
        assert type(inside.cursor) is PlanKeepingCursor


def test_nothing_is_prepared_behind_a_transaction_pooler(client, settings):
    settings.DESK_DB_PREPARED_STATEMENTS = False

    answers = [client.get("/api/v1/articles/", {"search": "Haftar"}) for _ in range(6)]
    answers.append(client.get(f"/api/v1/articles/{ARTICLE}/"))

    assert [answer.status_code for answer in answers] == [HTTPStatus.OK] * 7
    assert prepared_statements() == []


def test_recorded_queries_carry_their_values_as_unprepared_ones_do(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/articles/{ARTICLE}/")

    assert response.status_code == HTTPStatus.OK
    (detail,) = queries.captured_queries
    assert f"'{ARTICLE}'" in detail["sql"]
    assert "$1" not in detail["sql"]


def test_recorded_searches_carry_their_term_once_prepared_too(client):
    with CaptureQueriesContext(connection) as queries:
        answers = [client.get("/api/v1/articles/", {"search": "Haftar"}) for _ in range(6)]

    assert [answer.status_code for answer in answers] == [HTTPStatus.OK] * 6
    assert searches_prepared()
    recorded = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in recorded if sql is None or "%s" in sql or "$1" in sql]
    assert "websearch_to_tsquery('french'::regconfig, 'Haftar')" in recorded[-1]


def test_only_the_requests_values_are_bound_and_the_constants_are_written_in(client):
    # Bound, the date that sorts undated claims last would not match the index built on
    # it, and a generic plan of the page would scan the table.
    response = client.get("/api/v1/claims/", {"speaker": "sergei-lavrov", "page_size": "2"})

    assert response.status_code == HTTPStatus.OK
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, parameter_types::text[] FROM pg_prepared_statements"
            ' WHERE statement LIKE \'SELECT "desk_claim"."id"%%\''
        )
        ((statement, types),) = cursor.fetchall()
    assert 'COALESCE("desk_claim"."said_on", \'0001-01-01\'::date)' in statement
    assert "'retracted'" in statement
    assert len(types) == 2  # the speaker, in the page and in its count


def test_a_constant_with_a_percent_sign_stays_a_literal():
    sql = "SELECT %s, %s LIKE '%%x'"

    assert constants_written_in(sql, ["50%", "y"], [1], "default") == "SELECT '50%%', %s LIKE '%%x'"
    assert constants_written_in(sql, ["50%"], [0], "default") is None  # one value too few
