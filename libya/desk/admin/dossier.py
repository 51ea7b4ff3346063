"""An actor's dossier: identity, every record that names it, a timeline and a network."""

import calendar
from datetime import date
from itertools import groupby

from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from libya.desk.graph import actor_graph, graph_data
from libya.desk.models import Actor, Affiliation, Claim, DatePrecision, Participation

ADMIN_URL_NAMES = {
    "actor": "admin:desk_actor_dossier",
    "article": "admin:desk_article_change",
    "event": "admin:desk_event_change",
    "claim": "admin:desk_claim_change",
    "affiliation": "admin:desk_affiliation_change",
}


def admin_link(kind: str, pk: int) -> str:
    return reverse(ADMIN_URL_NAMES[kind], args=[pk])


def period_end(day: date | None, precision: str) -> date | None:
    """Last day of the period a date with precision stands for (as SQL desk_period_end)."""
    if day is None or precision == DatePrecision.UNKNOWN:
        return None
    if precision == DatePrecision.MONTH:
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if precision == DatePrecision.YEAR:
        return day.replace(month=12, day=31)
    return day


def dossier_view(modeladmin: ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    actor = get_object_or_404(Actor.objects.select_related("owner"), pk=object_id)
    if not modeladmin.has_view_or_change_permission(request, actor):
        raise PermissionDenied
    records = dossier_records(actor)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Dossier: %s") % actor,
        "opts": modeladmin.opts,
        "actor": actor,
        "original": actor,
        **records,
        "counts": {name: len(rows) for name, rows in records.items() if name != "aliases"},
        "timeline": timeline_items(records),
        "graph": graph_data(actor_graph(actor), admin_link),
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "admin/desk/actor/dossier.html", context)


def dossier_records(actor: Actor) -> dict[str, list]:
    aliases = sorted(actor.aliases.all(), key=lambda a: (a.language, a.name))
    article_fields = ["article__title", "article__slug", "article__published_on"]
    claims = Claim.objects.select_related("article", "speaker").only(
        "text", "kind", "status", "said_on", "said_precision", "speaker__name", *article_fields
    )
    return {
        "aliases": [(lang, list(group)) for lang, group in groupby(aliases, lambda a: a.language)],
        "affiliations": list(
            Affiliation.objects.filter(Q(actor=actor) | Q(target=actor))
            .select_related("actor", "target")
            .order_by("start_date", "kind")
        ),
        "participations": list(
            Participation.objects.filter(actor=actor)
            .select_related("event")
            .order_by("-event__start_date", "event__slug")
        ),
        "claims_spoken": list(claims.filter(speaker=actor).order_by("-said_on", "pk")),
        "claims_about": list(claims.filter(subjects=actor).order_by("-said_on", "pk")),
        "articles": list(actor.mentioned_in.defer("body").order_by("-published_on", "slug")),
    }


def timeline_items(records: dict[str, list]) -> list[dict]:
    """Marks for the timeline chart: one range per dated event or claim."""
    items = []
    for part in records["participations"]:
        event = part.event
        if event.start_date and event.date_precision != DatePrecision.UNKNOWN:
            items.append(
                _item(
                    _("Events"),
                    event.get_kind_display(),
                    event.start_date,
                    event.period_end or period_end(event.start_date, event.date_precision),
                    f"{event.title} ({part.get_role_display()})",
                    admin_link("event", event.pk),
                )
            )
    for lane, claims in [
        (_("Claims spoken"), records["claims_spoken"]),
        (_("Claims about"), records["claims_about"]),
    ]:
        for claim in claims:
            end = period_end(claim.said_on, claim.said_precision)
            if end is not None:
                text = claim.text if len(claim.text) < 80 else claim.text[:79] + "…"
                link = admin_link("claim", claim.pk)
                items.append(_item(lane, claim.get_kind_display(), claim.said_on, end, text, link))
    return items


def _item(lane: str, kind: str, start: date, end: date, title: str, url: str) -> dict:
    return {
        "lane": lane,
        "kind": kind,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "title": title,
        "url": url,
    }
