"""Behaviour shared by the desk's ModelAdmins: history pages and refusal of lost updates."""

import functools
from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from libya.desk.forms import VersionedChangelistForm, VersionedModelForm, stale_message
from libya.desk.history import history_entries
from libya.desk.models.common import estimated_rows, french_query

# Name of the hidden "pk:version" inputs that travel with the action checkboxes.
VERSION_FIELD = "_version"


class EstimatedCountPaginator(Paginator):
    """Counts exactly up to ``exact_limit`` rows; beyond, pages by the planner's estimate.

    An exact ``COUNT(*)`` of a million claims reads them all on every changelist
    page; an estimate costs a plan. Past the real last page the admin shows its
    usual "invalid page" notice.
    """

    exact_limit = 10_000

    @cached_property
    def count(self) -> int:
        estimate = estimated_rows(self.object_list)
        return estimate if estimate > self.exact_limit else self.object_list.order_by().count()


class HistoryAdmin(admin.ModelAdmin):
    """The "History" button shows the trigger-written history, diffed version by version."""

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change history: %s") % obj,
            "object": obj,
            "opts": self.opts,
            "entries": list(reversed(history_entries(obj))),
            "module_name": capfirst(self.opts.verbose_name_plural),
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/desk/object_history.html", context)


class CuratedAdmin(HistoryAdmin):
    """Admin of a model with a ``version`` column: change forms, list_editable rows and
    actions all refuse to write over a change made since the editor's page was loaded."""

    form = VersionedModelForm

    def get_changelist_form(self, request: HttpRequest, **kwargs) -> type:
        kwargs.setdefault("form", VersionedChangelistForm)
        return super().get_changelist_form(request, **kwargs)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        # Row locks taken while validating list_editable rows must last until they are saved.
        with transaction.atomic(using=self.model._default_manager.db):
            return super().changelist_view(request, extra_context)

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            func, name, description = actions["delete_selected"]
            actions["delete_selected"] = (versioned(func), name, description)
        return actions

    def action_checkbox(self, obj) -> str:
        return format_html(
            '{}<input type="hidden" name="{}" value="{}:{}">',
            super().action_checkbox(obj),
            VERSION_FIELD,
            obj.pk,
            obj.version,
        )

    def stale_messages(self, request: HttpRequest, queryset: QuerySet) -> list[str]:
        """Lock the selected rows; describe those changed since the list was displayed."""
        seen = seen_versions(request)
        rows = self.model._default_manager.select_for_update().filter(
            pk__in=list(queryset.values_list("pk", flat=True))
        )
        return [
            str(stale_message(obj, seen[obj.pk], obj.version))
            for obj in rows
            if obj.pk in seen and seen[obj.pk] != obj.version
        ]


def seen_versions(request: HttpRequest) -> dict[int, int]:
    """The ``pk:version`` pairs that the changelist (or a confirmation page) displayed."""
    pairs = (value.partition(":") for value in request.POST.getlist(VERSION_FIELD))
    return {
        int(pk): int(version) for pk, _sep, version in pairs if pk.isdigit() and version.isdigit()
    }


def versioned(action: Callable) -> Callable:
    """Run an admin action only if none of the selected rows changed since they were shown."""

    @functools.wraps(action)
    def run(modeladmin: CuratedAdmin, request: HttpRequest, queryset: QuerySet):
        stale = modeladmin.stale_messages(request, queryset)
        for message in stale:
            modeladmin.message_user(request, message, messages.ERROR)
        if not stale:
            return action(modeladmin, request, queryset)
        return None

    return run


def linked_to_actor_q(term: str, join: type[Model], column: str) -> Q:
    """Rows that `join` (a table with an ``actor`` column) links to an actor matching `term`
    the way actor search does: any alias, accents and small misspellings aside."""
    from libya.desk.models import Actor

    matches = Actor.objects.search(term).values("pk")
    return Q(pk__in=join.objects.filter(actor__in=matches).values(column))


class FullTextSearchMixin:
    """Admin search over `search_fields`, the model's French full-text `search_vector`, and
    the actors linked through `search_actor_join` (join model, column naming this row)."""

    search_actor_join: tuple[type[Model], str] | None = None

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        by_field, distinct = super().get_search_results(request, queryset, search_term)
        if not search_term.strip():
            return by_field, distinct
        found = Q(pk__in=by_field.values("pk")) | Q(search_vector=french_query(search_term))
        if self.search_actor_join is not None:
            found |= linked_to_actor_q(search_term, *self.search_actor_join)
        return queryset.filter(found), distinct


def titled(filter_class: type, title: str) -> type:
    """A field's list filter under a translated title, for fields of libraries that name
    them in English only (procrastinate's jobs, the API key library)."""

    def __init__(self, *args, **kwargs):
        filter_class.__init__(self, *args, **kwargs)
        self.title = title

    return type(f"Titled{filter_class.__name__}", (filter_class,), {"__init__": __init__})
