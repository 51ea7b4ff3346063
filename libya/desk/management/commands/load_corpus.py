"""``manage.py load_corpus``: Django's ``loaddata``, stricter for the desk. Its rows are
validated before they are saved, and a row that cannot be loaded is named by its natural key.

Django saves fixture rows raw, so a claim whose text is not its article's span, or a
value outside a field's choices, would load without a word; and it names a failing
row by its pk, which a natural-key fixture does not have. Loading stays Django's: one
transaction, so the first error leaves the database as it was.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.core.management.base import CommandError
from django.core.management.commands import loaddata
from django.core.serializers.base import DeserializationError, DeserializedObject
from django.db import DatabaseError, models

from libya.desk.management.tracked import TrackedCommand

VALIDATED_APPS = {"desk"}


class InvalidObject(ValueError):
    """A fixture row that cannot be loaded; the message names it."""


class Command(TrackedCommand, loaddata.Command):
    help = f"{loaddata.Command.help} Desk rows are validated (full_clean) first."

    def handle(self, *fixture_labels, **options) -> None:
        try:
            super().handle(*fixture_labels, **options)
        except (DatabaseError, DeserializationError, ValueError) as exc:
            # The message names the fixture and the row; a traceback adds nothing.
            raise CommandError(str(exc)) from exc

    def save_obj(self, obj: DeserializedObject) -> bool:
        model = type(obj.object)
        if model is get_user_model() and obj.object.pk is not None:
            # A corpus names the accounts that reviewed its claims (corpus.REVIEWER_FIELDS);
            # an account that already exists is theirs to keep, password and all.
            return False
        checked = model._meta.app_label in VALIDATED_APPS and not self.excluded(model)
        if checked:
            validate(obj)
        try:
            saved = super().save_obj(obj)
        except (DatabaseError, ValueError) as exc:
            if not checked:
                raise
            raise InvalidObject(failure(obj, exc)) from exc
        if checked and obj.deferred_fields:
            # References not found yet are resolved after the last row; name it then too.
            self.objs_with_deferred_fields[-1] = NamedDeferred(obj)
        return saved

    def excluded(self, model: type[models.Model]) -> bool:
        return model._meta.app_config in self.excluded_apps or model in self.excluded_models


class NamedDeferred:
    """A row with references to resolve after the load, whose failure names the row."""

    def __init__(self, obj: DeserializedObject) -> None:
        self.obj = obj

    def save_deferred_fields(self, using: str | None = None) -> None:
        try:
            self.obj.save_deferred_fields(using=using)
        except (DatabaseError, DeserializationError) as exc:
            raise InvalidObject(f"Could not load {describe(self.obj.object)}: {exc}") from exc


def validate(obj: DeserializedObject) -> None:
    """full_clean the row, leaving out references filled after the load."""
    instance = obj.object
    adding = instance._state.adding
    # A row found by its natural key already exists: its uniqueness is checked
    # against the other rows, not against itself.
    instance._state.adding = instance.pk is None
    try:
        instance.full_clean(exclude=[field.name for field in obj.deferred_fields or ()])
    except ValidationError as exc:
        raise InvalidObject(f"Could not load {describe(instance)}: {reasons(exc)}") from exc
    finally:
        instance._state.adding = adding


def failure(obj: DeserializedObject, exc: Exception) -> str:
    """Django's message for a row the database refused, naming the row by natural key."""
    instance = obj.object
    message = str(exc).removeprefix(f"Could not load {instance._meta.label}(pk={instance.pk}): ")
    unresolved = ", ".join(f"{f.name}={v!r}" for f, v in (obj.deferred_fields or {}).items())
    hint = f" (not found: {unresolved})" if unresolved else ""
    return f"Could not load {describe(instance)}{hint}: {message}"


def describe(instance: models.Model) -> str:
    """``desk.Claim ('004_a384fbf8722dd6bc.txt', 2423, 2436)``: model and natural key (or pk)."""
    try:
        key = repr(instance.natural_key())
    except (AttributeError, ObjectDoesNotExist, DatabaseError):
        # After a refused write the transaction reads nothing; references it has
        # already fetched still serve.
        key = f"(pk={instance.pk})"
    return f"{instance._meta.label} {key}"


def reasons(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return "; ".join(error.messages)
    return "; ".join(
        message if name == NON_FIELD_ERRORS else f"{name}: {message}"
        for name, messages in error.message_dict.items()
        for message in messages
    )
