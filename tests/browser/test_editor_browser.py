"""An editor, in a real browser: logs in, finds an actor misspelled, attributes a claim."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from libya.desk.models import Actor, Alias, Article, Claim, Deletion

USERNAME = "browser-editor"
PASSWORD = "browser test password 2020"
ACTOR_SLUG = "test-khalifa-zentani"
ARTICLE_SLUG = "test-zentani-quitte-moscou"
QUOTE = "Nous ne signerons rien sous la pression"
BODY = (
    "Le chef militaire Khalifa Zentani a quitté Moscou sans signer l'accord. "
    f"« {QUOTE} », a-t-il déclaré à la presse locale. "
    "Les pourparlers doivent reprendre à Berlin la semaine prochaine."
)


@pytest.fixture
def scene(committed_db):
    """An editor, an actor known by one spelling, and an article quoting him (committed)."""
    remove_scene()  # leftovers of an interrupted run
    user = get_user_model().objects.create_user(USERNAME, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    actor = Actor.objects.create(name="Khalifa Zentani", slug=ACTOR_SLUG, kind="person")
    Alias.objects.create(actor=actor, name="Khalifa Zentani")
    Alias.objects.create(actor=actor, name="Zentani")
    article = Article.objects.create(
        title="Zentani quitte Moscou",
        slug=ARTICLE_SLUG,
        body=BODY,
        source="test_browser_zentani.txt",
        content_hash="0" * 64,
        published_on="2020-01-14",
    )
    yield {"actor": actor, "article": article}
    remove_scene()


def remove_scene() -> None:
    Claim.objects.filter(article__slug=ARTICLE_SLUG).delete()
    Article.objects.filter(slug=ARTICLE_SLUG).delete()
    Actor.objects.filter(slug=ACTOR_SLUG).delete()
    get_user_model().objects.filter(username=USERNAME).delete()
    Deletion.objects.filter(key__in=[ACTOR_SLUG, ARTICLE_SLUG]).delete()


def admin_url(server_url: str, path: str = "") -> str:
    return f"{server_url}/{settings.ADMIN_PATH}{path}"


def log_in(page, server_url: str) -> None:
    page.goto(admin_url(server_url, "login/"))
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def select_in_body(page, text: str) -> None:
    """Drag the mouse over `text` in the article body, as an editor would."""
    page.wait_for_function(
        "t => document.getElementById('desk-article-body').textContent.includes(t)", arg=text
    )
    box = page.evaluate(
        """text => {
            const el = document.getElementById("desk-article-body");
            const node = el.firstChild, at = node.textContent.indexOf(text);
            const rect = (i) => {
                const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                return r.getBoundingClientRect();
            };
            const a = rect(at), b = rect(at + text.length - 1);
            const middle = (r) => r.top + r.height / 2;
            return {x1: a.left + 1, y1: middle(a), x2: b.right - 1, y2: middle(b)};
        }""",
        text,
    )
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()


def pick_autocomplete(page, field: str, term: str, label: str) -> None:
    page.click(f"#id_{field} + .select2-container")
    page.fill(".select2-container--open .select2-search__field", term)
    page.click(f".select2-results__option:has-text('{label}')")


@pytest.mark.browser
def test_editor_finds_actor_and_attributes_claim_by_selection(
    page, server_url, scene, output_dir, csp_violations
):
    article = scene["article"]
    log_in(page, server_url)

    page.goto(admin_url(server_url, "desk/actor/"))
    page.fill("#searchbar", "Zentany")  # misspelled
    page.press("#searchbar", "Enter")
    page.wait_for_selector("#result_list a:has-text('Khalifa Zentani')")

    page.goto(admin_url(server_url, f"desk/claim/add/?article={article.pk}"))
    select_in_body(page, QUOTE)
    start = BODY.index(QUOTE)
    assert page.input_value("#id_span_start") == str(start)
    assert page.input_value("#id_span_end") == str(start + len(QUOTE))
    assert page.input_value("#id_text") == QUOTE
    page.select_option("#id_kind", "direct_quote")
    pick_autocomplete(page, "speaker", "Zentany", "Khalifa Zentani")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")

    claim = Claim.objects.get(article=article)
    assert (claim.text, claim.span_start, claim.speaker) == (QUOTE, start, scene["actor"])
    assert page.inner_text("#desk-article-body mark") == QUOTE
    page.screenshot(path=output_dir / "claim_attributed.png", full_page=True)

    page.click("a.historylink")
    page.wait_for_selector(f"#change-history td:has-text('{USERNAME}')")
    page.screenshot(path=output_dir / "claim_history.png", full_page=True)
    assert csp_violations == []
