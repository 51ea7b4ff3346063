"""The desk doctor: rules that find editorial errors across the whole desk.

Each rule is one small function that runs one query over every record it checks
(a QuerySet with annotations, or SQL where the ORM cannot say it), never a loop
per record, so a million claims cost seconds. A rule has a code, a severity and a
summary; its findings name the records involved, so an editor can open them.

``diagnose()`` runs every rule over the desk; ``diagnose_article()`` runs the rules
that concern one article's records, for a pipeline to call on each new article.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from django.db import connection, models
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Right, StrIndex, Substr
from django.utils.translation import gettext_noop

from libya.desk.models import Actor, Affiliation, Article, Claim, ClaimLink, Event
from libya.desk.models.common import PeriodEnd

# Findings listed per rule; the total is always counted in full.
DEFAULT_LIMIT = 50
# How far on each side of a span the doctor looks for names its sentence holds.
SENTENCE_REACH = 150
# Longest alias, in words, looked for in a gloss.
MAX_ALIAS_WORDS = 4
# Editorial remarks that do not belong in a gloss, which only renders the text.
# A heuristic, so its findings are warnings.
EDITORIAL_REMARK = (
    r"\m(no other sources?|other sources?|the same article|this article|the article|"
    r"contradict\w*|unverified|not verified|in fact|actually|wrongly|mistaken\w*|"
    r"erroneous\w*|i\.e\.|cf\.|sic|note:)|\(the "
)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Message(str):
    """A finding's message in English, for the command and scripts, which keeps its template
    and values so that the admin can show it in the editor's language."""

    template: str
    values: dict

    def __new__(cls, template: str, **values) -> "Message":
        message = super().__new__(cls, template.format(**values))
        message.template, message.values = template, values
        return message


@dataclass(frozen=True)
class Record:
    """A record a finding names: its model (``desk.claim``), primary key and label."""

    model: str
    pk: int
    label: str


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    records: tuple[Record, ...]


@dataclass(frozen=True)
class Scope:
    """What to check: the whole desk, or the records of one article."""

    article_id: int | None = None


# A check returns how many findings it has, and the first `limit` as (message, records).
Check = Callable[[Scope, int], tuple[int, list[tuple[str, list[Record]]]]]


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    summary: str
    check: Check
    # Rules about the desk as a whole (actors, affiliations) say nothing of one article.
    per_article: bool = True

    def run(self, scope: Scope, limit: int) -> "RuleResult":
        total, described = self.check(scope, limit)
        found = [
            Finding(self.code, self.severity, message, tuple(records))
            for message, records in described
        ]
        return RuleResult(self, total, found)


@dataclass
class RuleResult:
    rule: Rule
    total: int
    findings: list[Finding]


@dataclass
class Report:
    results: list[RuleResult] = field(default_factory=list)

    def count(self, severity: Severity) -> int:
        return sum(r.total for r in self.results if r.rule.severity == severity)

    @property
    def errors(self) -> int:
        return self.count(Severity.ERROR)

    @property
    def warnings(self) -> int:
        return self.count(Severity.WARNING)

    def as_dict(self) -> dict:
        return {
            "errors": self.errors,
            "warnings": self.warnings,
            "rules": [
                {
                    "code": r.rule.code,
                    "severity": r.rule.severity.value,
                    "summary": r.rule.summary,
                    "total": r.total,
                    "findings": [
                        {
                            "message": f.message,
                            "records": [
                                {"model": x.model, "pk": x.pk, "label": x.label} for x in f.records
                            ],
                        }
                        for f in r.findings
                    ],
                }
                for r in self.results
            ],
        }


RULES: list[Rule] = []


def rule(code: str, severity: Severity, summary: str, *, per_article: bool = True):
    """Register a check under a code; the check returns (total, the first findings)."""

    def register(check: Check) -> Check:
        RULES.append(Rule(code, severity, summary, check, per_article))
        return check

    return register


def diagnose(scope: Scope | None = None, limit: int = DEFAULT_LIMIT) -> Report:
    """Run every rule (in an article's scope, only those that concern articles)."""
    scope = scope or Scope()
    report = Report()
    for registered in RULES:
        if scope.article_id is not None and not registered.per_article:
            continue
        report.results.append(registered.run(scope, limit))
    return report


def diagnose_article(article: Article, limit: int = DEFAULT_LIMIT) -> Report:
    """The findings about one article's claims, links, events and title."""
    return diagnose(Scope(article_id=article.pk), limit)


# Shared pieces -------------------------------------------------------------------------


def take(rows: models.QuerySet, limit: int) -> tuple[int, list[dict]]:
    """The first `limit` rows and the count of all of them, in one query."""
    if limit == 0:
        return rows.count(), []
    rows = list(rows.annotate(doctor_total=Window(Count("*")))[:limit])
    return (rows[0]["doctor_total"] if rows else 0), rows


def take_sql_named(sql: str, params: dict, limit: int) -> tuple[int, list[dict]]:
    """`take` for SQL with named parameters: a ``count(*) OVER ()`` column and a LIMIT."""
    with connection.cursor() as cursor:
        if limit == 0:
            cursor.execute(f"SELECT count(*) FROM ({sql}) AS q", params)
            return cursor.fetchone()[0], []
        cursor.execute(
            "SELECT q.*, count(*) OVER () AS doctor_total "
            f"FROM ({sql}) AS q LIMIT %(doctor_limit)s",
            {**params, "doctor_limit": limit},
        )
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return (rows[0]["doctor_total"] if rows else 0), rows


def in_article(rows: models.QuerySet, scope: Scope, *paths: str) -> models.QuerySet:
    """Rows whose article (through any of `paths`) is the scope's article."""
    if scope.article_id is None:
        return rows
    matches = Q()
    for path in paths:
        matches |= Q(**{path: scope.article_id})
    return rows.filter(matches)


def claim_record(row: dict, prefix: str = "") -> Record:
    text = row[f"{prefix}text"]
    short = text if len(text) <= 60 else f"{text[:59]}…"
    return Record("desk.claim", row[f"{prefix}id"], f"{row[f'{prefix}article__source']}: «{short}»")


CLAIM_COLUMNS = ("id", "text", "article__source")
LINK_COLUMNS = (
    "id",
    "relation",
    *(f"claim__{c}" for c in CLAIM_COLUMNS),
    *(f"other__{c}" for c in CLAIM_COLUMNS),
)


def link_records(row: dict) -> list[Record]:
    label = f"{row['claim__id']} {row['relation']} {row['other__id']}"
    return [
        Record("desk.claimlink", row["id"], label),
        claim_record(row, "claim__"),
        claim_record(row, "other__"),
    ]


def _after(day, until) -> bool:
    return day is not None and until is not None and day > until


# Links and dates ----------------------------------------------------------------------


@rule(
    "link-outruns-article",
    Severity.ERROR,
    gettext_noop("A linked claim concerns an event after the other claim's article was published."),
)
def links_outrunning_articles(scope: Scope, limit: int):
    links = ClaimLink.objects.filter(
        Q(claim__event__start_date__gt=F("other__article__published_until"))
        | Q(other__event__start_date__gt=F("claim__article__published_until"))
    )
    links = in_article(links, scope, "claim__article", "other__article")
    total, rows = take(
        links.order_by("id").values(
            *LINK_COLUMNS,
            "claim__event__start_date",
            "other__event__start_date",
            "claim__article__published_until",
            "other__article__published_until",
        ),
        limit,
    )

    def describe(row: dict) -> tuple[str, list[Record]]:
        side, other = "claim", "other"
        if not _after(row["claim__event__start_date"], row["other__article__published_until"]):
            side, other = other, side
        claim_id, day = row[f"{side}__id"], row[f"{side}__event__start_date"]
        source, until = row[f"{other}__article__source"], row[f"{other}__article__published_until"]
        return (
            Message(
                gettext_noop(
                    "Claim #{claim_id} concerns an event of {day}, after {source} was published "
                    "(by {until}): that article could not have known it, so the '{relation}' "
                    "link cannot hold."
                ),
                claim_id=claim_id,
                day=day,
                source=source,
                until=until,
                relation=row["relation"],
            ),
            link_records(row),
        )

    return total, [describe(row) for row in rows]


@rule(
    "link-same-article",
    Severity.ERROR,
    gettext_noop("A claim corroborates a claim of its own article: an article restating itself."),
)
def links_within_an_article(scope: Scope, limit: int):
    links = ClaimLink.objects.filter(
        relation=ClaimLink.Relation.CORROBORATES, claim__article=F("other__article")
    )
    links = in_article(links, scope, "claim__article")
    total, rows = take(links.order_by("id").values(*LINK_COLUMNS), limit)
    return total, [
        (
            Message(
                gettext_noop(
                    "Claims #{claim__id} and #{other__id} are both from "
                    "{claim__article__source}: an article does not corroborate itself."
                ),
                **row,
            ),
            link_records(row),
        )
        for row in rows
    ]


@rule(
    "claim-after-publication",
    Severity.ERROR,
    gettext_noop("A claim is dated after the last day its article can have been published."),
)
def claims_after_publication(scope: Scope, limit: int):
    claims = in_article(
        Claim.objects.filter(said_on__gt=F("article__published_until")), scope, "article"
    )
    total, rows = take(
        claims.order_by("id").values(*CLAIM_COLUMNS, "said_on", "article__published_until"),
        limit,
    )
    return total, [
        (
            Message(
                gettext_noop(
                    "Claim #{id} is dated {said_on}, after {article__source} was "
                    "published (by {article__published_until})."
                ),
                **row,
            ),
            [claim_record(row)],
        )
        for row in rows
    ]


def _claims_with_event(scope: Scope) -> models.QuerySet:
    claims = Claim.objects.filter(event__isnull=False, said_on__isnull=False)
    return in_article(claims, scope, "article").annotate(
        said_until=PeriodEnd("said_on", "said_precision")
    )


def _claim_event_describe(template: str):
    def describe(row: dict) -> tuple[str, list[Record]]:
        return (
            Message(template, **row),
            [claim_record(row), Record("desk.event", row["event_id"], row["event__slug"])],
        )

    return describe


CLAIM_EVENT_COLUMNS = (
    *CLAIM_COLUMNS,
    "said_on",
    "said_until",
    "event_id",
    "event__slug",
    "event__start_date",
    "event__period_end",
)


@rule(
    "claim-before-event",
    Severity.ERROR,
    gettext_noop("A claim is said before the event it is linked to begins."),
)
def claims_before_their_event(scope: Scope, limit: int):
    claims = _claims_with_event(scope).filter(said_until__lt=F("event__start_date"))
    total, rows = take(claims.order_by("id").values(*CLAIM_EVENT_COLUMNS), limit)
    describe = _claim_event_describe(
        gettext_noop(
            "Claim #{id} was said by {said_until}, before event {event__slug} began "
            "({event__start_date})."
        )
    )
    return total, [describe(row) for row in rows]


@rule(
    "speech-after-event",
    Severity.WARNING,
    gettext_noop(
        "A speaker's claim is said after the window of the event it is linked to: "
        "is the event its occasion, or only its subject?"
    ),
)
def speech_after_its_event(scope: Scope, limit: int):
    claims = _claims_with_event(scope).filter(
        speaker__isnull=False,
        kind__in=[Claim.Kind.DIRECT_QUOTE, Claim.Kind.REPORTED_SPEECH],
        said_on__gt=F("event__period_end"),
    )
    total, rows = take(claims.order_by("id").values(*CLAIM_EVENT_COLUMNS), limit)
    describe = _claim_event_describe(
        gettext_noop(
            "Claim #{id} was said on {said_on}, after event {event__slug} "
            "({event__start_date} to {event__period_end})."
        )
    )
    return total, [describe(row) for row in rows]


EVENT_PARENT_COLUMNS = (
    "id",
    "slug",
    "start_date",
    "period_end",
    "parent_id",
    "parent__slug",
    "parent__start_date",
    "parent__period_end",
)


def _event_parent_describe(template: str):
    def describe(row: dict) -> tuple[str, list[Record]]:
        return (
            Message(template, **row),
            [
                Record("desk.event", row["id"], row["slug"]),
                Record("desk.event", row["parent_id"], row["parent__slug"]),
            ],
        )

    return describe


def _children(scope: Scope) -> models.QuerySet:
    return in_article(
        Event.objects.filter(parent__isnull=False, start_date__isnull=False),
        scope,
        "articles",
    )


DISJOINT_FROM_PARENT = Q(period_end__lt=F("parent__start_date")) | Q(
    start_date__gt=F("parent__period_end")
)


@rule(
    "child-outside-parent",
    Severity.ERROR,
    gettext_noop("An event's window does not meet its parent's window at all."),
)
def children_outside_parents(scope: Scope, limit: int):
    events = _children(scope).filter(DISJOINT_FROM_PARENT)
    total, rows = take(events.order_by("id").values(*EVENT_PARENT_COLUMNS), limit)
    describe = _event_parent_describe(
        gettext_noop(
            "Event {slug} ({start_date} to {period_end}) is outside its parent {parent__slug} "
            "({parent__start_date} to {parent__period_end})."
        )
    )
    return total, [describe(row) for row in rows]


@rule(
    "child-beyond-parent",
    Severity.WARNING,
    gettext_noop("An event's window runs past its parent's (a child event is part of its parent)."),
)
def children_beyond_parents(scope: Scope, limit: int):
    events = (
        _children(scope)
        .exclude(DISJOINT_FROM_PARENT)
        .filter(
            Q(start_date__lt=F("parent__start_date")) | Q(period_end__gt=F("parent__period_end"))
        )
    )
    total, rows = take(events.order_by("id").values(*EVENT_PARENT_COLUMNS), limit)
    describe = _event_parent_describe(
        gettext_noop(
            "Event {slug} ({start_date} to {period_end}) runs past its parent {parent__slug} "
            "({parent__start_date} to {parent__period_end})."
        )
    )
    return total, [describe(row) for row in rows]


# Spans and wording --------------------------------------------------------------------

WORD_CHARACTER = r"^[[:alnum:]]$"


@rule(
    "span-splits-word",
    Severity.ERROR,
    gettext_noop("A span starts or ends inside a word."),
)
def spans_splitting_words(scope: Scope, limit: int):
    # The recorded context (prefix, suffix) holds the characters on each side, so the
    # body (thousands of characters, walked to the offset) is read only for a claim
    # written without Claim.anchor(). SQL positions start at 1: the character before
    # the span is at span_start, the one after it at span_end + 1.
    claims = in_article(Claim.objects.all(), scope, "article").annotate(
        before=Case(
            When(span_start=0, then=Value("")),
            When(~Q(prefix=""), then=Right("prefix", 1)),
            default=Substr("article__body", F("span_start"), 1),
        ),
        first=Substr("text", 1, 1),
        last=Right("text", 1),
        after=Case(
            When(~Q(suffix=""), then=Substr("suffix", 1, 1)),
            default=Substr("article__body", F("span_end") + 1, 1),
        ),
    )
    claims = claims.filter(
        Q(before__regex=WORD_CHARACTER, first__regex=WORD_CHARACTER)
        | Q(last__regex=WORD_CHARACTER, after__regex=WORD_CHARACTER)
    )
    total, rows = take(
        claims.order_by("id").values(*CLAIM_COLUMNS, "span_start", "span_end", "before", "after"),
        limit,
    )
    return total, [
        (
            Message(
                gettext_noop(
                    "Claim #{id}'s span {span_start}-{span_end} cuts a word: "
                    "{before}[{start}…{end}]{after}"
                ),
                **row,
                start=row["text"][:12],
                end=row["text"][-12:],
            ),
            [claim_record(row)],
        )
        for row in rows
    ]


# The rest of the span's sentence on each side, within SENTENCE_REACH characters; the
# names in it that the span leaves out, among its subjects and the actors its gloss names
# (found as runs of up to MAX_ALIAS_WORDS words, through the alias index). Direct quotes
# are left out: their span is the words between the guillemets, never the names around.
SPAN_LEAVES_OUT_NAME = """
-- Folded once per gloss: inlined, desk_fold would run again for every word run.
WITH glosses AS MATERIALIZED (
    SELECT id, string_to_array(desk_fold(gloss_en), ' ') AS w FROM desk_claim
    WHERE gloss_en <> ''
),
candidates AS (
    SELECT cs.claim_id, cs.actor_id FROM desk_claim_subjects cs
    UNION
    SELECT g.id, al.actor_id FROM glosses g
    JOIN desk_alias al ON al.folded = ANY(ARRAY(
        SELECT array_to_string(g.w[i:i + n - 1], ' ')
        FROM generate_series(1, cardinality(g.w)) AS i, generate_series(1, %(words)s) AS n
        WHERE i + n - 1 <= cardinality(g.w)
    ))
),
-- Only actors the article mentions can be named next to the span: the mentions (kept
-- from the aliases at import) spare reading the body of every other claim.
mentioned AS (
    SELECT k.claim_id, k.actor_id FROM candidates k
    JOIN desk_claim c ON c.id = k.claim_id
    JOIN desk_article_mentioned_actors m
        ON m.article_id = c.article_id AND m.actor_id = k.actor_id
    -- Reported speech names its speaker outside the span ("..., selon Lavrov").
    WHERE c.kind <> 'direct_quote' AND k.actor_id IS DISTINCT FROM c.speaker_id {scope}
),
spans AS (
    SELECT c.id, c.text, a.source,
        ' ' || desk_fold(c.text) || ' ' AS folded_text,
        ' ' || desk_fold(
            regexp_replace(
                substr(a.body, greatest(1, c.span_start - %(reach)s + 1),
                    least(c.span_start, %(reach)s)),
                '^.*([.!?][[:space:]]|\n)', '')
            || ' ' ||
            regexp_replace(
                substr(a.body, c.span_end + 1, %(reach)s), '([.!?][[:space:]]|\n).*$', '')
        ) || ' ' AS folded_sentence
    FROM desk_claim c JOIN desk_article a ON a.id = c.article_id
    WHERE c.id IN (SELECT claim_id FROM mentioned)
)
SELECT s.id, s.text, s.source AS article__source, k.actor_id, ac.slug AS actor_slug
FROM mentioned k
JOIN spans s ON s.id = k.claim_id
JOIN desk_actor ac ON ac.id = k.actor_id
WHERE EXISTS (
    SELECT 1 FROM desk_alias al WHERE al.actor_id = k.actor_id
    AND s.folded_sentence LIKE '%% ' || al.folded || ' %%'
) AND NOT EXISTS (
    SELECT 1 FROM desk_alias al WHERE al.actor_id = k.actor_id
    AND s.folded_text LIKE '%% ' || al.folded || ' %%'
)
ORDER BY s.id, ac.slug
"""


@rule(
    "span-leaves-out-name",
    Severity.WARNING,
    gettext_noop(
        "A span's sentence names an actor that its subjects or gloss include, but the span "
        "leaves the name out."
    ),
)
def spans_leaving_out_names(scope: Scope, limit: int):
    params = {"reach": SENTENCE_REACH, "words": MAX_ALIAS_WORDS, "article": scope.article_id}
    where = "" if scope.article_id is None else "AND c.article_id = %(article)s"
    sql = SPAN_LEAVES_OUT_NAME.format(scope=where)
    total, rows = take_sql_named(sql, params, limit)
    return total, [
        (
            Message(
                gettext_noop(
                    "Claim #{id}'s span leaves out {actor_slug}, named next to it in the same "
                    "sentence: extend the span, or drop the actor from subjects and gloss."
                ),
                **row,
            ),
            [claim_record(row), Record("desk.actor", row["actor_id"], row["actor_slug"])],
        )
        for row in rows
    ]


@rule(
    "gloss-editorial",
    Severity.WARNING,
    gettext_noop("A gloss holds an editorial remark, which belongs in the claim's note."),
)
def glosses_with_remarks(scope: Scope, limit: int):
    claims = in_article(Claim.objects.filter(gloss_en__iregex=EDITORIAL_REMARK), scope, "article")
    total, rows = take(claims.order_by("id").values(*CLAIM_COLUMNS, "gloss_en"), limit)
    return total, [
        (
            Message(gettext_noop("Claim #{id}'s gloss reads as a remark: «{gloss_en}»"), **row),
            [claim_record(row)],
        )
        for row in rows
    ]


# Statuses -----------------------------------------------------------------------------

REVIEWED = [Claim.Status.VERIFIED, Claim.Status.DISPUTED, Claim.Status.RETRACTED]


@rule(
    "status-unsigned",
    Severity.ERROR,
    gettext_noop(
        "A reviewed claim (verified, disputed, retracted) does not say who reviewed it and when."
    ),
)
def unsigned_reviews(scope: Scope, limit: int):
    claims = Claim.objects.filter(status__in=REVIEWED).filter(
        Q(status_changed_by__isnull=True) | Q(status_changed_at__isnull=True)
    )
    claims = in_article(claims, scope, "article")
    total, rows = take(claims.order_by("id").values(*CLAIM_COLUMNS, "status"), limit)
    return total, [
        (
            Message(gettext_noop("Claim #{id} is {status} without who and when."), **row),
            [claim_record(row)],
        )
        for row in rows
    ]


@rule(
    "contradicted-unreviewed",
    Severity.ERROR,
    gettext_noop("An unreviewed claim is contradicted by a claim of its own article."),
)
def unreviewed_self_contradictions(scope: Scope, limit: int):
    contradicts = ClaimLink.objects.filter(relation=ClaimLink.Relation.CONTRADICTS)
    claims = Claim.objects.filter(status=Claim.Status.UNREVIEWED).filter(
        Exists(contradicts.filter(claim=OuterRef("pk"), other__article=OuterRef("article")))
        | Exists(contradicts.filter(other=OuterRef("pk"), claim__article=OuterRef("article")))
    )
    claims = in_article(claims, scope, "article")
    total, rows = take(claims.order_by("id").values(*CLAIM_COLUMNS), limit)
    return total, [
        (
            Message(
                gettext_noop(
                    "Claim #{id} is contradicted by its own article ({article__source}) "
                    "and still unreviewed: mark it verified or disputed, with a note."
                ),
                **row,
            ),
            [claim_record(row)],
        )
        for row in rows
    ]


# Coverage -----------------------------------------------------------------------------


def _events(scope: Scope) -> models.QuerySet:
    return in_article(Event.objects.all(), scope, "articles")


def _event_findings(rows: list[dict], message: str):
    return [
        (Message(message, **row), [Record("desk.event", row["id"], row["slug"])]) for row in rows
    ]


@rule(
    "event-without-article",
    Severity.ERROR,
    gettext_noop("An event is reported by no article."),
)
def events_without_articles(scope: Scope, limit: int):
    reports = Event.articles.through.objects.filter(event=OuterRef("pk"))
    events = _events(scope).filter(~Exists(reports))
    total, rows = take(events.order_by("id").values("id", "slug"), limit)
    return total, _event_findings(rows, gettext_noop("Event {slug} is reported by no article."))


@rule(
    "event-without-claim",
    Severity.WARNING,
    gettext_noop("An event is backed by no claim."),
)
def events_without_claims(scope: Scope, limit: int):
    events = _events(scope).filter(~Exists(Claim.objects.filter(event=OuterRef("pk"))))
    total, rows = take(events.order_by("id").values("id", "slug"), limit)
    return total, _event_findings(rows, gettext_noop("No claim backs event {slug}."))


@rule(
    "actor-unnamed",
    Severity.WARNING,
    gettext_noop(
        "An actor is named by no kept text: no article mentions it, and it neither publishes, "
        "is credited by nor owns an outlet that publishes one."
    ),
    per_article=False,
)
def unnamed_actors(scope: Scope, limit: int):
    mentions = Article.mentioned_actors.through.objects.filter(actor=OuterRef("pk"))
    articles = Article.objects.all()
    actors = Actor.objects.filter(
        ~Exists(mentions),
        ~Exists(articles.filter(publisher=OuterRef("pk"))),
        ~Exists(articles.filter(agency=OuterRef("pk"))),
        # An outlet's operator (RT's ANO TV-Novosti) is provenance, not a mention.
        ~Exists(articles.filter(publisher__owner=OuterRef("pk"))),
    )
    total, rows = take(actors.order_by("id").values("id", "slug"), limit)
    return total, [
        (
            Message(
                gettext_noop(
                    "Actor {slug} is named by no kept text: keep it only if an article names it."
                ),
                **row,
            ),
            [Record("desk.actor", row["id"], row["slug"])],
        )
        for row in rows
    ]


@rule(
    "affiliation-before-target",
    Severity.WARNING,
    gettext_noop(
        "An affiliation starts before the first day the desk knows its target existed (the "
        "start of the target's own earliest dated tie)."
    ),
    per_article=False,
)
def affiliations_before_targets(scope: Scope, limit: int):
    # The desk records no founding dates: an actor's own earliest dated tie (the GNA
    # governing Libya from a given day) is the first day it is known to exist.
    target_since = (
        Affiliation.objects.filter(actor=OuterRef("target"), start_date__isnull=False)
        .order_by()
        .values("actor")
        .annotate(since=Min("start_date"))
        .values("since")
    )
    ties = Affiliation.objects.annotate(target_since=Subquery(target_since)).filter(
        start_date__lt=F("target_since")
    )
    total, rows = take(
        ties.order_by("id").values(
            "id", "kind", "actor__slug", "target_id", "target__slug", "start_date", "target_since"
        ),
        limit,
    )
    return total, [
        (
            Message(
                gettext_noop(
                    "{actor__slug} {kind} {target__slug} from {start_date}, "
                    "but {target__slug} is not known before {target_since}."
                ),
                **row,
            ),
            [
                Record(
                    "desk.affiliation",
                    row["id"],
                    f"{row['actor__slug']} {row['kind']} {row['target__slug']}",
                ),
                Record("desk.actor", row["target_id"], row["target__slug"]),
            ],
        )
        for row in rows
    ]


# Articles -----------------------------------------------------------------------------


@rule(
    "title-in-body",
    Severity.ERROR,
    gettext_noop(
        "An article's title occurs word for word in its own body: a headline left in the text, "
        "or a standfirst taken for the title."
    ),
)
def titles_in_bodies(scope: Scope, limit: int):
    articles = Article.objects.annotate(at=StrIndex("body", "title")).filter(at__gt=0)
    if scope.article_id is not None:
        articles = articles.filter(pk=scope.article_id)
    total, rows = take(articles.order_by("id").values("id", "source", "title", "at"), limit)
    return total, [
        (
            Message(
                gettext_noop("The title of {source} is in its body at character {at}."),
                source=row["source"],
                at=row["at"] - 1,
            ),
            [Record("desk.article", row["id"], row["source"])],
        )
        for row in rows
    ]
