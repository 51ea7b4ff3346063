"""Audit completeness: every way a curated row gets written leaves a history row, and that
row's context names the acting user wherever there is one (N of N write paths).

Each write path below sets up what it needs, calls ``run.begin()``, then writes. Every
row of a tracked model that the write inserted, changed or deleted must then have a
history row written since ``begin()``, whose pghistory context carries the user (and
the command or URL) that wrote it.
"""

import io
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, models
from django.db.models import Max
from django.test import Client
from django.urls import reverse

from libya.desk.models import Actor, Alias, Claim
from tests.admin.conftest import form_data  # noqa: F401  (a fixture, used by name)
from tests.factories import AliasFactory, ClaimFactory, UserFactory
from tests.scoreboard import record

WRITE_PATHS: dict[str, tuple[Callable[["Run"], None], bool]] = {}


def write_path(name: str, *, user: bool = True):
    """Register a write path; `user` says whether it acts for a known user."""

    def register(func: Callable[["Run"], None]):
        WRITE_PATHS[name] = (func, user)
        return func

    return register


def admin_url(model: type[models.Model], view: str, *args) -> str:
    return reverse(f"admin:desk_{model._meta.model_name}_{view}", args=args)


def changelist_form(run: "Run", query: str) -> dict:
    page = run.client.get(admin_url(Actor, "changelist"), {"q": query})
    return run.form_data(page, "changelist-form")


@write_path("admin add form")
def admin_add(run: "Run") -> None:
    data = run.form_data(run.client.get(admin_url(Actor, "add")), "actor_form")
    data.update({"name": ["Audit Ajouté"], "slug": ["audit-ajoute"], "kind": ["person"]})
    run.begin()
    assert run.client.post(admin_url(Actor, "add"), data).status_code == HTTPStatus.FOUND


@write_path("admin change form")
def admin_change(run: "Run") -> None:
    actor = AliasFactory(actor__name="Audit Modifié").actor
    url = admin_url(Actor, "change", actor.pk)
    data = run.form_data(run.client.get(url), "actor_form")
    data["description"] = ["Décrit par un éditeur"]
    run.begin()
    assert run.client.post(url, data).status_code == HTTPStatus.FOUND


@write_path("admin delete")
def admin_delete(run: "Run") -> None:
    actor = AliasFactory(actor__name="Audit Supprimé").actor
    run.begin()
    response = run.client.post(admin_url(Actor, "delete", actor.pk), {"post": "yes"})
    assert response.status_code == HTTPStatus.FOUND


@write_path("admin action: claim review")
def admin_action(run: "Run") -> None:
    claim = ClaimFactory()
    run.begin()
    run.client.post(
        admin_url(Claim, "changelist"), {"action": "mark_verified", "_selected_action": [claim.pk]}
    )


@write_path("admin list_editable save")
def admin_list_editable(run: "Run") -> None:
    actor = AliasFactory(actor__name="Audit Listé").actor
    data = changelist_form(run, "Audit Listé")
    prefix = next(k[:-3] for k, v in data.items() if k.endswith("-id") and v == [str(actor.pk)])
    data.update({f"{prefix}-country": ["TN"], "_save": ["Save"]})
    run.begin()
    response = run.client.post(admin_url(Actor, "changelist") + "?q=Audit+Listé", data)
    assert response.status_code == HTTPStatus.FOUND


@write_path("admin inline: alias")
def admin_inline(run: "Run") -> None:
    actor = AliasFactory(actor__name="Audit Alias").actor
    url = admin_url(Actor, "change", actor.pk)
    data = run.form_data(run.client.get(url), "actor_form")
    extra = data["aliases-INITIAL_FORMS"][0]  # the first empty inline row
    data.update({f"aliases-{extra}-name": ["Odit Alias"], f"aliases-{extra}-language": ["en"]})
    run.begin()
    assert run.client.post(url, data).status_code == HTTPStatus.FOUND
    assert Alias.objects.filter(actor=actor, name="Odit Alias").exists()


@write_path("admin merge: actor_merge")
def admin_merge(run: "Run") -> None:
    keep = AliasFactory(actor__name="Audit Fusion").actor
    dup = AliasFactory(actor__name="Audit Fusionné").actor
    ClaimFactory(speaker=dup)
    url = admin_url(Actor, "changelist")
    data = changelist_form(run, "Audit Fusion")
    data.update({"action": ["merge_actors"], "_selected_action": [str(keep.pk), str(dup.pk)]})
    answer = run.form_data(run.client.post(url, data), "merge-form")
    answer["keep"] = [str(keep.pk)]
    run.begin()
    run.client.post(url, answer)
    assert not Actor.objects.filter(pk=dup.pk).exists()


@write_path("command: seed --reload --user (bulk update)")
def command_seed(run: "Run") -> None:
    run.begin()
    call_command("seed", reload=True, user=run.editor.username, stdout=io.StringIO())


@write_path("command: import_sources --user (re-import)")
def command_import(run: "Run") -> None:
    sources = shutil.copytree(settings.SOURCES_DIR, run.tmp_path / "sources")
    document = next(Path(sources).glob("003_*.txt"))
    document.write_text(document.read_text() + "\nUn paragraphe ajouté par un éditeur.\n")
    run.begin()
    call_command(
        "import_sources",
        document.name,
        sources=sources,
        user=run.editor.username,
        stdout=io.StringIO(),
    )


@write_path("fixture: manage.py load_corpus", user=False)
def fixture_load(run: "Run") -> None:
    fixture = run.tmp_path / "extra.json"
    row = {"slug": "audit-charge", "name": "Audit Chargé", "kind": "person"}
    row |= {"created_at": "2020-01-01T00:00:00Z", "updated_at": "2020-01-01T00:00:00Z"}
    fixture.write_text(json.dumps([{"model": "desk.actor", "fields": row}]))
    run.begin()
    call_command("load_corpus", fixture, verbosity=0)


def tracked_models() -> list[type[models.Model]]:
    """The desk models whose rows have history (a ``history`` reverse relation)."""
    return [
        model
        for model in apps.get_app_config("desk").get_models()
        if any(rel.name == "history" for rel in model._meta.related_objects)
    ]


def history_model(model: type[models.Model]) -> type[models.Model]:
    return model._meta.get_field("history").related_model


def table_rows(model: type[models.Model]) -> dict[int, tuple]:
    columns = [f.attname for f in model._meta.concrete_fields]
    return {row[0]: row for row in model._base_manager.values_list("pk", *columns)}


def forget_context() -> None:
    # Every path runs in the test's one transaction, where pghistory's transaction-local
    # context of the last request would otherwise stay set and be credited to the next.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pghistory.context_id', '', true), "
            "set_config('pghistory.context_metadata', '', true)"
        )


@dataclass
class Outcome:
    """What one write path changed, and what history says about it."""

    path: str
    expects_user: bool
    changed: int = 0
    with_history: int = 0
    users: set = field(default_factory=set)
    labels: set = field(default_factory=set)

    def has_history(self) -> bool:
        return self.changed > 0 and self.with_history == self.changed


@dataclass
class Run:
    """One write path's run: the editor's browser, and the state before its write."""

    client: Client
    editor: object
    form_data: Callable
    tmp_path: Path
    marks: dict = field(default_factory=dict)
    before: dict = field(default_factory=dict)

    def begin(self) -> None:
        """Remember the rows and the last history row of every tracked model."""
        forget_context()
        for model in tracked_models():
            last = history_model(model).objects.aggregate(last=Max("pgh_id"))["last"]
            self.marks[model], self.before[model] = last or 0, table_rows(model)

    def observe(self, outcome: Outcome) -> Outcome:
        """Every row changed since begin() against the history rows written since."""
        for model, before in self.before.items():
            after = table_rows(model)
            changed = {pk for pk in before.keys() | after.keys() if before.get(pk) != after.get(pk)}
            events = history_model(model).objects.filter(
                pgh_id__gt=self.marks[model], pgh_obj_id__in=changed
            )
            outcome.changed += len(changed)
            outcome.with_history += len({event.pgh_obj_id for event in events})
            for event in events.select_related("pgh_context"):
                metadata = event.pgh_context.metadata if event.pgh_context else {}
                outcome.users.add(metadata.get("user"))
                outcome.labels.add(metadata.get("command") or metadata.get("url"))
        return outcome


def print_table(outcomes: list[Outcome], editor_pk: int) -> None:
    print(f"\n{'write path':46} {'rows':>5} {'history':>7}  {'user':8} context")
    for o in outcomes:
        user = {editor_pk: "editor", None: "none"}.get(*o.users) if len(o.users) == 1 else o.users
        labels = ", ".join(sorted(map(str, o.labels)))
        print(f"{o.path:46} {o.changed:>5} {o.with_history:>7}  {user!s:8} {labels[:50]}")


@pytest.mark.reliability
@pytest.mark.django_db
def test_every_write_path_leaves_history_with_the_acting_user(client, form_data, tmp_path):  # noqa: F811
    editor = UserFactory(username="audit-editor", editor=True)
    client.force_login(editor)

    outcomes = []
    for name, (write, expects_user) in WRITE_PATHS.items():
        run = Run(client, editor, form_data, tmp_path / str(len(outcomes)))
        run.tmp_path.mkdir()
        write(run)
        outcomes.append(run.observe(Outcome(name, expects_user)))
    print_table(outcomes, editor.pk)

    with_history = [o.path for o in outcomes if o.has_history()]
    expecting = [o for o in outcomes if o.expects_user]
    with_user = [o.path for o in expecting if o.users == {editor.pk}]
    missing = [o.path for o in outcomes if o.path not in with_history]
    missing += [o.path for o in expecting if o.path not in with_user]
    assert missing == []
    assert len(with_history) == len(WRITE_PATHS) >= 10
    # Commands write their name into the context: a row written by manage.py is
    # told apart from one written by a web request.
    commands = [o for o in outcomes if o.path.startswith(("command", "fixture"))]
    assert all(o.labels and None not in o.labels for o in commands)

    record(
        "audit",
        paths=len(outcomes),
        with_history=len(with_history),
        with_user=len(with_user),
        users_expected=len(expecting),
        missing=missing,
        path_names=[o.path for o in outcomes],
        rows_changed=sum(o.changed for o in outcomes),
    )
