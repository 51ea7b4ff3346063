"""An editor, in a real browser: pastes an article, lands on its suggestions, accepts a quote."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from libya.desk.extraction.nlp import pipeline
from libya.desk.models import Actor, Alias, Article, Claim, Deletion

USERNAME = "browser-reviewer"
PASSWORD = "browser review password 2020"
ACTOR_SLUG = "test-fathi-zaouia"
TITLE = "Fathi Zaouia refuse de signer a Moscou"
QUOTE = "Nous ne signerons rien sous la pression"
PAGE = f"""{TITLE}

Le commandant Fathi Zaouia a quitté Moscou lundi sans signer l'accord de cessez-le-feu.
« {QUOTE} », a-t-il déclaré à la presse. Les discussions doivent reprendre à Berlin.
"""


@pytest.fixture
def scene(committed_db):
    """An editor and the speaker, known to the desk (committed, removed afterwards)."""
    remove_scene()  # leftovers of an interrupted run
    # The French model loads once per process, lazily, in seconds on a busy machine: loaded
    # here, the page's 15-second step timeout measures the page and not the model's loading.
    pipeline()
    user = get_user_model().objects.create_user(USERNAME, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    actor = Actor.objects.create(name="Fathi Zaouia", slug=ACTOR_SLUG, kind="person")
    Alias.objects.create(actor=actor, name="Fathi Zaouia")
    yield {"actor": actor}
    remove_scene()


def remove_scene() -> None:
    articles = Article.objects.filter(title=TITLE)
    slugs = list(articles.values_list("slug", flat=True))
    Claim.objects.filter(article__in=articles).delete()
    articles.delete()  # its suggestions go with it
    Actor.objects.filter(slug=ACTOR_SLUG).delete()
    get_user_model().objects.filter(username=USERNAME).delete()
    Deletion.objects.filter(key__in=[ACTOR_SLUG, *slugs]).delete()


def admin_url(server_url: str, path: str = "") -> str:
    return f"{server_url}/{settings.ADMIN_PATH}{path}"


def log_in(page, server_url: str) -> None:
    page.goto(admin_url(server_url, "login/"))
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


@pytest.mark.browser
def test_editor_pastes_an_article_and_accepts_a_suggested_quote(
    page, server_url, scene, output_dir, csp_violations
):
    log_in(page, server_url)
    page.goto(admin_url(server_url, "desk/article/add/"))
    page.fill("#id_raw_text", PAGE)
    page.click("input[name=_save]")
    page.wait_for_selector("#article-preview")
    page.click("input[name=_save]")  # confirms the cleaned text

    page.wait_for_selector("#desk-review-body")
    article = Article.objects.get(title=TITLE)
    suggestion = article.suggestions.get(kind="direct_quote", text=QUOTE)
    item = f"#suggestion-{suggestion.pk}"
    mark = page.locator(f"#desk-review-body a[href='{item}']")
    assert mark.inner_text() == QUOTE
    page.screenshot(path=output_dir / "suggestions_review.png", full_page=True)

    # The full extractor names the speaker itself; the editor can always correct it.
    page.click(f"{item} summary")
    prefix = f"s{suggestion.pk}"
    if page.input_value(f"#id_{prefix}-speaker") == "":
        page.click(f"#id_{prefix}-speaker + .select2-container")
        page.fill(".select2-container--open .select2-search__field", "Zaouia")
        page.click(".select2-results__option:has-text('Fathi Zaouia')")
    page.click(f"{item} button[value=accept]")
    page.wait_for_selector(".messagelist .success")

    claim = Claim.objects.get(article=article)
    start = article.body.index(QUOTE)
    assert (claim.text, claim.span_start, claim.span_end) == (QUOTE, start, start + len(QUOTE))
    assert claim.speaker == scene["actor"]
    assert page.locator(item).count() == 0  # decided: off the list
    assert page.inner_text("#desk-review-body .desk-accepted") == QUOTE
    page.screenshot(path=output_dir / "suggestion_accepted.png", full_page=True)

    page.goto(admin_url(server_url, f"desk/claim/{claim.pk}/change/"))
    assert page.inner_text("#desk-article-body mark") == QUOTE
    assert "Fathi Zaouia" in page.inner_text(".field-speaker")
    page.screenshot(path=output_dir / "suggested_claim.png", full_page=True)
    assert csp_violations == []
