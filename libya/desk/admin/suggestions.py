"""Suggestions: reviewed article by article beside the highlighted text, or from a queue."""

from collections import defaultdict
from itertools import pairwise

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from libya.desk import suggestions
from libya.desk.admin.base import CuratedAdmin, versioned
from libya.desk.forms import ReviewDecisionForm, SuggestionForm
from libya.desk.models import Article, Suggestion

Status = Suggestion.Status


class StatusFilter(admin.SimpleListFilter):
    """The queue shows proposed suggestions unless asked for others."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin) -> list:
        return [*Status.choices, ("all", _("all"))]

    def value(self) -> str:
        return super().value() or Status.PROPOSED

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset if self.value() == "all" else queryset.filter(status=self.value())


class ConfidenceFilter(admin.SimpleListFilter):
    """Confidence in three bands, the extractor's sure guesses first."""

    title = _("confidence")
    parameter_name = "confidence"
    BANDS = {"high": (0.8, None), "medium": (0.5, 0.8), "low": (None, 0.5)}

    def lookups(self, request: HttpRequest, model_admin) -> list:
        return [
            ("high", _("high (0.8 and above)")),
            ("medium", _("medium (0.5 to 0.8)")),
            ("low", _("low (below 0.5)")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() not in self.BANDS:
            return queryset
        low, high = self.BANDS[self.value()]
        if low is not None:
            queryset = queryset.filter(confidence__gte=low)
        return queryset.filter(confidence__lt=high) if high is not None else queryset


class ArticleFilter(admin.RelatedOnlyFieldListFilter):
    """Articles with suggestions waiting, by title: their bodies stay in the database."""

    def field_choices(self, field, request: HttpRequest, model_admin) -> list:
        waiting = Suggestion.objects.proposed().values("article")
        titles = Article.objects.filter(pk__in=waiting).order_by("title")
        return [(pk, Truncator(title).chars(60)) for pk, title in titles.values_list("pk", "title")]

    def has_output(self) -> bool:
        # Django drops a filter with a single choice, and with it the filter's parameter:
        # a link to one article's decided suggestions would then list every article's.
        return True


@admin.register(Suggestion)
class SuggestionAdmin(CuratedAdmin):
    """The queue of suggestions across articles; each article's review screen."""

    list_display = ["summary", "kind", "proposal", "confidence", "review_link", "status"]
    list_filter = [
        StatusFilter,
        "kind",
        ConfidenceFilter,
        ("article", ArticleFilter),
    ]
    list_select_related = ["article", "speaker", "event", "actor"]
    list_per_page = 100
    search_fields = ["text", "speaker_name", "name"]
    actions = ["accept_selected", "reject_selected"]
    readonly_fields = ["review_link", *(f.name for f in Suggestion._meta.fields if f.name != "id")]

    class Media:
        css = {"all": ["desk/desk.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The queue names articles: their bodies need not travel with each row.
        return super().get_queryset(request).defer("article__body", "article__search_vector")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # suggestions come from the extractor only

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # rejected, never deleted: a rejection keeps it from coming back

    @admin.display(description=_("text"), ordering="text")
    def summary(self, suggestion: Suggestion) -> str:
        return Truncator(suggestion.text).chars(90)

    @admin.display(description=_("proposed"))
    def proposal(self, suggestion: Suggestion) -> str:
        return proposal_text(suggestion)

    @admin.display(description=_("article"), ordering="article")
    def review_link(self, suggestion: Suggestion) -> str:
        url = reverse("admin:desk_suggestion_review", args=[suggestion.article_id])
        return format_html(
            '<a href="{}#suggestion-{}">{}</a>',
            url,
            suggestion.pk,
            Truncator(suggestion.article.title).chars(50),
        )

    @admin.action(description=_("Accept selected suggestions as proposed"), permissions=["change"])
    @versioned
    def accept_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._report(request, *suggestions.accept_each(queryset.for_review(), request.user))

    @admin.action(description=_("Reject selected suggestions"), permissions=["change"])
    @versioned
    def reject_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        done = 0
        for suggestion in queryset.proposed():
            suggestions.reject_suggestion(suggestion, request.user)
            done += 1
        message = ngettext("%(n)d suggestion rejected.", "%(n)d suggestions rejected.", done)
        self.message_user(request, message % {"n": done}, messages.SUCCESS)

    def _report(self, request: HttpRequest, accepted: list, refused: list[str]) -> None:
        n = len(accepted)
        self.message_user(
            request,
            ngettext("%(n)d suggestion accepted.", "%(n)d suggestions accepted.", n) % {"n": n},
            messages.SUCCESS if n else messages.WARNING,
        )
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    # The review screen

    def get_urls(self):
        review = self.admin_site.admin_view(self.review_view)
        return [
            path("review/<int:article_id>/", review, name="desk_suggestion_review"),
            *super().get_urls(),
        ]

    def review_view(self, request: HttpRequest, article_id: int) -> HttpResponse:
        """An article's text with its suggestions highlighted, and a form to decide each."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        article = get_object_or_404(Article.objects.defer("search_vector"), pk=article_id)
        bound = {}
        if request.method == "POST":
            if not self.has_change_permission(request):
                raise PermissionDenied
            bound = self._decide(request, article)
            if bound is None:
                return HttpResponseRedirect(request.path)
        return self._review_page(request, article, bound)

    def _decide(self, request: HttpRequest, article: Article) -> dict | None:
        """Carry out a button's request; None when done, else the bound form to show again."""
        decision = ReviewDecisionForm(request.POST)
        if not decision.is_valid():
            for error in decision.errors.values():
                self.message_user(request, " ".join(error), messages.ERROR)
            return {}
        op, pk = decision.cleaned_data["op"], decision.cleaned_data["suggestion"]
        if op == "suggest":
            self._suggest(request, article)
            return None
        if op == "accept_all":
            kind = decision.cleaned_data["kind"]
            self._report(request, *suggestions.accept_all(article, kind, request.user))
            return None
        suggestion = get_object_or_404(article.suggestions.for_review(), pk=pk)
        return self._decide_one(request, suggestion, op, decision.cleaned_data["version"])

    def _decide_one(
        self, request: HttpRequest, suggestion: Suggestion, op: str, version: int | None
    ) -> dict | None:
        form = SuggestionForm(suggestion, self.admin_site, request.POST)
        try:
            if op == "reject":
                suggestions.reject_suggestion(suggestion, request.user, seen_version=version)
            elif form.is_valid():
                suggestions.accept_suggestion(
                    suggestion, request.user, form.cleaned_data, seen_version=version
                )
            else:
                raise ValidationError(_("Correct the values shown in red."), code="invalid")
        except ValidationError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return {suggestion.pk: form}  # the editor's values stay on screen
        self.message_user(request, decided_message(suggestion), messages.SUCCESS)
        return None

    def _suggest(self, request: HttpRequest, article: Article) -> None:
        report = suggestions.suggest_quietly(article)
        report_suggestions(self, request, report)

    def _review_page(self, request: HttpRequest, article: Article, bound: dict) -> HttpResponse:
        rows = list(article.suggestions.current().for_review())
        pending = [s for s in rows if s.status == Status.PROPOSED]
        accepted = tuple(s for s in rows if s.status == Status.ACCEPTED and s.is_claim)
        can_change = self.has_change_permission(request)
        forms = [self._form(s, bound) if can_change else None for s in pending]
        media = sum((form.media for form in forms if form is not None), self.media)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Suggestions: %s") % Truncator(article.title).chars(80),
            "opts": self.opts,
            "article": article,
            "body_html": highlighted(article.body, pending, accepted),
            "items": list(zip(pending, map(proposal_text, pending), forms, strict=True)),
            "legend": legend(pending),
            "decided": len(rows) - len(pending),
            "can_change": can_change,
            "media": media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/desk/suggestion/review.html", context)

    def _form(self, suggestion: Suggestion, bound: dict) -> SuggestionForm:
        if suggestion.pk in bound:
            return bound[suggestion.pk]
        return SuggestionForm(suggestion, self.admin_site)


def decided_message(suggestion: Suggestion) -> str:
    """« text »: accepted (with a link to what it created) or rejected."""
    text = Truncator(suggestion.text).chars(60)
    created = suggestion.claim or suggestion.alias or suggestion.created_actor
    if suggestion.status == Status.REJECTED or created is None:
        return format_html("« {} »: {}", text, suggestion.get_status_display())
    opts = created._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[created.pk])
    return format_html(
        '« {} »: {} <a href="{}">{} #{}</a>',
        text,
        suggestion.get_status_display(),
        url,
        opts.verbose_name,
        created.pk,
    )


def report_suggestions(model_admin, request: HttpRequest, report) -> None:
    """Tell the editor what a run of the extractor proposed, or that it failed."""
    if report is None:
        model_admin.message_user(
            request,
            _("The extractor failed on this article; it is saved all the same. Try again later."),
            messages.WARNING,
        )
        return
    model_admin.message_user(
        request,
        ngettext("%(n)d new suggestion.", "%(n)d new suggestions.", report.created)
        % {"n": report.created},
    )
    for message in report.messages:
        model_admin.message_user(request, message, messages.INFO)


def proposal_text(suggestion: Suggestion) -> str:
    """The proposed values in a line: who speaks and when, which actor, which date."""
    new = _("new: %s")
    if suggestion.is_claim:
        who = str(suggestion.speaker or "") or (
            new % suggestion.speaker_name if suggestion.speaker_name else _("speaker unknown")
        )
        parts = [who, _date(suggestion), str(suggestion.event or "")]
    elif suggestion.kind == Suggestion.Kind.ALIAS:
        parts = [_("alias of %s") % (suggestion.actor or "?")]
    elif suggestion.kind == Suggestion.Kind.ACTOR:
        kind = suggestion.get_actor_kind_display() or _("actor")
        parts = [new % (suggestion.name or suggestion.text), str(kind)]
    elif suggestion.kind == Suggestion.Kind.DATE:
        parts = [_date(suggestion)]
    else:
        parts = [str(suggestion.event or "?")]
    return " · ".join(str(p) for p in parts if p)


def _date(suggestion: Suggestion) -> str:
    if suggestion.said_on is None:
        return ""
    precision = suggestion.get_said_precision_display()
    return (
        f"{suggestion.said_on.isoformat()} ({precision})" if precision else str(suggestion.said_on)
    )


def legend(pending: list[Suggestion]) -> list[dict]:
    """Each kind of suggestion, its colour class and how many of it are waiting."""
    return [
        {"value": kind.value, "label": kind.label, "count": sum(s.kind == kind for s in pending)}
        for kind in Suggestion.Kind
    ]


def highlighted(body: str, pending: list[Suggestion], accepted: tuple = ()) -> SafeString:
    """The body, escaped, with each suggested span marked and linked to its list item, and
    the spans of accepted suggestions underlined.

    Spans may nest or cross (an alias inside a quote): the text is cut at every span
    boundary and each piece is marked for the narrowest pending suggestion covering
    it, or else underlined if an accepted one covers it.
    """
    spans = [s for s in (*pending, *accepted) if s.span_start < s.span_end <= len(body)]
    cuts = sorted({0, len(body), *(s.span_start for s in spans), *(s.span_end for s in spans)})
    starting = defaultdict(list)
    for s in spans:
        starting[s.span_start].append(s)
    pieces, covering = [], []
    for start, end in pairwise(cuts):
        # Every span end is a cut, so a span still open at `start` covers up to `end`.
        covering = [s for s in covering if s.span_end > start] + starting[start]
        pieces.append(_piece(body[start:end], covering))
    return mark_safe("".join(pieces))  # each piece is escaped by _piece


def _piece(text: str, covering: list[Suggestion]) -> str:
    waiting = [s for s in covering if s.status == Status.PROPOSED]
    if waiting:
        narrowest = min(waiting, key=lambda s: s.span_end - s.span_start)
        return format_html(
            '<a href="#suggestion-{}" class="desk-mark desk-kind-{}" title="{}">{}</a>',
            narrowest.pk,
            narrowest.kind,
            narrowest.get_kind_display(),
            text,
        )
    if covering:
        return format_html('<span class="desk-accepted" title="{}">{}</span>', _("accepted"), text)
    return escape(text)
