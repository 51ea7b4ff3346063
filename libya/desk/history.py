"""Reading the history that database triggers (django-pghistory) write for every curated row.

Each history row is a full snapshot of the tracked row after an insert or update (or
before a delete), with the request's user in its pghistory context, so a diff between
two versions is a comparison of two snapshots. Management commands label their rows
with ``command_context``.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

import pghistory
import pghistory.runtime
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.utils.translation import gettext_lazy as _

# Stamps that change on every write: noise in a diff.
UNDIFFED = {"created_at", "updated_at", "version", "search_vector"}
# What pghistory's event labels mean to an editor.
LABELS = {
    "insert": _("created"),
    "update": _("changed"),
    "delete": _("deleted"),
    "merge": _("merge"),
}
# The outermost management command running in this thread or task, if any.
_command: ContextVar[str | None] = ContextVar("desk_history_command", default=None)


@contextmanager
def command_context(command: str, user: AbstractBaseUser | None = None) -> Iterator[None]:
    """Label the history rows written inside with a command's name and the user it acts for.

    Web requests get their context (user, URL) from pghistory's middleware; without
    this, rows written by ``manage.py`` would carry none. A command run by another
    (seed runs load_corpus) keeps the outer command's label.
    """
    if _command.get() is not None:
        yield
        return
    token = _command.set(command)
    # No "user" key without a user: inside a web request, the request's user stays.
    metadata = {"command": command} | ({"user": user.pk} if user is not None else {})
    try:
        with pghistory.context(**metadata):
            yield
    finally:
        _command.reset(token)


def current_metadata() -> dict | None:
    """The metadata of the history context this thread is in, or None outside one.

    pghistory keeps its context per thread (and wraps only that thread's connection)
    and has no public accessor for it: a thread that writes on this one's behalf
    enters a context of its own with the same metadata (``thread_context``).
    """
    tracked = getattr(pghistory.runtime._tracker, "value", None)
    return dict(tracked.metadata) if tracked is not None else None


@contextmanager
def thread_context(metadata: dict | None) -> Iterator[None]:
    """Label this thread's history rows with another thread's context metadata."""
    if metadata is None:
        yield
        return
    with pghistory.context(**metadata):
        yield


@dataclass
class Change:
    """One field's value before and after."""

    field: str
    before: str
    after: str


@dataclass
class Entry:
    """One history row: what happened, when, by whom, and what it changed."""

    label: str
    at: datetime
    user: str
    version: int | None
    changes: list[Change] = field(default_factory=list)


def history_entries(obj: models.Model) -> list[Entry]:
    """Every recorded change of `obj`, oldest first, each diffed against the one before;
    with the additions and removals of its many-to-many links that keep a history."""
    rows = list(obj.history.select_related("pgh_context").order_by("pgh_id"))
    links = _link_rows(obj)
    users = _usernames(rows + [link.row for link in links])
    entries, previous, model = [], None, type(obj)
    for row in rows:
        entries.append(
            Entry(
                label=LABELS.get(row.pgh_label, row.pgh_label),
                at=row.pgh_created_at,
                user=users.get(_user_id(row), ""),
                version=getattr(row, "version", None),
                changes=_merged(row) if row.pgh_label == "merge" else diff(model, previous, row),
            )
        )
        previous = row
    entries += [_link_entry(link, users) for link in links]
    return sorted(entries, key=lambda entry: entry.at)


# Many-to-many links whose rows keep a history: model, history model, column naming the
# model's row, the linked row's field, and the model's field the link stands for.
LINK_HISTORIES = {"desk.claim": ("desk.ClaimSubjectHistory", "claim_id", "actor", "subjects")}


@dataclass
class LinkEvent:
    row: models.Model
    field: str  # verbose name of the model's many-to-many field
    linked: str  # the history row's field naming the linked record


def _link_rows(obj: models.Model) -> list[LinkEvent]:
    spec = LINK_HISTORIES.get(obj._meta.label_lower)
    if spec is None:
        return []
    history, column, linked, name = spec
    events = apps.get_model(history).objects.filter(**{column: obj.pk})
    label = str(obj._meta.get_field(name).verbose_name)
    rows = events.select_related("pgh_context", linked).order_by("pgh_id")
    return [LinkEvent(row, label, linked) for row in rows]


def _link_entry(link: LinkEvent, users: dict) -> Entry:
    target = getattr(link.row, link.linked, None)
    name = str(target) if target is not None else "—"
    added = link.row.pgh_label.endswith("added")
    return Entry(
        label=LABELS["update"],
        at=link.row.pgh_created_at,
        user=users.get(_user_id(link.row), ""),
        version=None,
        changes=[Change(link.field, "—" if added else name, name if added else "—")],
    )


def changes_since(obj: models.Model, version: int) -> tuple[list[Change], list[str]]:
    """Field changes from the snapshot at `version` to the latest one, and who made them."""
    rows = list(
        obj.history.select_related("pgh_context").filter(version__gte=version).order_by("pgh_id")
    )
    seen = next((row for row in rows if row.version == version), None)
    later = [row for row in rows if row.version > version]
    if seen is None or not later:
        return [], []
    users = _usernames(later)
    names = sorted({users[uid] for uid in map(_user_id, later) if uid in users})
    return diff(type(obj), seen, later[-1]), names


def diff(model: type[models.Model], before, after) -> list[Change]:
    """Fields whose values differ between two snapshots (all set fields when `before` is None)."""
    changes = []
    for hist_field in _diffed_fields(type(after)):
        old = getattr(before, hist_field.attname) if before is not None else None
        new = getattr(after, hist_field.attname)
        if old != new and not (before is None and new in (None, "")):
            label = str(model._meta.get_field(hist_field.name).verbose_name)
            changes.append(Change(label, _display(hist_field, old), _display(hist_field, new)))
    return changes


def _diffed_fields(event_model: type[models.Model]) -> list[models.Field]:
    return [
        f
        for f in event_model._meta.concrete_fields
        if not f.name.startswith("pgh_") and f.name not in UNDIFFED and f.name != "id"
    ]


def _display(hist_field: models.Field, value) -> str:
    if value is None or value == "":
        return "—"
    if hist_field.is_relation:
        target = hist_field.related_model._default_manager.filter(pk=value).first()
        return str(target) if target is not None else f"#{value}"
    if hist_field.choices:
        return str(dict(hist_field.flatchoices).get(value, value))
    return str(value)


def _merged(row) -> list[Change]:
    """The actors merged into this one (recorded in the event's context by actor_merge)."""
    names = row.pgh_context.metadata.get("merged", []) if row.pgh_context else []
    return [Change(str(_("merged actors")), "—", ", ".join(names))]


def _user_id(row) -> int | None:
    context = row.pgh_context
    return context.metadata.get("user") if context is not None else None


def _usernames(rows) -> dict[int, str]:
    ids = {uid for uid in map(_user_id, rows) if uid is not None}
    users = get_user_model()._default_manager.filter(pk__in=ids)
    return {user.pk: user.get_username() for user in users}
