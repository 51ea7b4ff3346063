"""The admin home is the review dashboard: each figure counted and linked to its list."""

import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from libya.desk import suggestions
from libya.desk.dashboard import FIGURES, Figure, figure
from libya.desk.models import Article, Claim, Event
from tests.factories import ArticleFactory, ClaimFactory, EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(editor_client) -> str:
    response = editor_client.get(reverse("admin:index"))
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def test_dashboard_counts_claims_to_review_by_article(editor_client):
    claim = ClaimFactory(status=Claim.Status.UNREVIEWED)
    response = editor_client.get(reverse("admin:index"))

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    total = Claim.objects.filter(status="unreviewed").count()
    assert f'?status__exact=unreviewed">{total}</a>' in html
    row_link = f"?status__exact=unreviewed&amp;article__id__exact={claim.article_id}"
    assert row_link in html


def test_dashboard_lists_articles_without_claims_and_events_without_source(editor_client):
    article = ArticleFactory(title="Un article sans affirmation")
    event = EventFactory(title="Un événement sans source")

    html = editor_client.get(reverse("admin:index")).content.decode()

    assert reverse("admin:desk_article_change", args=[article.pk]) in html
    assert reverse("admin:desk_event_change", args=[event.pk]) in html
    assert "?claims__isnull=True" in html
    assert "?articles__isnull=True" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?claims__isnull=True", lambda: Article.objects.filter(claims__isnull=True).count()),
        ("?articles__isnull=True", lambda: Event.objects.filter(articles__isnull=True).count()),
    ],
)
def test_dashboard_links_open_the_filtered_list(editor_client, query, expected):
    ArticleFactory()
    EventFactory()
    model = "article" if "claims" in query else "event"
    response = editor_client.get(reverse(f"admin:desk_{model}_changelist") + query)

    assert response.status_code == HTTPStatus.OK
    assert response.context["cl"].result_count == expected()


def mark_verified(client, claim: Claim) -> None:
    """A change by an editor: the recent changes then name a user (one query for names)."""
    response = client.post(
        reverse("admin:desk_claim_changelist"),
        {
            "action": "mark_verified",
            "_selected_action": [claim.pk],
            "_version": f"{claim.pk}:{claim.version}",
        },
    )
    assert response.status_code == HTTPStatus.FOUND


def test_dashboard_shows_recent_changes_with_who(editor_client, editor):
    claim = Claim.objects.first()
    mark_verified(editor_client, claim)
    html = editor_client.get(reverse("admin:index")).content.decode()

    assert reverse("admin:desk_claim_history", args=[claim.pk]) in html
    assert editor.username in html


def test_dashboard_chart_data_links_each_month_and_status(home):
    assert 'id="desk-claims-per-month-data"' in home
    assert re.search(r"said_on__gte=\d{4}-\d{2}-01", home)


def test_view_site_opens_the_api_docs(home):
    assert f'href="{reverse("docs")}"' in home


def test_a_figure_is_one_function(editor_client):
    @figure(order=20)
    def waiting() -> Figure:
        return Figure(title="Suggestions en attente", count=3, url="/somewhere/")

    try:
        html = editor_client.get(reverse("admin:index")).content.decode()
    finally:
        FIGURES.remove((20, waiting))
    assert "Suggestions en attente" in html


def test_dashboard_query_count_is_fixed(editor_client, django_assert_num_queries):
    editor_client.get(reverse("admin:index"))
    # Later views in the same generation read the figures from the cache: the session,
    # the editor and their permissions (user and group), the generation, and the
    # savepoint around the request.
    with django_assert_num_queries(7):
        response = editor_client.get(reverse("admin:index"))
    assert response.status_code == HTTPStatus.OK

    # Every figure with rows to list, whatever other tests left committed.
    ClaimFactory(status=Claim.Status.UNREVIEWED)
    ArticleFactory()
    EventFactory()
    mark_verified(editor_client, Claim.objects.order_by("pk").first())
    # After a write, per figure with rows: its count (or the ids it lists) and its rows;
    # the claims to review are counted by article, then their articles named; and the
    # generation. Not one query per row.
    with django_assert_num_queries(20):
        response = editor_client.get(reverse("admin:index"))
    assert response.status_code == HTTPStatus.OK


def test_the_dashboard_is_never_older_than_the_last_write(editor_client):
    before = editor_client.get(reverse("admin:index")).context["figures"]
    to_review = next(f for f in before if f.url.endswith("status__exact=unreviewed"))
    ClaimFactory(status=Claim.Status.UNREVIEWED)
    after = editor_client.get(reverse("admin:index")).context["figures"]
    assert next(f for f in after if f.title == to_review.title).count == to_review.count + 1


def test_suggestions_waiting_lead_to_their_review_screens(editor_client):
    article = ArticleFactory(body="« Nous ne céderons pas », a déclaré le ministre libyen.")
    waiting = suggestions.suggest_for_article(article).created

    html = editor_client.get(reverse("admin:index")).content.decode()

    assert waiting > 0
    assert reverse("admin:desk_suggestion_review", args=[article.pk]) in html
    assert reverse("admin:desk_suggestion_changelist") in html
