"""French first: every page an editor sees is French; English is one remembered click away."""

import re
from html.parser import HTMLParser
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from procrastinate.contrib.django.models import ProcrastinateJob

from libya.desk import enrichment, suggestions
from libya.desk.models import Actor, Article, Claim, DeskAPIKey, Event
from libya.desk.models.preferences import EditorPreference

pytestmark = pytest.mark.django_db

# English words that have no place on a French page: vocabulary of the desk's models,
# choices and actions, and of Django's admin. Words that are the same in French
# (article, description, version, note, date, source, dossier, organisation, passage,
# place, documentation, affiliations...) are not listed.
ENGLISH_WORDS = """
the and with from into your this that these those select add change save delete
search filter history view merge mark marked selected claim claims actor actors event
events aliases kind speaker status unreviewed verified disputed retracted quote
reported speech publisher assertion talks meeting visit agreement ceasefire attack
statement cancellation conference party mediator host signatory attacker target guest
visitor organiser observer leads member spokesperson government operates person
state armed group outlet canonical name country owner title body precision day month
year unknown created updated start end about review anchoring stamps context timeline
network identity records language links none yes home edit log out recent changes
waiting every insert update
accepted accepting rejected proposed decided confidence high medium low extractor
characters again before queue queued task tasks worker workers attempt attempts running
failed succeeded aborted cancelled error errors warning warnings severity findings rule
key keys prefix revoked created requests window last used
procrastinate job jobs background
"""
ENGLISH = frozenset(ENGLISH_WORDS.split())
# Proper names and codes found in the corpus that read as English words.
ALLOWED = {"English"}
SKIPPED_TAGS = {"script", "style", "textarea"}
# Data in any language: the actor list's aliases (Government of National Accord), and the
# records (slugs, quoted text) and values a desk doctor's finding names.
DATA_CLASSES = {"field-alias_list", "doctor-record", "doctor-value"}


class VisibleText(HTMLParser):
    """Interface text a reader sees: no scripts, styles, field contents, lang="en" elements
    or data cells."""

    def __init__(self):
        super().__init__()
        self.skip_depth, self.stack, self.chunks = 0, [], []

    def handle_starttag(self, tag, attrs):
        if tag in {"br", "img", "input", "meta", "link", "hr", "col"}:
            return
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        skipped = tag in SKIPPED_TAGS or attrs.get("lang") == "en" or bool(classes & DATA_CLASSES)
        self.stack.append(skipped)
        self.skip_depth += skipped

    def handle_endtag(self, tag):
        if tag in {"br", "img", "input", "meta", "link", "hr", "col"} or not self.stack:
            return
        self.skip_depth -= self.stack.pop()

    def handle_data(self, data):
        if not self.skip_depth and data.strip():
            self.chunks.append(data.strip())


def english_on(html: str) -> list[str]:
    reader = VisibleText()
    reader.feed(html)
    found = []
    for chunk in reader.chunks:
        for word in re.findall(r"[A-Za-z']+", chunk):
            if word.lower() in ENGLISH and word not in ALLOWED:
                found.append(f"{word!r} in {chunk[:80]!r}")
    return found


def main_pages() -> list[str]:
    """The pages an editor sees, with suggestions and jobs in the queues to show."""
    shoigu = Actor.objects.get(slug="sergei-shoigu")
    claim = Claim.objects.filter(speaker__isnull=False).order_by("pk").first()
    event = Event.objects.order_by("pk").first()
    article = Article.objects.order_by("pk").first()
    suggestions.suggest_for_article(article)
    enrichment.enqueue([article.pk])
    job = ProcrastinateJob.objects.order_by("pk").first()
    return [
        reverse("admin:index"),
        reverse("admin:desk_actor_changelist"),
        reverse("admin:desk_actor_changelist") + "?q=Choigou",
        reverse("admin:desk_actor_change", args=[shoigu.pk]),
        reverse("admin:desk_actor_dossier", args=[shoigu.pk]),
        reverse("admin:desk_actor_history", args=[shoigu.pk]),
        reverse("admin:desk_claim_changelist"),
        reverse("admin:desk_claim_change", args=[claim.pk]),
        reverse("admin:desk_claim_add"),
        reverse("admin:desk_event_changelist"),
        reverse("admin:desk_event_change", args=[event.pk]),
        reverse("admin:desk_article_changelist"),
        reverse("admin:desk_article_change", args=[article.pk]),
        reverse("admin:desk_article_add"),
        reverse("admin:desk_suggestion_changelist"),
        reverse("admin:desk_suggestion_changelist") + "?status=all",
        reverse("admin:desk_suggestion_review", args=[article.pk]),
        reverse("desk_doctor"),
        reverse("admin:procrastinate_procrastinatejob_changelist"),
        reverse("admin:procrastinate_procrastinatejob_change", args=[job.pk]),
        reverse("admin:app_list", args=["procrastinate"]),
    ]


def superuser_pages() -> list[str]:
    """Pages only a superuser sees."""
    return [reverse("admin:desk_deskapikey_changelist")]


def english_on_pages(client: Client, urls: list[str]) -> dict[str, list[str]]:
    stray = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, url
        found = english_on(response.content.decode())
        if found:
            stray[url] = found[:10]
    return stray


def test_main_pages_show_no_english_in_french(editor_client):
    assert english_on_pages(editor_client, main_pages()) == {}


def test_the_review_screen_walked_shows_suggestions(editor_client):
    article = Article.objects.order_by("pk").first()
    main_pages()

    response = editor_client.get(reverse("admin:desk_suggestion_review", args=[article.pk]))

    assert response.status_code == HTTPStatus.OK
    assert response.context["items"]
    assert "Accepter" in response.content.decode()


def test_superuser_pages_show_no_english_in_french(admin_client, editor):
    DeskAPIKey.objects.create_key(name="moniteur", user=editor)
    assert english_on_pages(admin_client, superuser_pages()) == {}


def test_the_walk_would_catch_english(editor_client):
    response = editor_client.get(reverse("admin:desk_claim_changelist"))
    assert english_on(response.content.decode()) == []
    assert english_on("<p>Mark selected claims as verified</p>") != []


def test_choices_and_names_are_french_by_default(editor_client):
    response = editor_client.get(reverse("admin:desk_claim_changelist"))

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "citation directe" in html
    assert "non relu" in html
    assert response.context["cl"].opts.verbose_name_plural == "affirmations"


def test_english_is_one_click_away_and_remembered_across_logins(editor_client, editor):
    home = reverse("admin:index")
    response = editor_client.post(reverse("admin:desk_language"), {"language": "en", "next": home})

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == home
    assert EditorPreference.objects.get(user=editor).language == "en"
    page = editor_client.get(reverse("admin:desk_claim_changelist")).content.decode()
    assert "direct quote" in page

    later = Client()
    later.force_login(editor)
    again = later.get(reverse("admin:desk_claim_changelist"))
    assert again.status_code == HTTPStatus.OK
    assert "direct quote" in again.content.decode()


def test_an_unknown_language_is_ignored_and_next_must_be_local(editor_client, editor):
    response = editor_client.post(
        reverse("admin:desk_language"), {"language": "xx", "next": "https://example.com/"}
    )

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("admin:index")
    assert not EditorPreference.objects.filter(user=editor).exists()


def test_the_span_picker_strings_are_in_the_javascript_catalogue(editor_client):
    response = editor_client.get(reverse("admin:jsi18n"))

    assert response.status_code == HTTPStatus.OK
    assert "Caract\\u00e8res %(start)s \\u00e0 %(end)s." in response.content.decode()
