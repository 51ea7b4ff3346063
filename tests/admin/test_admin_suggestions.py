"""The suggestion review screen and queue, through the admin as an editor uses them."""

from datetime import date
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from libya.desk import doctor, suggestions
from libya.desk.history import history_entries
from libya.desk.models import Article, Claim, Suggestion
from tests.factories import ActorFactory, ArticleFactory, EventFactory, UserFactory

QUOTE = "Nous ne signerons rien sous la pression"
# The review screen's queries: savepoint, session, user, permissions (2), article,
# suggestions, release; then the desk doctor, one query per rule about an article.
REVIEW_QUERIES = 8 + sum(1 for rule in doctor.RULES if rule.per_article)
SECOND = "Le dialogue reste ouvert"
BODY = (
    "Le chef militaire Khalifa Zentani a quitté Moscou sans signer l'accord. "
    f"« {QUOTE} », a-t-il déclaré lundi. « {SECOND} », a répondu le ministre."
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    article = ArticleFactory(body=BODY)
    suggestions.suggest_for_article(article)
    return article


@pytest.fixture
def zentani():
    return ActorFactory(name="Khalifa Zentani", slug="test-khalifa-zentani")


def review_url(article) -> str:
    return reverse("admin:desk_suggestion_review", args=[article.pk])


def suggestion_at(article, text: str) -> Suggestion:
    return article.suggestions.get(kind="direct_quote", text=text)


def with_values(article, zentani) -> list[Suggestion]:
    """The proposed quotes, given a speaker and an event as the full extractor would."""
    event = EventFactory()
    rows = list(article.suggestions.filter(kind="direct_quote"))
    for row in rows:
        row.speaker, row.event, row.said_on, row.said_precision = (
            zentani,
            event,
            date(2020, 1, 13),
            "day",
        )
        row.save()
    return rows


def test_review_screen_highlights_each_suggestion_in_a_fixed_number_of_queries(
    editor_client, article, zentani, django_assert_num_queries
):
    rows = with_values(article, zentani)

    # savepoint (the request's transaction), session, user, the user's own and groups'
    # permissions, article, suggestions joined to their speakers and events, release; and
    # one query per doctor rule about an article
    with django_assert_num_queries(REVIEW_QUERIES):
        response = editor_client.get(review_url(article))

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    for row in rows:
        assert f'<a href="#suggestion-{row.pk}" class="desk-mark desk-kind-direct_quote"' in html
        assert f'id="suggestion-form-{row.pk}"' in html
        assert f'<option value="{zentani.pk}" selected>Khalifa Zentani</option>' in html
    assert 'id="accept-all-direct_quote"' in html


def test_review_screen_queries_do_not_grow_with_suggestions(
    editor_client, zentani, django_assert_num_queries
):
    body = " ".join(
        f"« Nous tiendrons la ligne numéro {n} », a déclaré le ministre." for n in range(30)
    )
    article = ArticleFactory(body=body)
    suggestions.suggest_for_article(article)
    with_values(article, zentani)

    with django_assert_num_queries(REVIEW_QUERIES):
        response = editor_client.get(review_url(article))

    assert response.status_code == HTTPStatus.OK
    assert response.content.decode().count('class="desk-suggestion desk-kind-direct_quote"') == 30


def test_accept_with_an_edited_speaker_creates_the_claim_at_its_span(
    editor_client, editor, article, zentani, form_data
):
    suggestion = suggestion_at(article, QUOTE)
    data = form_data(editor_client.get(review_url(article)), f"suggestion-form-{suggestion.pk}")
    data[f"s{suggestion.pk}-speaker"] = [str(zentani.pk)]
    data[f"s{suggestion.pk}-said_on"] = ["2020-01-13"]

    response = editor_client.post(review_url(article), {**data, "op": "accept"})

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == review_url(article)
    claim = Claim.objects.get(article=article, text=QUOTE)
    assert (claim.span_start, claim.speaker, claim.said_on) == (
        BODY.index(QUOTE),
        zentani,
        date(2020, 1, 13),
    )
    assert history_entries(claim)[0].user == editor.username
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.claim) == (Suggestion.Status.ACCEPTED, claim)
    shown = editor_client.get(response["Location"]).content.decode()
    assert f'href="{reverse("admin:desk_claim_change", args=[claim.pk])}"' in shown
    assert f'id="suggestion-{suggestion.pk}"' not in shown
    assert f'<span class="desk-accepted" title="acceptée">{QUOTE}</span>' in shown


def test_a_stale_accept_is_refused_and_keeps_the_editors_values(
    editor_client, article, zentani, form_data
):
    suggestion = suggestion_at(article, QUOTE)
    data = form_data(editor_client.get(review_url(article)), f"suggestion-form-{suggestion.pk}")
    data[f"s{suggestion.pk}-speaker_name"] = ["Aguila Testé"]
    suggestion.confidence = 0.9  # someone else's change meanwhile
    suggestion.save()

    response = editor_client.post(review_url(article), {**data, "op": "accept"})

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "a été modifié par" in html
    assert 'value="Aguila Testé"' in html
    assert not Claim.objects.filter(article=article).exists()


def test_accepting_a_quote_without_speaker_says_so(editor_client, article, form_data):
    suggestion = suggestion_at(article, QUOTE)
    data = form_data(editor_client.get(review_url(article)), f"suggestion-form-{suggestion.pk}")
    data[f"s{suggestion.pk}-speaker"] = data[f"s{suggestion.pk}-speaker_name"] = [""]

    response = editor_client.post(review_url(article), {**data, "op": "accept"})

    assert response.status_code == HTTPStatus.OK
    assert "Une citation directe a besoin de son auteur" in response.content.decode()
    assert not Claim.objects.filter(article=article).exists()


def test_reject_from_the_review_screen(editor_client, article, form_data):
    suggestion = suggestion_at(article, SECOND)
    data = form_data(editor_client.get(review_url(article)), f"suggestion-form-{suggestion.pk}")

    response = editor_client.post(review_url(article), {**data, "op": "reject"})

    assert response.status_code == HTTPStatus.FOUND
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.REJECTED


def test_accept_all_of_a_kind(editor_client, article, zentani):
    with_values(article, zentani)

    response = editor_client.post(review_url(article), {"op": "accept_all", "kind": "direct_quote"})

    assert response.status_code == HTTPStatus.FOUND
    assert set(Claim.objects.filter(article=article).values_list("text", flat=True)) == {
        QUOTE,
        SECOND,
    }


@pytest.mark.parametrize(
    "data",
    [
        {"op": "explode"},
        {"op": "accept"},
        {"op": "accept", "suggestion": "x"},
        {"op": "accept_all"},
    ],
)
def test_bad_requests_get_a_message_not_an_error(editor_client, article, data):
    response = editor_client.post(review_url(article), data)

    assert response.status_code == HTTPStatus.OK
    assert 'class="error"' in response.content.decode()


def test_review_of_a_missing_article_is_404(editor_client):
    response = editor_client.get(reverse("admin:desk_suggestion_review", args=[10**9]))

    assert response.status_code == HTTPStatus.NOT_FOUND


def test_article_change_page_links_to_its_review(editor_client, article):
    response = editor_client.get(reverse("admin:desk_article_change", args=[article.pk]))

    assert response.status_code == HTTPStatus.OK
    assert f'href="{review_url(article)}"' in response.content.decode()


PAGE = f"""Zentani quitte Moscou sans signer

Le chef militaire Khalifa Zentani a quitté Moscou. « {QUOTE} », a-t-il déclaré.
"""


def test_the_add_article_flow_lands_on_its_suggestions(editor_client, form_data):
    add_url = reverse("admin:desk_article_add")
    data = form_data(editor_client.get(add_url), "article_form")
    data["raw_text"] = [PAGE]
    data = form_data(editor_client.post(add_url, data), "article_form")

    response = editor_client.post(add_url, data)

    article = Article.objects.get(title="Zentani quitte Moscou sans signer")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == review_url(article)
    assert suggestion_at(article, QUOTE).status == Suggestion.Status.PROPOSED
    assert editor_client.get(response["Location"]).status_code == HTTPStatus.OK


def test_a_new_body_in_the_change_form_is_suggested_again(editor_client, article, form_data):
    url = reverse("admin:desk_article_change", args=[article.pk])
    data = form_data(editor_client.get(url), "article_form")
    data["body"] = ["Dépêche. " + BODY + " « Troisième temps », a-t-il ajouté."]

    response = editor_client.post(url, data)

    assert response.status_code == HTTPStatus.FOUND
    moved = suggestion_at(article, QUOTE)
    assert moved.span_start == data["body"][0].index(QUOTE)
    assert suggestion_at(article, "Troisième temps").status == Suggestion.Status.PROPOSED


# The queue


def test_queue_lists_proposed_suggestions_in_a_fixed_number_of_queries(
    editor_client, article, zentani, django_assert_num_queries
):
    with_values(article, zentani)
    other = ArticleFactory(body="« Autre chose » fut dit.")
    suggestions.suggest_for_article(other)
    decider = UserFactory(username="queue-decider")
    for suggestion in other.suggestions.all():
        suggestions.reject_suggestion(suggestion, decider)
    url = reverse("admin:desk_suggestion_changelist")

    # savepoints of the request and of the changelist, session, user, the user's own
    # and groups' permissions, the article filter's titles, count (proposed, then all),
    # rows joined to their articles, speakers and events, two releases
    with django_assert_num_queries(12):
        response = editor_client.get(url)

    assert response.status_code == HTTPStatus.OK
    shown = {s.pk for s in response.context["cl"].result_list}
    assert shown >= set(article.suggestions.values_list("pk", flat=True))
    assert not shown & set(other.suggestions.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"confidence": "high"}, {SECOND}),
        ({"confidence": "low"}, {QUOTE}),
        ({"kind": "alias"}, set()),
        ({"status": "all"}, {QUOTE, SECOND}),
    ],
)
def test_queue_filters_by_confidence_kind_and_article(editor_client, article, query, expected):
    article.suggestions.exclude(kind="direct_quote").delete()  # only the two quotes
    Suggestion.objects.filter(text=SECOND).update(confidence=0.95)
    Suggestion.objects.filter(text=QUOTE).update(confidence=0.2)
    query = {**query, "article__id__exact": article.pk}

    response = editor_client.get(reverse("admin:desk_suggestion_changelist"), query)

    assert response.status_code == HTTPStatus.OK
    assert {s.text for s in response.context["cl"].result_list} == expected


def test_queue_lists_the_decided_suggestions_of_one_article(editor_client, editor, article):
    for suggestion in article.suggestions.all():
        suggestions.reject_suggestion(suggestion, editor)
    suggestions.suggest_for_article(ArticleFactory(body="« Autre chose » fut dit."))
    query = {"article__id__exact": article.pk, "status": "all"}

    response = editor_client.get(reverse("admin:desk_suggestion_changelist"), query)

    assert response.status_code == HTTPStatus.OK
    assert {s.article_id for s in response.context["cl"].result_list} == {article.pk}


def test_queue_bulk_actions_accept_and_reject(editor_client, article, zentani):
    first, second = with_values(article, zentani)
    url = reverse("admin:desk_suggestion_changelist")

    def act(action: str, row: Suggestion):
        row.refresh_from_db()  # the version the list would show
        return editor_client.post(
            url,
            {
                "action": action,
                "_selected_action": [row.pk],
                "_version": [f"{row.pk}:{row.version}"],
            },
        )

    assert act("accept_selected", first).status_code == HTTPStatus.FOUND
    assert act("reject_selected", second).status_code == HTTPStatus.FOUND
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("accepted", "rejected")
    assert Claim.objects.get(article=article).text == first.text


def test_queue_action_on_a_stale_row_is_refused(editor_client, article):
    row = suggestion_at(article, QUOTE)
    seen = row.version
    row.confidence = 0.7
    row.save()

    response = editor_client.post(
        reverse("admin:desk_suggestion_changelist"),
        {
            "action": "reject_selected",
            "_selected_action": [row.pk],
            "_version": [f"{row.pk}:{seen}"],
        },
        follow=True,
    )

    assert response.status_code == HTTPStatus.OK
    assert "a été modifié par" in response.content.decode()
    assert Suggestion.objects.get(pk=row.pk).status == Suggestion.Status.PROPOSED


# Who may review


def test_staff_outside_the_editors_cannot_see_the_review(outsider_client, article):
    assert outsider_client.get(review_url(article)).status_code == HTTPStatus.FORBIDDEN


def test_read_only_staff_may_look_but_not_decide(client, article, zentani):
    reader = UserFactory(username="suggestion-reader")
    reader.user_permissions.add(*Permission.objects.filter(codename="view_suggestion"))
    client.force_login(reader)
    with_values(article, zentani)

    page = client.get(review_url(article))
    accept_all = client.post(review_url(article), {"op": "accept_all", "kind": "direct_quote"})

    assert page.status_code == HTTPStatus.OK
    assert "suggestion-form-" not in page.content.decode()
    assert accept_all.status_code == HTTPStatus.FORBIDDEN
    assert not Claim.objects.filter(article=article).exists()


def test_highlighting_marks_nested_spans_by_the_narrowest():
    from libya.desk.admin.suggestions import highlighted

    body = "« Khalifa <b> a dit » fin"
    quote = Suggestion(pk=1, kind="direct_quote", span_start=2, span_end=19)
    alias = Suggestion(pk=2, kind="alias", span_start=2, span_end=9)

    html = str(highlighted(body, [quote, alias]))

    assert html == (
        "« "
        '<a href="#suggestion-2" class="desk-mark desk-kind-alias" title="alias">Khalifa</a>'
        '<a href="#suggestion-1" class="desk-mark desk-kind-direct_quote" title="citation directe">'
        " &lt;b&gt; a dit</a>"
        " » fin"
    )
