"""Attributing claims: spans from a selection or from the quote, context kept, review recorded."""

from datetime import date
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from libya.desk.admin.base import EstimatedCountPaginator
from libya.desk.models import Claim
from tests.factories import ActorFactory, ArticleFactory, ClaimFactory

BODY = (
    "Le ministre a déclaré : « Nous allons poursuivre nos efforts. » "
    "Puis il a répété : « Nous allons poursuivre nos efforts. » Fin du communiqué."
)


@pytest.fixture
def article(db):
    return ArticleFactory(body=BODY)


@pytest.fixture
def add_claim(editor_client, form_data, article):
    """Post the claim add form as the browser would, with `changes` typed in."""

    def post(**changes):
        url = reverse("admin:desk_claim_add") + f"?article={article.pk}"
        data = form_data(editor_client.get(url), "claim_form")
        speaker = ActorFactory()
        data.update({"speaker": [str(speaker.pk)], "kind": [Claim.Kind.DIRECT_QUOTE]})
        data.update({key: [str(value)] for key, value in changes.items()})
        return editor_client.post(url, data)

    return post


def form_errors(response) -> str:
    return str(response.context["adminform"].form.errors)


def test_quote_typed_once_in_body_fills_the_span(add_claim, article):
    response = add_claim(text="Fin du communiqué")

    assert response.status_code == HTTPStatus.FOUND, form_errors(response)
    claim = Claim.objects.get(article=article)
    assert (claim.span_start, claim.span_end) == (BODY.index("Fin du"), len(BODY) - 1)
    assert claim.prefix == BODY[claim.span_start - 32 : claim.span_start]
    assert claim.suffix == "."


def test_ambiguous_quote_names_every_occurrence(add_claim):
    quote = "Nous allons poursuivre nos efforts."
    first = BODY.index(quote)
    second = BODY.index(quote, first + 1)

    response = add_claim(text=quote)

    assert response.status_code == HTTPStatus.OK
    assert f"apparaît 2 fois dans l&#x27;article, aux caractères {first}, {second}" in (
        form_errors(response)
    )


def test_ambiguous_quote_with_span_start_picks_that_occurrence(add_claim, article):
    quote = "Nous allons poursuivre nos efforts."
    second = BODY.index(quote, BODY.index(quote) + 1)

    response = add_claim(text=quote, span_start=second)

    assert response.status_code == HTTPStatus.FOUND, form_errors(response)
    assert Claim.objects.get(article=article).span_start == second


def test_quote_missing_from_body_is_an_error(add_claim, article):
    response = add_claim(text="Nous ne signerons jamais")

    assert response.status_code == HTTPStatus.OK
    assert "Ce texte n&#x27;est pas dans le corps de l&#x27;article" in form_errors(response)
    assert not Claim.objects.filter(article=article).exists()


def test_selected_span_fills_the_text(add_claim, article):
    start = BODY.index("Puis")

    response = add_claim(span_start=start, span_end=start + 4)

    assert response.status_code == HTTPStatus.FOUND, form_errors(response)
    assert Claim.objects.get(article=article).text == "Puis"


def test_quote_not_matching_its_span_cannot_be_saved(add_claim, article):
    response = add_claim(text="Fin du communiqué", span_start=0, span_end=17)

    assert response.status_code == HTTPStatus.OK
    assert "n&#x27;est pas le corps de l&#x27;article aux caractères 0-17" in form_errors(response)


def test_change_page_highlights_the_passage_in_context(editor_client):
    claim = ClaimFactory()

    response = editor_client.get(reverse("admin:desk_claim_change", args=[claim.pk]))

    html = response.content.decode()
    assert f"<mark>{claim.text}</mark>" in html
    assert 'id="desk-article-body"' in html
    assert "desk/claim_span.js" in html


def test_article_body_endpoint_serves_the_span_picker(editor_client, article):
    url = reverse("admin:desk_claim_article_body", args=[article.pk])
    assert editor_client.get(url).json() == {"body": BODY}


def test_article_body_endpoint_refuses_outsiders(outsider_client, article):
    url = reverse("admin:desk_claim_article_body", args=[article.pk])
    assert outsider_client.get(url).status_code == HTTPStatus.FORBIDDEN


def test_body_edit_that_breaks_a_claim_is_refused(editor_client, form_data):
    claim = ClaimFactory()
    url = reverse("admin:desk_article_change", args=[claim.article.pk])
    data = form_data(editor_client.get(url), "article_form")
    data["body"] = ["Un tout autre texte, sans la citation."]

    response = editor_client.post(url, data)

    assert response.status_code == HTTPStatus.OK
    assert "ne contient plus le texte de ces affirmations" in str(
        response.context["adminform"].form.errors
    )


def test_status_set_in_the_form_records_who_and_when(editor_client, editor, form_data):
    claim = ClaimFactory()
    url = reverse("admin:desk_claim_change", args=[claim.pk])
    data = form_data(editor_client.get(url), "claim_form")
    data["status"] = [Claim.Status.DISPUTED]

    response = editor_client.post(url, data)

    assert response.status_code == HTTPStatus.FOUND
    claim.refresh_from_db()
    assert (claim.status, claim.status_changed_by) == (Claim.Status.DISPUTED, editor)
    assert claim.status_changed_at is not None


def test_review_action_records_who_and_when(editor_client, editor):
    claims = [ClaimFactory(), ClaimFactory()]

    editor_client.post(
        reverse("admin:desk_claim_changelist"),
        {"action": "mark_verified", "_selected_action": [c.pk for c in claims]},
    )

    for claim in claims:
        claim.refresh_from_db()
        assert (claim.status, claim.status_changed_by) == (Claim.Status.VERIFIED, editor)


def test_article_page_links_to_a_claim_form_for_it(editor_client, article):
    response = editor_client.get(reverse("admin:desk_article_change", args=[article.pk]))
    assert f"{reverse('admin:desk_claim_add')}?article={article.pk}" in response.content.decode()


@pytest.mark.django_db
def test_claim_years_are_those_with_claims_in_either_order():
    speaker = ActorFactory()
    for said_on in (date(2011, 5, 2), date(2011, 12, 31), date(2014, 1, 1), None):
        ClaimFactory(speaker=speaker, said_on=said_on)
    claims = Claim.objects.filter(speaker=speaker)

    assert list(claims.dates("said_on", "year")) == [date(2011, 1, 1), date(2014, 1, 1)]
    assert list(claims.dates("said_on", "year", "DESC")) == [date(2014, 1, 1), date(2011, 1, 1)]
    assert list(claims.filter(said_on__year=2013).dates("said_on", "year")) == []
    assert list(claims.dates("said_on", "month")) == [
        date(2011, 5, 1),
        date(2011, 12, 1),
        date(2014, 1, 1),
    ]


@pytest.mark.django_db
def test_claim_changelist_lists_years_without_distinct_over_every_claim(editor_client):
    ClaimFactory(said_on=date(2011, 5, 2))
    ClaimFactory(said_on=date(2014, 1, 1))

    with CaptureQueriesContext(connection) as queries:
        response = editor_client.get(reverse("admin:desk_claim_changelist"))

    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "said_on__year=2011" in page
    assert "said_on__year=2014" in page
    assert "said_on__year=2013" not in page
    assert not [q for q in queries.captured_queries if "DISTINCT" in q["sql"]]


@pytest.mark.django_db
def test_claim_changelist_estimates_large_counts_and_counts_small_ones(editor_client, monkeypatch):
    ClaimFactory.create_batch(2)
    url = reverse("admin:desk_claim_changelist")

    with CaptureQueriesContext(connection) as queries:
        response = editor_client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert response.context["cl"].result_count == Claim.objects.count()
    assert [q for q in queries.captured_queries if "COUNT(" in q["sql"]]

    monkeypatch.setattr(EstimatedCountPaginator, "exact_limit", 0)
    with CaptureQueriesContext(connection) as queries:
        response = editor_client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert response.context["cl"].result_count > 0
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"]]


def test_change_form_posted_empty_shows_its_errors_not_a_server_error(editor_client):
    claim = ClaimFactory()

    response = editor_client.post(reverse("admin:desk_claim_change", args=[claim.pk]), {})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    claim.refresh_from_db()
    assert claim.text  # nothing was saved
