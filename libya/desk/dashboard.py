"""The review dashboard (the admin home): what is left to do, each figure linked to its list.

A figure is one function decorated with ``@figure``: it returns a ``Figure`` whose
``url`` opens the filtered admin list. The dashboard shows them in the order of
their ``order``; adding one is adding one function here.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db.models import Count, Exists, F, OuterRef, Value
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext_lazy as _

from libya.desk.history import LABELS
from libya.desk.models import Article, Claim, Event, Suggestion
from libya.desk.models.common import newest_first
from libya.desk.responsecache import read_generation

# Rows listed under a figure; the linked list has the rest.
ROWS = 8
# Months drawn in the claims-per-month chart, back from the latest claim.
CHART_MONTHS = 24


@dataclass
class Row:
    label: str
    url: str
    count: int | None = None
    detail: str = ""


@dataclass
class Figure:
    title: str
    count: int | None
    url: str  # the filtered admin list; empty when there is none
    rows: list[Row] = field(default_factory=list)
    empty: str = ""
    chart: str = ""  # element id of a chart drawn by desk/charts.js from chart_data
    chart_data: dict | None = None

    @property
    def chart_id(self) -> str:
        return f"{self.chart}-data"


FIGURES: list[tuple[int, Callable[[], Figure]]] = []


def figure(order: int) -> Callable:
    """Register a dashboard figure, shown in ascending ``order``."""

    def register(func: Callable[[], Figure]) -> Callable[[], Figure]:
        FIGURES.append((order, func))
        FIGURES.sort(key=lambda pair: pair[0])
        return func

    return register


def dashboard_figures() -> list[Figure]:
    """The figures, computed once per desk generation, language and time zone.

    Every write statement on a desk table moves the generation on (the response
    cache's rule), so a stored set is never older than the last committed change;
    on tier M computing them takes most of a second, reading them a millisecond.
    """
    generation = read_generation()
    if generation is None:
        return _compute_figures()
    key = ":".join(
        ["dashboard", generation, get_language() or "", timezone.get_current_timezone_name()]
    )
    store = caches[settings.DESK_RESPONSE_CACHE_ALIAS]
    figures = store.get(key)
    if figures is None:
        figures = _compute_figures()
        store.set(key, figures)
    return figures


def _compute_figures() -> list[Figure]:
    return [func() for _order, func in FIGURES]


def changelist(model_name: str, **filters) -> str:
    url = reverse(f"admin:desk_{model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


@figure(order=10)
def claims_to_review() -> Figure:
    unreviewed = Claim.objects.filter(status=Claim.Status.UNREVIEWED)
    # Counted on the claims alone (the partial index claim_unreviewed_article), then the
    # few articles named: grouping the join by title read every unreviewed claim's article.
    by_article = list(
        unreviewed.order_by().values("article_id").annotate(n=Count("*")).order_by("-n")[:ROWS]
    )
    titles = Article.objects.only("title").in_bulk([row["article_id"] for row in by_article])
    by_article.sort(key=lambda row: (-row["n"], titles[row["article_id"]].title))
    status = {"status__exact": Claim.Status.UNREVIEWED}
    return Figure(
        title=_("Claims to review, by article"),
        count=unreviewed.count(),
        url=changelist("claim", **status),
        rows=[
            Row(
                titles[row["article_id"]].title,
                changelist("claim", **status, article__id__exact=row["article_id"]),
                row["n"],
            )
            for row in by_article
        ],
        empty=_("Every claim has been reviewed."),
    )


@figure(order=20)
def suggestions_waiting() -> Figure:
    """The extractor's proposals no editor has decided, by article, each row its review screen."""
    waiting = Suggestion.objects.proposed()
    by_article = (
        waiting.order_by()
        .values("article_id", "article__title")
        .annotate(n=Count("pk"))
        .order_by("-n", "article__title")[:ROWS]
    )
    return Figure(
        title=_("Suggestions waiting, by article"),
        count=waiting.count(),
        url=changelist("suggestion"),  # the queue lists proposed suggestions by default
        rows=[
            Row(
                row["article__title"],
                reverse("admin:desk_suggestion_review", args=[row["article_id"]]),
                row["n"],
            )
            for row in by_article
        ],
        empty=_("No suggestion is waiting."),
    )


@figure(order=30)
def recent_changes() -> Figure:
    """The latest changes to curated records, newest first, with who made them."""
    latest = None
    for model_name, title in [
        ("claim", "text"),
        ("article", "title"),
        ("event", "title"),
        ("actor", "name"),
    ]:
        history = apps.get_model("desk", f"{model_name.capitalize()}History")
        rows = history.objects.order_by("-pgh_id").values(
            "pgh_created_at",
            "pgh_label",
            "pgh_obj_id",
            title_=F(title),
            model=Value(model_name),
            user=F("pgh_context__metadata__user"),
            command=F("pgh_context__metadata__command"),
        )[:ROWS]
        latest = rows if latest is None else latest.union(rows, all=True)
    changes = list(latest.order_by("-pgh_created_at")[:ROWS])
    users = _usernames({change["user"] for change in changes})
    return Figure(
        title=_("Recent changes, by whom"),
        count=None,
        # No list of every change exists for editors: each row opens its record's history.
        url="",
        rows=[
            Row(
                f"{_change_label(change['pgh_label'])}: {str(change['title_'])[:80]}",
                reverse(f"admin:desk_{change['model']}_history", args=[change["pgh_obj_id"]]),
                detail=_("%(who)s, %(when)s")
                % {"who": _who(change, users), "when": _local(change)},
            )
            for change in changes
        ],
        empty=_("No change recorded yet."),
    )


@figure(order=40)
def articles_without_claims() -> Figure:
    no_claims = Article.objects.filter(~Exists(Claim.objects.filter(article=OuterRef("pk"))))
    return _records_figure(
        no_claims,
        ["-published_on", "slug"],
        title=_("Articles with no claims"),
        url=changelist("article", claims__isnull="True"),
        empty=_("Every article has claims."),
    )


@figure(order=50)
def events_without_source() -> Figure:
    reports = Event.articles.through.objects.filter(event=OuterRef("pk"))
    return _records_figure(
        Event.objects.filter(~Exists(reports)),
        ["-start_date", "slug"],
        title=_("Events with no source"),
        url=changelist("event", articles__isnull="True"),
        empty=_("Every event has a source article."),
    )


def _records_figure(queryset, ordering: list[str], **labels) -> Figure:
    """The count of ``queryset`` and its first ROWS records by ``ordering``, each linked.

    The anti-join runs on ids alone (index-only scans), then only the rows it leaves
    are read. Asked for whole rows, the planner, which cannot foresee how few rows an
    anti-join leaves, read every article's heap (tier M: 0.4 to 0.7 s against 0.2 s).
    """
    ids = list(queryset.values_list("pk", flat=True))
    model = queryset.model
    first = model.objects.filter(pk__in=ids).only("title").order_by(*ordering)[:ROWS]
    change = f"admin:desk_{model._meta.model_name}_change"
    rows = [Row(record.title, reverse(change, args=[record.pk])) for record in first]
    return Figure(count=len(ids), rows=rows, **labels)


@figure(order=60)
def claims_per_month() -> Figure:
    """Claims said per month over the last CHART_MONTHS months with claims, by status."""
    # The newest date, from the claim_said_id index (max() would read every claim).
    last = Claim.objects.order_by(newest_first("said_on")).values_list("said_on", flat=True).first()
    counts: dict[tuple[date, str], int] = {}
    if last is not None:
        first = _months_before(last.replace(day=1), CHART_MONTHS - 1)
        grouped = (
            Claim.objects.filter(said_on__gte=first)
            .annotate(month=TruncMonth("said_on"))
            .values("month", "status")
            .annotate(n=Count("*"))
            .order_by()
        )
        counts = {(row["month"], row["status"]): row["n"] for row in grouped}
    months = sorted({month for month, _status in counts})
    return Figure(
        title=_("Claims per month, by status"),
        count=sum(counts.values()),
        url=changelist("claim"),
        chart="desk-claims-per-month",
        chart_data={
            "months": [f"{month:%Y-%m}" for month in months],
            "series": [
                {
                    "status": status.value,
                    "label": str(status.label),
                    "counts": [counts.get((month, status.value), 0) for month in months],
                    "urls": [_month_url(month, status) for month in months],
                }
                for status in Claim.Status
            ],
        },
        empty=_("No dated claim."),
    )


def _month_url(month: date, status: Claim.Status) -> str:
    following = _months_before(month, -1)
    return changelist(
        "claim",
        status__exact=status.value,
        said_on__gte=month.isoformat(),
        said_on__lt=following.isoformat(),
    )


def _months_before(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def _usernames(ids: set) -> dict:
    users = get_user_model()._default_manager.filter(pk__in=[i for i in ids if i is not None])
    return {user.pk: user.get_username() for user in users}


def _who(change: dict, users: dict) -> str:
    if change["user"] in users:
        return users[change["user"]]
    if change["command"]:
        return _("command %(name)s") % {"name": change["command"]}
    return pgettext("who made a change", "unknown")


def _change_label(label: str) -> str:
    return LABELS.get(label, label)


def _local(change: dict) -> str:
    return formats.date_format(
        timezone.localtime(change["pgh_created_at"]), "SHORT_DATETIME_FORMAT"
    )
