"""Actors, their aliases and affiliations; searching by any spelling; merging duplicates."""

from django.contrib import admin, messages
from django.contrib.admin.views.main import ORDER_VAR
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path as url_path
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from libya.desk.admin.base import VERSION_FIELD, CuratedAdmin, HistoryAdmin, versioned
from libya.desk.admin.dossier import dossier_view
from libya.desk.forms import MergeForm
from libya.desk.models import Actor, Affiliation, Alias
from libya.desk.services import actor_merge, actor_merge_preview


def actor_search_q(term: str, *paths: str) -> Q:
    """Rows whose actor at any of `paths` matches `term` the way actor search does."""
    matches = Actor.objects.search(term).values("pk")
    q = Q()
    for path in paths:
        q |= Q(**{f"{path}__in": matches})
    return q


class AliasInline(admin.TabularInline):
    model = Alias
    fields = ["name", "language"]
    extra = 1


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    fk_name = "actor"
    fields = ["kind", "target", "start_date", "end_date", "note"]
    autocomplete_fields = ["target"]
    extra = 0


@admin.register(Actor)
class ActorAdmin(CuratedAdmin):
    """Actors, found by any alias, accent-insensitively and fuzzily (ActorQuerySet.search)."""

    list_display = ["name", "kind", "country", "alias_list", "dossier_link"]
    list_editable = ["kind", "country"]
    list_filter = ["kind", "country", "state_affiliated"]
    list_select_related = ["owner"]
    # No date hierarchy: an actor has no date an editor filters on (updated_at is not one).
    search_fields = ["name"]  # ignored: get_search_results delegates to ActorQuerySet.search
    search_help_text = _("Any spelling, with or without accents; small misspellings are tolerated.")
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["owner"]
    readonly_fields = ["created_at", "updated_at", "version"]
    inlines = [AliasInline, AffiliationInline]
    actions = ["merge_actors"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("aliases")

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        if not search_term.strip():
            return queryset, False
        results = queryset.search(search_term)  # best match first...
        if ORDER_VAR in request.GET:  # ...unless the editor sorted by a column
            results = results.order_by(*queryset.query.order_by)
        return results, False

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Search goes through aliases only: the canonical name must be one of them.
        Alias.objects.get_or_create(actor=form.instance, name=form.instance.name)

    def get_urls(self):
        dossier = self.admin_site.admin_view(self.dossier_view)
        return [
            url_path("<path:object_id>/dossier/", dossier, name="desk_actor_dossier"),
            *super().get_urls(),
        ]

    def dossier_view(self, request: HttpRequest, object_id: str):
        return dossier_view(self, request, object_id)

    @admin.display(description=_("dossier"))
    def dossier_link(self, actor: Actor) -> str:
        url = reverse("admin:desk_actor_dossier", args=[actor.pk])
        return format_html('<a href="{}">{}</a>', url, _("Dossier"))

    @admin.display(description=_("aliases"))
    def alias_list(self, actor: Actor) -> str:
        return ", ".join(alias.name for alias in actor.aliases.all() if alias.name != actor.name)

    @admin.action(description=_("Merge the selected actors…"), permissions=["change", "delete"])
    @versioned
    def merge_actors(self, request: HttpRequest, queryset: QuerySet):
        actors = Actor.objects.filter(pk__in=queryset.values("pk")).order_by("pk")
        if len(actors) < 2:
            self.message_user(request, _("Select at least two actors to merge."), messages.WARNING)
            return None
        data = request.POST if request.POST.get("confirm") else None
        form = MergeForm(data, actors=actors, initial={"keep": actors[0]})
        if form.is_valid():
            keep = form.cleaned_data["keep"]
            actor_merge(keep=keep, duplicates=[a for a in actors if a.pk != keep.pk])
            count = len(actors) - 1
            self.message_user(
                request,
                ngettext(
                    "%(count)d actor merged into %(keep)s.",
                    "%(count)d actors merged into %(keep)s.",
                    count,
                )
                % {"count": count, "keep": keep},
                messages.SUCCESS,
            )
            return None
        return self.merge_confirmation(request, actors, form)

    def merge_confirmation(self, request: HttpRequest, actors: QuerySet, form: MergeForm):
        context = {
            **self.admin_site.each_context(request),
            "title": _("Merge actors"),
            "opts": self.opts,
            "form": form,
            "queryset": actors,
            "preview": actor_merge_preview(duplicates=actors),
            "seen_versions": request.POST.getlist(VERSION_FIELD),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/desk/actor/merge_confirmation.html", context)


@admin.register(Alias)
class AliasAdmin(HistoryAdmin):
    """Spellings; searching finds every alias of the actors a term matches."""

    list_display = ["name", "actor", "language", "folded"]
    list_filter = ["language"]
    list_select_related = ["actor"]
    search_fields = ["name"]
    autocomplete_fields = ["actor"]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(actor_search_q(search_term, "actor")), False


@admin.register(Affiliation)
class AffiliationAdmin(HistoryAdmin):
    """Dated ties between two actors."""

    list_display = ["actor", "kind", "target", "start_date", "end_date"]
    list_filter = ["kind"]
    list_select_related = ["actor", "target"]
    date_hierarchy = "start_date"
    search_fields = ["note"]
    autocomplete_fields = ["actor", "target"]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(actor_search_q(search_term, "actor", "target")), False
