"""Claims: attributed from a text selection, shown highlighted in context, reviewed."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator, format_lazy
from django.utils.translation import gettext_lazy as _

from libya.desk.admin.actors import actor_search_q
from libya.desk.admin.base import (
    CuratedAdmin,
    EstimatedCountPaginator,
    HistoryAdmin,
    linked_to_actor_q,
    versioned,
)
from libya.desk.forms import ClaimForm
from libya.desk.models import Article, Claim, ClaimLink
from libya.desk.models.claims import passage
from libya.desk.models.common import french_query
from libya.desk.services import claim_set_status

# Characters shown on each side of a passage on the claim's change page.


def status_action(status: Claim.Status):
    """An admin action moving the selected claims to `status` through claim_set_status."""

    @admin.action(
        description=format_lazy(_("Mark selected claims as {}"), status.label),
        permissions=["change"],
    )
    @versioned
    def action(modeladmin: "ClaimAdmin", request: HttpRequest, queryset: QuerySet) -> None:
        done, refused = 0, []
        for claim in queryset.select_related("article"):
            try:
                claim_set_status(claim=claim, status=status, user=request.user)
                done += 1
            except ValidationError as exc:
                refused.append(f"#{claim.pk}: {'; '.join(exc.messages)}")
        modeladmin.message_user(
            request, _("%(n)d claims marked %(status)s.") % {"n": done, "status": status.label}
        )
        for message in refused:
            modeladmin.message_user(request, message, messages.ERROR)

    action.__name__ = f"mark_{status.value}"
    return action


class ClaimLinkInline(admin.TabularInline):
    model = ClaimLink
    fk_name = "claim"
    fields = ["relation", "other", "note"]
    autocomplete_fields = ["other"]
    extra = 0


@admin.register(Claim)
class ClaimAdmin(CuratedAdmin):
    """Claims; the form shows the article body, and selecting a passage fills the span."""

    form = ClaimForm
    list_display = ["summary", "speaker", "kind", "status", "article_title", "said_on"]
    list_editable = ["status"]
    list_filter = ["status", "kind", "said_precision"]
    list_select_related = ["speaker", "article"]
    # Each row renders an editable status form: rendering, not the database, is
    # most of a page's time (about 1 ms a row); 50 long claims also read better.
    list_per_page = 50
    # Years come from ClaimQuerySet.dates(), one index probe each.
    date_hierarchy = "said_on"
    # Two exact counts of a million rows per page view would cost more than the page.
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    search_fields = ["text", "gloss_en", "note"]
    search_help_text = _(
        "Words of the claim (French full text), or its speaker or subjects under any spelling."
    )
    autocomplete_fields = ["article", "speaker", "event", "subjects"]
    readonly_fields = [
        "passage",
        "article_body",
        "prefix",
        "suffix",
        "status_changed_by",
        "status_changed_at",
        "created_at",
        "updated_at",
        "version",
    ]
    fieldsets = [
        (
            None,
            {"fields": ["passage", "article", "article_body", "text", ("span_start", "span_end")]},
        ),
        (None, {"fields": ["kind", "speaker", "subjects", "event", ("said_on", "said_precision")]}),
        (None, {"fields": ["gloss_en", "note", "expected_version"]}),
        (_("Review"), {"fields": ["status", "status_changed_by", "status_changed_at"]}),
        (
            _("Anchoring and stamps"),
            {
                "fields": ["prefix", "suffix", "created_at", "updated_at", "version"],
                "classes": ["collapse"],
            },
        ),
    ]
    inlines = [ClaimLinkInline]
    actions = [status_action(status) for status in Claim.Status]

    class Media:
        js = ["desk/claim_span.js"]
        css = {"all": ["desk/desk.css"]}

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        by_field, distinct = super().get_search_results(request, queryset, search_term)
        if not search_term.strip():
            return by_field, distinct
        matches = Q(pk__in=by_field.values("pk")) | Q(search_vector=french_query(search_term))
        by_actor = actor_search_q(search_term, "speaker") | linked_to_actor_q(
            search_term, Claim.subjects.through, "claim_id"
        )
        return queryset.filter(matches | by_actor), distinct

    def save_model(self, request: HttpRequest, obj: Claim, form, change: bool) -> None:
        if "status" in form.changed_data:
            claim_set_status(claim=obj, status=obj.status, user=request.user)
        else:
            super().save_model(request, obj, form, change)

    @admin.display(description=_("claim"), ordering="text")
    def summary(self, claim: Claim) -> str:
        return Truncator(claim.text).chars(90)

    @admin.display(description=_("article"), ordering="article__title")
    def article_title(self, claim: Claim) -> str:
        return Truncator(claim.article.title).chars(60)

    @admin.display(description=_("passage in context"))
    def passage(self, claim: Claim) -> str:
        # A change form posted with errors shows the half-filled instance: no span yet.
        spanless = None in (claim.span_start, claim.span_end, claim.article_id)
        if claim.pk is None or spanless:
            return "—"
        body, start, end = claim.article.body, claim.span_start, claim.span_end
        before, quote, after = passage(body, start, end)
        return format_html(
            '<div class="desk-passage">{}{}<mark>{}</mark>{}{}</div>',
            "…" if start > len(before) else "",
            before,
            quote,
            after,
            "…" if end + len(after) < len(body) else "",
        )

    @admin.display(description=_("article body"))
    def article_body(self, claim: Claim) -> str:
        url = reverse("admin:desk_claim_article_body", args=[0]).replace("/0/", "/__id__/")
        article_id, parts = "", ("", "", "")
        if claim.pk is not None:
            body, start, end = claim.article.body, claim.span_start, claim.span_end
            article_id, parts = str(claim.article_id), (body[:start], body[start:end], body[end:])
        # No whitespace inside the div: the script counts offsets over its exact text.
        return format_html(
            '<div class="desk-body" id="desk-article-body" data-url-template="{}" '
            'data-article="{}">{}{}{}</div>'
            '<p class="help">{} <span id="desk-span-status"></span></p>',
            url,
            article_id,
            parts[0],
            format_html("<mark>{}</mark>", parts[1]) if parts[1] else "",
            parts[2],
            _("Select the passage to fill the span and the text, or type the exact text."),
        )

    def get_urls(self):
        body = self.admin_site.admin_view(self.article_body_view)
        return [
            path("article-body/<int:pk>/", body, name="desk_claim_article_body"),
            *super().get_urls(),
        ]

    def article_body_view(self, request: HttpRequest, pk: int) -> JsonResponse:
        """The cleaned body of an article, for the span picker."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        article = get_object_or_404(Article.objects.only("body"), pk=pk)
        return JsonResponse({"body": article.body})


@admin.register(ClaimLink)
class ClaimLinkAdmin(HistoryAdmin):
    """Claims that corroborate or contradict each other."""

    list_display = ["claim", "relation", "other", "note"]
    list_filter = ["relation"]
    list_select_related = ["claim__speaker", "other__speaker"]
    date_hierarchy = "claim__said_on"
    search_fields = ["claim__text", "other__text", "note"]
    autocomplete_fields = ["claim", "other"]
