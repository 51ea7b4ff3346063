"""Writing through the API with a key: preconditions, retries, errors, history."""

from io import StringIO

import pytest
from django.core.management import call_command
from procrastinate.contrib.django.models import ProcrastinateJob

from libya.desk.models import Actor, Alias, Article, Claim
from tests.factories import ActorFactory, ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


def key_for(username: str, *, editor: bool) -> str:
    UserFactory(username=username, editor=editor)
    out = StringIO()
    call_command(
        "apikey", "create", "--user", username, "--name", "t", stdout=out, stderr=StringIO()
    )
    return out.getvalue().split()[-1]


@pytest.fixture
def editor_key() -> str:
    return key_for("api-editor", editor=True)


@pytest.fixture
def writer(api_client, editor_key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {editor_key}")
    return api_client


def actor_user_pk(username: str) -> int:
    return UserFactory._meta.model.objects.get(username=username).pk


ACTOR = {"name": "Ghassan Salamé", "kind": "person", "country": "LB"}


def test_round_trip_post_patch_delete(writer):
    created = writer.post("/api/v1/actors/", ACTOR, format="json")
    assert created.status_code == 201, created.json()
    slug = created.json()["slug"]
    assert slug == "ghassan-salame"
    assert created["Location"].endswith(f"/api/v1/actors/{slug}/")
    first_tag = created["ETag"]
    assert first_tag.startswith('"1.')

    read = writer.get(f"/api/v1/actors/{slug}/")
    assert read.status_code == 200
    assert read["ETag"] == first_tag

    url = f"/api/v1/actors/{slug}/"
    change = {"description": "Envoyé spécial de l'ONU"}
    missing = writer.patch(url, change, format="json")
    assert missing.status_code == 428
    assert "If-Match" in missing.json()["detail"]

    stale = writer.patch(url, change, format="json", HTTP_IF_MATCH='"7.0"')
    assert stale.status_code == 412
    assert Actor.objects.get(slug=slug).description == ""

    patched = writer.patch(url, change, format="json", HTTP_IF_MATCH=first_tag)
    assert patched.status_code == 200, patched.json()
    assert patched.json()["description"] == "Envoyé spécial de l'ONU"
    assert patched.json()["version"] == 2
    second_tag = patched["ETag"]
    assert second_tag.startswith('"2.')

    again = writer.delete(url, HTTP_IF_MATCH=first_tag)
    assert again.status_code == 412
    deleted = writer.delete(url, HTTP_IF_MATCH=second_tag)
    assert deleted.status_code == 204
    assert not Actor.objects.filter(slug=slug).exists()


def test_anonymous_writes_are_refused_with_401(api_client):
    response = api_client.post("/api/v1/actors/", ACTOR, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert not Actor.objects.filter(name=ACTOR["name"]).exists()


def test_a_key_of_a_non_editor_reads_but_cannot_write(api_client):
    key = key_for("reader", editor=False)
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert api_client.get("/api/v1/actors/").status_code == 200
    response = api_client.post("/api/v1/actors/", ACTOR, format="json")
    assert response.status_code == 403
    assert response.json()["status"] == 403


def test_a_retried_post_with_the_same_idempotency_key_creates_one_row(writer):
    first = writer.post("/api/v1/actors/", ACTOR, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    retry = writer.post("/api/v1/actors/", ACTOR, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == retry.status_code == 201
    assert first.json() == retry.json()
    assert first["ETag"] == retry["ETag"]
    assert Actor.objects.filter(name=ACTOR["name"]).count() == 1


def test_an_idempotency_key_reused_for_another_body_is_refused(writer):
    writer.post("/api/v1/actors/", ACTOR, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = {**ACTOR, "name": "Stephanie Williams"}
    response = writer.post("/api/v1/actors/", other, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]
    assert not Actor.objects.filter(name="Stephanie Williams").exists()


def test_errors_name_the_field(writer):
    response = writer.post("/api/v1/actors/", {"name": "X", "kind": "wizard"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"kind"}


def test_a_text_longer_than_its_maximum_as_sent_is_a_400_though_trimmed_it_fits(writer):
    # "language" holds 8 characters; a vertical tab in front makes 9, as the schema counts.
    payload = {"title": "Trêve", "body": "Une trêve.", "language": "\u000bfrancais"}

    response = writer.post("/api/v1/articles/", payload, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"language"}
    assert not Article.objects.filter(title="Trêve", body="Une trêve.").exists()


@pytest.mark.parametrize("body_format", ["multipart", "form"])
def test_writes_are_json_only_and_a_form_body_is_a_415(writer, body_format):
    """A form cannot tell "" from null: the long fuzz run had an empty owner accepted."""
    data = {**ACTOR, "owner": ""}
    if body_format == "form":
        response = writer.post(
            "/api/v1/actors/",
            "name=X&kind=person&owner=",
            content_type="application/x-www-form-urlencoded",
        )
    else:
        response = writer.post("/api/v1/actors/", data, format="multipart")
    assert response.status_code == 415
    assert "detail" in response.json()
    assert not Actor.objects.filter(name__in=["X", ACTOR["name"]]).exists()


def test_every_write_is_in_history_with_the_keys_user(writer):
    created = writer.post("/api/v1/actors/", ACTOR, format="json")
    assert created.status_code == 201
    actor = Actor.objects.get(slug=created.json()["slug"])
    event = actor.history.select_related("pgh_context").get()
    assert event.pgh_context.metadata["user"] == actor_user_pk("api-editor")


def test_claim_by_quote_is_located_in_the_body(writer):
    article = ArticleFactory(body="Le ministre a dit : « Nous restons. » Puis il est parti.")
    speaker = ActorFactory()
    payload = {
        "article": article.slug,
        "speaker": speaker.slug,
        "kind": "direct_quote",
        "quote": "Nous restons.",
    }
    response = writer.post("/api/v1/claims/", payload, format="json")
    assert response.status_code == 201, response.json()
    claim = Claim.objects.get(pk=response.json()["id"])
    assert article.body[claim.span_start : claim.span_end] == "Nous restons."
    assert claim.prefix.endswith("« ")


@pytest.mark.parametrize(
    ("quote", "problem"),
    [("absent", "nowhere"), ("e", "times in")],
)
def test_claim_quote_absent_or_ambiguous_is_a_400_naming_quote(writer, quote, problem):
    article = ArticleFactory(body="Le ministre a dit : « Nous restons. »")
    payload = {"article": article.slug, "kind": "direct_quote", "quote": quote}
    response = writer.post("/api/v1/claims/", payload, format="json")
    assert response.status_code == 400
    assert problem in response.json()["errors"]["quote"][0]
    assert not Claim.objects.filter(article=article).exists()


def test_claim_span_outside_the_body_is_a_400(writer):
    article = ArticleFactory(body="Court.")
    payload = {"article": article.slug, "kind": "direct_quote", "span_start": 2, "span_end": 99}
    response = writer.post("/api/v1/claims/", payload, format="json")
    assert response.status_code == 400
    assert "span_end" in response.json()["errors"]


def test_article_created_through_the_api_links_mentions_and_queues_suggestions(writer):
    actor = Actor.objects.get(slug="khalifa-haftar")
    payload = {
        "title": "Haftar à Moscou",
        "body": "Khalifa Haftar est arrivé à Moscou lundi.",
        "published_on": "2020-01-13",
        "published_precision": "day",
    }
    response = writer.post("/api/v1/articles/", payload, format="json")
    assert response.status_code == 201, response.json()
    article = Article.objects.get(slug=response.json()["slug"])
    assert actor in article.mentioned_actors.all()
    jobs = ProcrastinateJob.objects.filter(task_name="desk.enrich_article", status="todo")
    assert [job.args for job in jobs.filter(args__article_id=article.pk)] == [
        {"article_id": article.pk}
    ]


def test_alias_round_trip_with_if_match(writer):
    created = writer.post(
        "/api/v1/aliases/",
        {"actor": "khalifa-haftar", "name": "Khalifa Hiftar", "language": "fr"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    url = f"/api/v1/aliases/{created.json()['id']}/"
    assert writer.patch(url, {"name": "K. Hiftar"}, format="json").status_code == 428
    patched = writer.patch(url, {"name": "K. Hiftar"}, format="json", HTTP_IF_MATCH=created["ETag"])
    assert patched.status_code == 200
    assert Alias.objects.get(pk=created.json()["id"]).name == "K. Hiftar"
    assert writer.delete(url, HTTP_IF_MATCH=created["ETag"]).status_code == 412
    assert writer.delete(url, HTTP_IF_MATCH=patched["ETag"]).status_code == 204


def test_deleting_an_actor_others_refer_to_is_a_409(writer):
    read = writer.get("/api/v1/actors/khalifa-haftar/")
    response = writer.delete("/api/v1/actors/khalifa-haftar/", HTTP_IF_MATCH=read["ETag"])
    assert response.status_code == 409
    assert "refer to this one" in response.json()["detail"]
    assert Actor.objects.filter(slug="khalifa-haftar").exists()
