"""Articles: added by pasting or uploading a page cleaned like an import; claims listed inline."""

import io

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.management import CommandError, call_command
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from libya.desk import suggestions
from libya.desk.admin.base import CuratedAdmin, FullTextSearchMixin
from libya.desk.admin.suggestions import report_suggestions
from libya.desk.forms import ARTICLE_METADATA_FIELDS, ArticleAddForm, ArticleForm
from libya.desk.models import Article, Claim


class ClaimSummaryInline(admin.TabularInline):
    """Claims made in the article, one line each, linking to the claim form."""

    model = Claim
    fields = ["summary", "speaker", "kind", "status", "span_start"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = _("claims made in this article")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("speaker")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a claim needs its span: added from the "Add a claim" button instead

    @admin.display(description=_("claim"))
    def summary(self, claim: Claim) -> str:
        url = reverse("admin:desk_claim_change", args=[claim.pk])
        return format_html('<a href="{}">{}</a>', url, Truncator(claim.text).chars(120))


@admin.register(Article)
class ArticleAdmin(FullTextSearchMixin, CuratedAdmin):
    """Articles; the add form cleans pasted or uploaded text and previews what it strips."""

    form = ArticleForm
    list_display = ["title", "publisher", "published_on", "published_precision", "claim_count"]
    list_filter = [
        "language",
        "published_precision",
        ("publisher", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["publisher"]
    date_hierarchy = "published_on"
    search_fields = ["title", "source", "slug"]
    search_actor_join = (Article.mentioned_actors.through, "article_id")
    search_help_text = _(
        "Title or source file; French full text over title and body; an actor it mentions "
        "under any spelling."
    )
    autocomplete_fields = ["publisher", "agency", "mentioned_actors"]
    readonly_fields = [
        "source",
        "content_hash",
        "published_until",
        "created_at",
        "updated_at",
        "version",
    ]
    inlines = [ClaimSummaryInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    class Media:
        css = {"all": ["desk/desk.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(claim_total=Count("claims"))

    @admin.display(description=_("claims"), ordering="claim_total")
    def claim_count(self, article: Article) -> int:
        return article.claim_total

    def render_change_form(self, request: HttpRequest, context: dict, add=False, **kwargs):
        form = context["adminform"].form
        if add and isinstance(form, ArticleAddForm) and form.awaiting_confirmation():
            # The preview is a step, not an error: no error banner, a note above it instead.
            context["preview_note"] = form.errors.pop(NON_FIELD_ERRORS)[0]
            context["errors"] = helpers.AdminErrorList(form, [])
        return super().render_change_form(request, context, add=add, **kwargs)

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ArticleAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj=None):
        if obj is None:
            return [
                (_("Source text"), {"fields": ["raw_text", "document", "previewed", "title"]}),
                (_("Metadata"), {"fields": ARTICLE_METADATA_FIELDS}),
            ]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_prepopulated_fields(self, request: HttpRequest, obj=None) -> dict:
        return {"slug": ["title"]} if obj is not None else {}

    def get_inlines(self, request: HttpRequest, obj):
        return self.inlines if obj is not None else []

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if not change or "body" in form.changed_data:
            report_suggestions(self, request, suggestions.suggest_quietly(form.instance))

    def response_add(self, request: HttpRequest, obj: Article, post_url_continue=None):
        """A new article opens on its suggestions, unless the editor asked for another form."""
        response = super().response_add(request, obj, post_url_continue)
        if {"_addanother", "_popup"} & set(request.POST):
            return response
        return HttpResponseRedirect(reverse("admin:desk_suggestion_review", args=[obj.pk]))

    def get_urls(self):
        export = self.admin_site.admin_view(require_POST(self.export_view))
        return [path("export/", export, name="desk_export"), *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra = {"has_export_permission": self.has_export_permission(request)}
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_change_permission(request)

    def export_view(self, request: HttpRequest):
        """Write the curated records to fixtures/ (manage.py export_corpus)."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        out = io.StringIO()
        try:
            call_command("export_corpus", stdout=out)
        except (CommandError, OSError) as exc:
            self.message_user(request, _("Export failed: %s") % exc, messages.ERROR)
        else:
            self.message_user(request, out.getvalue().strip() or _("Exported."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:desk_article_changelist"))
