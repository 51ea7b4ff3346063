"""Events with their participants, and participations on their own."""

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from libya.desk.admin.actors import actor_search_q
from libya.desk.admin.base import CuratedAdmin, FullTextSearchMixin, HistoryAdmin
from libya.desk.models import Event, Participation


class ParticipationInline(admin.TabularInline):
    model = Participation
    fields = ["actor", "role", "note"]
    autocomplete_fields = ["actor"]
    extra = 1


@admin.register(Event)
class EventAdmin(FullTextSearchMixin, CuratedAdmin):
    """Events; searching matches titles, places and descriptions (French full text)."""

    list_display = [
        "title",
        "kind",
        "start_date",
        "date_precision",
        "place_name",
        "parent",
        "participant_count",
    ]
    list_filter = ["kind", "date_precision", "place_country"]
    list_select_related = ["parent"]
    date_hierarchy = "start_date"
    search_fields = ["title", "slug", "place_name"]
    search_actor_join = (Participation, "event_id")
    search_help_text = _(
        "Words of the title, place or description (French full text), or a participant "
        "under any spelling."
    )
    autocomplete_fields = ["parent", "articles"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["period_end", "created_at", "updated_at", "version"]
    inlines = [ParticipationInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(participant_total=Count("participations"))

    @admin.display(description=_("participants"), ordering="participant_total")
    def participant_count(self, event: Event) -> int:
        return event.participant_total


@admin.register(Participation)
class ParticipationAdmin(HistoryAdmin):
    """Who took part in which event, in which role; search by actor under any spelling."""

    list_display = ["event", "actor", "role", "note"]
    list_filter = ["role"]
    list_select_related = ["event", "actor"]
    date_hierarchy = "event__start_date"
    search_fields = ["event__title", "note"]
    autocomplete_fields = ["event", "actor"]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        by_field, distinct = super().get_search_results(request, queryset, search_term)
        if not search_term.strip():
            return by_field, distinct
        matches = Q(pk__in=by_field.values("pk")) | actor_search_q(search_term, "actor")
        return queryset.filter(matches), distinct
