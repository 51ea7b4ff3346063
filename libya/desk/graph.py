"""An actor's network: who it is tied to, met in events, or named with in claims.

The models record no stance: a claim says who spoke and whom it is about, not
whether the speaker backs or opposes them. So backing and opposition appear as
the claims state them: an edge from a speaker to the actors its claims are
about, an edge between actors that one claim names together (« Haftar est
soutenu par la Russie »), each listing those claims, and flagged ``disputed``
when another claim contradicts one of them. Each edge lists its sources, the
distinct articles behind it; its weight is their number (at least 1).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from django.db.models import Exists, OuterRef, Q

from libya.desk.models import Actor, Affiliation, Article, Claim, ClaimLink, Event, Participation

AFFILIATION, EVENT = "affiliation", "event"
STATEMENT, NAMED_TOGETHER = "statement", "named_together"
# Co-participants of a large conference would swamp the picture: beyond this many
# partners, only the most frequent are kept (the dossier lists every event anyway).
MAX_NODES = 60


@dataclass
class Edge:
    kind: str
    source: Actor
    target: Actor
    labels: set[str] = field(default_factory=set)
    records: dict[tuple[str, int], dict] = field(default_factory=dict)
    articles: dict[int, Article] = field(default_factory=dict)
    disputed: bool = False

    @property
    def weight(self) -> int:
        return max(1, len(self.articles))


class Graph:
    """Edges keyed so that the same relation found twice is one edge with more sources."""

    def __init__(self, focus: Actor):
        self.focus = focus
        self.edges: dict[tuple, Edge] = {}

    def edge(self, kind: str, source: Actor, target: Actor, *, directed: bool) -> Edge:
        if not directed and source.pk > target.pk:
            source, target = target, source
        key = (kind, source.pk, target.pk)
        if key not in self.edges:
            self.edges[key] = Edge(kind, source, target)
        return self.edges[key]

    def nodes(self) -> list[Actor]:
        found = {self.focus.pk: self.focus}
        for edge in self.edges.values():
            found.setdefault(edge.source.pk, edge.source)
            found.setdefault(edge.target.pk, edge.target)
        return list(found.values())


def actor_graph(actor: Actor) -> Graph:
    """The actor's relations, in five queries whatever its size."""
    graph = Graph(actor)
    _add_affiliations(graph)
    _add_events(graph)
    _add_claims(graph)
    _keep_strongest(graph)
    return graph


def _add_affiliations(graph: Graph) -> None:
    ties = Affiliation.objects.filter(Q(actor=graph.focus) | Q(target=graph.focus))
    for tie in ties.select_related("actor", "target"):
        edge = graph.edge(AFFILIATION, tie.actor, tie.target, directed=True)
        edge.labels.add(tie.get_kind_display())
        edge.records[("affiliation", tie.pk)] = {
            "type": "affiliation",
            "id": tie.pk,
            "key": str(tie.pk),
            "title": str(tie),
        }


def _add_events(graph: Graph) -> None:
    shared = Participation.objects.filter(event__participations__actor=graph.focus).exclude(
        actor=graph.focus
    )
    by_event: dict[int, list[Participation]] = defaultdict(list)
    for part in shared.select_related("actor", "event").distinct():
        by_event[part.event_id].append(part)
    reports = Event.articles.through.objects.filter(event_id__in=by_event).select_related("article")
    articles_of: dict[int, list[Article]] = defaultdict(list)
    for report in reports.defer("article__body"):
        articles_of[report.event_id].append(report.article)
    for event_id, parts in by_event.items():
        for part in parts:
            edge = graph.edge(EVENT, graph.focus, part.actor, directed=False)
            edge.labels.add(part.event.get_kind_display())
            edge.records[("event", event_id)] = _event_record(part.event)
            edge.articles.update({a.pk: a for a in articles_of[event_id]})


def _add_claims(graph: Graph) -> None:
    contradicted = ClaimLink.objects.filter(
        Q(claim=OuterRef("pk")) | Q(other=OuterRef("pk")), relation=ClaimLink.Relation.CONTRADICTS
    )
    claims = (
        Claim.objects.published()
        .filter(pk__in=_claims_involving(graph.focus))
        .annotate(disputed=Exists(contradicted))
        .select_related("speaker", "article")
        .defer("article__body")
        .prefetch_related("subjects")
    )
    for claim in claims:
        subjects = [a for a in claim.subjects.all() if a != claim.speaker]
        for subject in subjects if claim.speaker else []:
            if graph.focus in (claim.speaker, subject):
                _claim_edge(graph, STATEMENT, claim, claim.speaker, subject, directed=True)
        for one, other in combinations(subjects, 2):
            if graph.focus in (one, other):
                _claim_edge(graph, NAMED_TOGETHER, claim, one, other, directed=False)


def _claims_involving(actor: Actor):
    """The ids of the claims the actor spoke or is a subject of.

    One UNION of two index lookups: "speaker = X OR id IN (subjects of X)" cannot use
    either index and reads every claim (1.1 s on tier M).
    """
    spoken = Claim.objects.filter(speaker=actor).order_by().values("pk")
    about = Claim.subjects.through.objects.filter(actor=actor).order_by().values("claim_id")
    return spoken.union(about)


def _claim_edge(graph, kind, claim, source, target, *, directed) -> None:
    edge = graph.edge(kind, source, target, directed=directed)
    edge.labels.add(claim.get_kind_display())
    edge.records[("claim", claim.pk)] = {
        "type": "claim",
        "id": claim.pk,
        "key": str(claim.pk),
        "title": claim.text,
        "disputed": claim.disputed,
    }
    edge.articles[claim.article.pk] = claim.article
    edge.disputed |= claim.disputed


def _event_record(event: Event) -> dict:
    return {"type": "event", "id": event.pk, "key": event.slug, "title": event.title}


def _keep_strongest(graph: Graph) -> None:
    """Drop the weakest partners beyond MAX_NODES; ties to the focus by affiliation stay."""
    strength: dict[int, int] = defaultdict(int)
    for edge in graph.edges.values():
        for end in (edge.source, edge.target):
            if end.pk != graph.focus.pk:
                strength[end.pk] += edge.weight + (100 if edge.kind == AFFILIATION else 0)
    kept = set(sorted(strength, key=lambda pk: -strength[pk])[: MAX_NODES - 1])
    kept.add(graph.focus.pk)
    graph.edges = {
        key: edge
        for key, edge in graph.edges.items()
        if edge.source.pk in kept and edge.target.pk in kept
    }


def graph_data(graph: Graph, link=None) -> dict:
    """The graph as plain data; ``link(type, pk)``, when given, adds a ``url`` to each item."""

    def linked(item: dict, kind: str, pk: int) -> dict:
        return {**item, "url": link(kind, pk)} if link else item

    nodes = [
        linked(
            {
                "slug": a.slug,
                "name": a.name,
                "kind": a.kind,
                "kind_label": str(a.get_kind_display()),
                "focus": a.pk == graph.focus.pk,
            },
            "actor",
            a.pk,
        )
        for a in graph.nodes()
    ]
    edges = [
        {
            "kind": edge.kind,
            "source": edge.source.slug,
            "target": edge.target.slug,
            "labels": sorted(edge.labels),
            "weight": edge.weight,
            "disputed": edge.disputed,
            "sources": [
                linked({"slug": a.slug, "title": a.title}, "article", a.pk)
                for a in sorted(edge.articles.values(), key=lambda a: a.slug)
            ],
            "records": [
                linked({k: v for k, v in r.items() if k != "id"}, r["type"], r["id"])
                for r in edge.records.values()
            ],
        }
        for edge in sorted(graph.edges.values(), key=_edge_order)
    ]
    return {"actor": graph.focus.slug, "nodes": nodes, "edges": edges}


def _edge_order(edge: Edge) -> tuple[str, str, str]:
    return (edge.kind, edge.source.slug, edge.target.slug)
