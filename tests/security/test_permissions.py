"""Who may do what: API operations and admin pages, for five roles and two claim states.

Roles: anonymous, staff outside the Editors group, read-only staff (view rights on
every desk model), editor, superuser; the claim
is published (verified) or retracted. Each test walks its whole matrix, then
fails once, listing every cell that differs from the policy, and prints how many
cells it checked.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from libya.desk.models import Claim, Deletion, DeskAPIKey
from tests.factories import (
    ActorFactory,
    AffiliationFactory,
    AliasFactory,
    ArticleFactory,
    ClaimFactory,
    ClaimLinkFactory,
    EventFactory,
    ParticipationFactory,
    SuggestionFactory,
    UserFactory,
)
from tests.scoreboard import record

ROLES = ["anonymous", "non-editor", "read-only", "editor", "superuser"]
STATES = [Claim.Status.VERIFIED, Claim.Status.RETRACTED]
WRITES = ["post", "put", "patch", "delete"]
ADMIN = f"/{settings.ADMIN_PATH}"


@dataclass
class Scene:
    """One claim in the given state, with everything that refers to it or that it refers to."""

    state: str
    claim: Claim
    objects: dict

    def claim_visible(self) -> bool:
        return self.state != Claim.Status.RETRACTED


def make_scene(state: str) -> Scene:
    speaker = ActorFactory()
    article = ArticleFactory()
    event = EventFactory(start_date=date(2020, 1, 14))
    claim = ClaimFactory(article=article, speaker=speaker, event=event, status=state)
    claim.subjects.add(ActorFactory())
    article.events.add(event)
    gone = ActorFactory()
    gone_slug = gone.slug
    gone.delete()
    objects = {
        "actor": speaker,
        "alias": AliasFactory(actor=speaker),
        "affiliation": AffiliationFactory(actor=speaker),
        "article": article,
        "event": event,
        "participation": ParticipationFactory(event=event, actor=speaker),
        "claim": claim,
        "claimlink": ClaimLinkFactory(claim=claim, other=ClaimFactory()),
        "deletion": Deletion.objects.get(key=gone_slug),
        "suggestion": SuggestionFactory(article=ArticleFactory()),
    }
    return Scene(state, claim, objects)


@pytest.fixture
def scenes(db) -> list[Scene]:
    return [make_scene(state) for state in STATES]


@pytest.fixture
def clients(db) -> dict[str, Client]:
    users = {
        "non-editor": UserFactory(username="matrix-outsider"),
        "read-only": reader(),
        "editor": UserFactory(username="matrix-editor", editor=True),
        "superuser": get_user_model().objects.create_superuser("matrix-root", "r@example.org"),
    }
    clients = {"anonymous": Client()}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
        clients[role].session_user = user
    return clients


def reader():
    """Staff allowed to view every desk model and to change none."""
    user = UserFactory(username="matrix-reader")
    views = Permission.objects.filter(content_type__app_label="desk", codename__startswith="view_")
    user.user_permissions.add(*views)
    return user


def report(capsys, surface: str, cells: int, mismatches: list[str], **figures) -> None:
    with capsys.disabled():
        print(f"\n{surface} permission matrix: {cells} cells, {len(mismatches)} mismatches")
    assert mismatches == [], "\n".join(mismatches)
    record(f"permissions-{surface.lower()}", cells=cells, mismatches=0, roles=ROLES, **figures)


# API: reads are public and the same for everyone.


def ids_in(key: str) -> Callable[[dict], set]:
    return lambda body: {str(item["id"]) for item in body[key]}


def timeline_claims(body: dict) -> set:
    return {item["key"] for item in body["results"] if item["type"] == "claim"}


def api_reads(scene: Scene) -> Iterator[tuple[str, int, Callable[[dict], set] | None, bool]]:
    """(URL, status, where the claim would appear, whether it should) for every read."""
    o, visible = scene.objects, scene.claim_visible()
    for url in ["/api/v1/", "/api/v1/schema/", "/api/v1/docs/", "/api/v1/redoc/"]:
        yield url, 200, None, False
    for resource in ["articles", "actors", "events", "deletions"]:
        yield f"/api/v1/{resource}/", 200, None, False
    yield f"/api/v1/articles/{o['article'].slug}/", 200, ids_in("claims"), visible
    yield f"/api/v1/actors/{o['actor'].slug}/", 200, None, False
    yield f"/api/v1/events/{o['event'].slug}/", 200, ids_in("claims"), visible
    yield f"/api/v1/actors/{o['actor'].slug}/timeline/", 200, timeline_claims, visible
    speaker = f"speaker={o['actor'].slug}"
    yield f"/api/v1/claims/?{speaker}", 200, ids_in("results"), visible
    yield f"/api/v1/claims/?{speaker}&status={scene.state}", 200, ids_in("results"), True
    # A retracted claim is found only when `status` asks for it, in the list as in detail.
    detail = f"/api/v1/claims/{scene.claim.pk}/"
    yield detail, 200 if visible else 404, None, False
    yield f"{detail}?status={scene.state}", 200, lambda body: {str(body["id"])}, True


def api_writes(scene: Scene) -> Iterator[tuple[str, str, bool]]:
    """(method, URL, whether the resource takes that method) for every write."""
    o = scene.objects
    details = [
        f"/api/v1/articles/{o['article'].slug}/",
        f"/api/v1/actors/{o['actor'].slug}/",
        f"/api/v1/events/{o['event'].slug}/",
        f"/api/v1/claims/{scene.claim.pk}/",
        f"/api/v1/aliases/{o['alias'].pk}/",
        f"/api/v1/participations/{o['participation'].pk}/",
        f"/api/v1/claim-links/{o['claimlink'].pk}/",
    ]
    resources = ["articles", "actors", "events", "claims", "aliases", "participations"]
    lists = [f"/api/v1/{r}/" for r in [*resources, "claim-links"]]
    for url in lists:
        for method in WRITES:
            yield method, url, method == "post"
    yield "post", "/api/v1/deletions/", False
    for url in details:
        for method in WRITES:
            yield method, url, method in {"patch", "delete"}


# Writes: a key acts for its user. Without a key: 401; a user outside the Editors group:
# 403; an editor reaches validation (an empty POST is 400, a change without If-Match
# 428). Methods a resource does not take are 405 for everyone. Sessions do not write.
WRITE_STATUS = {"anonymous": 401, "non-editor": 403, "read-only": 403}
REACHED = {"post": 400, "patch": 428, "delete": 428}


def expected_write_status(role: str, method: str, allowed: bool) -> int:
    if not allowed:
        return 405
    return WRITE_STATUS.get(role, REACHED[method])


@pytest.fixture
def key_clients(clients) -> dict[str, APIClient]:
    """An API client per role, with a key acting for that role's user (none for anonymous)."""
    keyed = {"anonymous": APIClient()}
    for role in ROLES[1:]:
        user = clients[role].session_user
        _, key = DeskAPIKey.objects.create_key(user=user, name=role)
        keyed[role] = APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return keyed


@pytest.mark.reliability
@pytest.mark.django_db
def test_api_writes_follow_the_keys_user(scenes, key_clients, capsys):
    cells, mismatches = 0, []
    for scene in scenes:
        for role in ROLES:
            client = key_clients[role]
            for method, url, allowed in api_writes(scene):
                cells += 1
                expected = expected_write_status(role, method, allowed)
                response = getattr(client, method)(url, {}, format="json")
                if response.status_code != expected or "detail" not in response.json():
                    status = response.status_code
                    where = f"{scene.state} {role} {method} {url}"
                    mismatches.append(f"{where}: {status} != {expected}")
    report(capsys, "API-writes", cells, mismatches, states=len(scenes))


# Admin: editors manage every desk model but the read-only deletion log; staff
# outside the Editors group see nothing; anonymous visitors are sent to log in.

PAGES = ["changelist", "add", "change", "delete"]
READ_ONLY = {"deletion"}
# Written by the extractor only and rejected rather than deleted: nobody adds or deletes.
MACHINE_MADE = {"suggestion"}


def expected_admin_status(role: str, model: str, page: str) -> int:
    if role == "anonymous":
        return 302
    if role == "non-editor":
        return 403
    if (model in READ_ONLY | MACHINE_MADE or role == "read-only") and page in {"add", "delete"}:
        return 403
    return 200


def admin_url(model: str, page: str, obj) -> str:
    base = f"{ADMIN}desk/{model}/"
    return {
        "changelist": base,
        "add": f"{base}add/",
        "change": f"{base}{obj.pk}/change/",
        "delete": f"{base}{obj.pk}/delete/",
    }[page]


@pytest.mark.reliability
@pytest.mark.django_db
def test_admin_pages_follow_the_editor_policy_for_every_role(scenes, clients, capsys):
    cells, mismatches = 0, []
    for scene in scenes:
        for role in ROLES:
            for model, obj in scene.objects.items():
                for page in PAGES:
                    cells += 1
                    url = admin_url(model, page, obj)
                    response = clients[role].get(url)
                    expected = expected_admin_status(role, model, page)
                    if response.status_code != expected:
                        mismatches.append(
                            f"{scene.state} {role} {url}: {response.status_code} != {expected}"
                        )
                    elif expected == 302 and "/login/" not in response["Location"]:
                        mismatches.append(f"{scene.state} {role} {url}: not sent to log in")
                for page in WRITE_PAGES:
                    cells += 1
                    url = admin_url(model, page, obj)
                    status, location = post_and_roll_back(clients[role], url)
                    problem = admin_write_mismatch(role, model, page, status, location)
                    if problem:
                        mismatches.append(f"{scene.state} {role} POST {url}: {problem}")

    report(capsys, "Admin", cells, mismatches, pages=PAGES, writes=WRITE_PAGES)


# Writes: an empty form posted to add and change (editors get the form back with
# its errors: allowed, nothing saved), and a confirmed delete (editors' deletions
# are rolled back, so that every role meets the same objects).
WRITE_PAGES = ["add", "change", "delete"]


def post_and_roll_back(client: Client, url: str) -> tuple[int, str]:
    with transaction.atomic():
        response = client.post(url, {"post": "yes"})
        transaction.set_rollback(True)
    return response.status_code, response.get("Location", "")


def admin_write_mismatch(role: str, model: str, page: str, status: int, location: str) -> str:
    """What is wrong with the answer to a POST, or "" when it follows the policy."""
    if role == "anonymous":
        return "" if status == 302 and "/login/" in location else f"{status}, not sent to log in"
    refused = (
        role in {"non-editor", "read-only"}
        or (model in READ_ONLY and page in {"add", "delete", "change"})
        or (model in MACHINE_MADE and page in {"add", "delete"})
    )
    if refused:
        return "" if status == 403 else f"{status} != 403"
    if status in {200, 302} and "/login/" not in location:
        return ""
    return f"{status}: an editor's write was refused"


# The suggestion review screen: editors look and decide; read-only staff only look.


def expected_review_status(role: str, method: str) -> int:
    if role == "anonymous":
        return 302
    if role == "non-editor" or (role == "read-only" and method == "post"):
        return 403
    return 200 if method == "get" else 302


@pytest.mark.reliability
@pytest.mark.django_db
def test_suggestion_review_follows_the_editor_policy_for_every_role(scenes, clients, capsys):
    cells, mismatches = 0, []
    for scene in scenes:
        suggestion = scene.objects["suggestion"]
        url = reverse("admin:desk_suggestion_review", args=[suggestion.article_id])
        decision = {"op": "reject", "suggestion": suggestion.pk, "version": suggestion.version}
        for role in ROLES:
            for method in ("get", "post"):
                cells += 1
                with transaction.atomic():
                    response = getattr(clients[role], method)(url, decision)
                    transaction.set_rollback(True)
                expected = expected_review_status(role, method)
                location = response.get("Location", "")
                if response.status_code != expected:
                    mismatches.append(
                        f"{role} {method} {url}: {response.status_code} != {expected}"
                    )
                elif expected == 302 and (role == "anonymous") != ("/login/" in location):
                    mismatches.append(f"{role} {method} {url}: redirected to {location}")

    report(capsys, "Review", cells, mismatches, states=len(scenes))
