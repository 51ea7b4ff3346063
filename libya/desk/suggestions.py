"""The extractor's suggestions: stored per article, kept anchored to its body, then accepted
(creating a Claim, Alias or Actor) or rejected by an editor.

Accepting a quote whose speaker the desk does not know creates that actor as well: the
editor has just confirmed who speaks, and a second trip through an "actor" suggestion
would only repeat it. An existing actor of exactly that name (any alias, accents and
case aside) is reused instead of creating a twin.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import pghistory
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Value
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from libya.desk import extraction, forms, ingest
from libya.desk.models import Actor, Alias, Article, Claim, DatePrecision, Event, Suggestion
from libya.desk.models.common import FoldedText

logger = logging.getLogger(__name__)

Kind = Suggestion.Kind
Status = Suggestion.Status
# A claim proposal overlapping an existing claim by this share of the shorter span is
# the same claim, found again (the full extractor's spans differ from editors' by a
# few characters: a final full stop, an opening word).
SAME_CLAIM_OVERLAP = 0.8
# Values an editor may change before accepting (the review screen's edit form).
EDITABLE = (
    "kind",
    "speaker",
    "speaker_name",
    "said_on",
    "said_precision",
    "event",
    "actor",
    "name",
    "actor_kind",
)


@dataclass
class SuggestReport:
    """What one run of the extractor over an article did to its suggestions."""

    created: int = 0
    reanchored: int = 0
    superseded: int = 0
    messages: list[str] = field(default_factory=list)


@transaction.atomic
def suggest_for_article(article: Article) -> SuggestReport:
    """Run the extractor on the article's body and store what it proposes that is new.

    Suggestions an editor already accepted or rejected are not proposed again, nor
    quotes already claimed; those whose text moved in a changed body follow it, and
    the proposed ones whose text is gone, or that the extractor no longer proposes,
    are superseded.
    """
    Article.objects.select_for_update().filter(pk=article.pk).first()  # one run at a time
    report = SuggestReport()
    standing = _reanchor(article, list(article.suggestions.current()), report)
    found = extraction.extract(article.body, article.published_on, article.published_precision)
    report.messages = list(found.messages)
    known = {s.key(): s for s in standing}
    claimed = list(article.claims.values_list("span_start", "span_end"))
    new, kept = {}, set()
    for candidate in _candidates(article, found.proposals, report):
        key = candidate.key()
        if key in known:
            kept.add(known[key].pk)
        elif not (candidate.is_claim and _already_claimed(candidate, claimed)):
            new.setdefault(key, candidate)
    Suggestion.objects.bulk_create(new.values())
    report.created = len(new)
    gone = [s.pk for s in standing if s.status == Status.PROPOSED and s.pk not in kept]
    report.superseded += Suggestion.objects.filter(pk__in=gone).update(status=Status.SUPERSEDED)
    return report


def suggest_quietly(article: Article) -> SuggestReport | None:
    """`suggest_for_article`, where a failure must not undo the caller's work (an import,
    a save): it is logged and rolled back alone, and None is returned."""
    try:
        return suggest_for_article(article)
    except Exception:
        # Deliberately broad: the extractor is a large NLP pipeline whose failures
        # cannot be listed, and the article itself must be kept whatever it raises.
        logger.exception("Suggestions failed for article %s (%s)", article.pk, article.source)
        return None


def suggest_for_article_id(article_id: int) -> SuggestReport | None:
    """The background task: suggestions for one article, if it still exists."""
    article = Article.objects.filter(pk=article_id).first()
    return suggest_quietly(article) if article is not None else None


def _reanchor(article: Article, suggestions: list[Suggestion], report: SuggestReport) -> list:
    """Move each suggestion to where its text now is; supersede the proposed ones whose
    text is gone (a decided one keeps its status: what it created has its own anchoring)."""
    standing, lost = [], []
    for suggestion in suggestions:
        suggestion.article = article
        if article.body[suggestion.span_start : suggestion.span_end] == suggestion.text:
            standing.append(suggestion)
            continue
        start = ingest.locate_text(
            article.body, suggestion.text, suggestion.prefix, suggestion.suffix
        )
        if start is None:
            if suggestion.status == Status.PROPOSED:
                lost.append(suggestion.pk)
            continue
        suggestion.span_start, suggestion.span_end = start, start + len(suggestion.text)
        suggestion.anchor()
        suggestion.save(update_fields=["span_start", "span_end", "prefix", "suffix"])
        report.reanchored += 1
        standing.append(suggestion)
    report.superseded += Suggestion.objects.filter(pk__in=lost).update(status=Status.SUPERSEDED)
    return standing


def _candidates(
    article: Article, proposals: Iterable[extraction.Proposal], report: SuggestReport
) -> list[Suggestion]:
    """Unsaved suggestions for the proposals that fit the body; a message for those that don't."""
    proposals = list(proposals)
    slugs = {ref.slug for p in proposals for ref in (p.speaker, p.actor) if ref and ref.slug}
    actors = dict(Actor.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    event_slugs = {p.event for p in proposals if p.event}
    events = dict(Event.objects.filter(slug__in=event_slugs).values_list("slug", "pk"))
    candidates = []
    for proposal in proposals:
        if proposal.kind not in Kind.values or not _fits(article.body, proposal):
            report.messages.append(
                _("Ignored a %(kind)s proposal at %(start)s-%(end)s: not the body's text there.")
                % {"kind": proposal.kind, "start": proposal.start, "end": proposal.end}
            )
            continue
        candidates.append(_suggestion(article, proposal, actors, events))
    return candidates


def _fits(body: str, proposal: extraction.Proposal) -> bool:
    return 0 <= proposal.start <= proposal.end and body[proposal.start : proposal.end] == (
        proposal.text
    )


def _suggestion(
    article: Article, proposal: extraction.Proposal, actors: dict, events: dict
) -> Suggestion:
    speaker, actor = proposal.speaker, proposal.actor
    suggestion = Suggestion(
        article=article,
        kind=proposal.kind,
        span_start=proposal.start,
        span_end=proposal.end,
        text=proposal.text,
        speaker_id=actors.get(speaker.slug) if speaker else None,
        speaker_name=(speaker.name if speaker else "")[:200],
        said_on=proposal.said_on,
        said_precision=_choice(proposal.said_precision, DatePrecision.values),
        event_id=events.get(proposal.event),
        actor_id=actors.get(actor.slug) if actor else None,
        name=(proposal.name or "")[:200],
        actor_kind=_choice(proposal.actor_kind, Actor.Kind.values),
        confidence=min(max(float(proposal.confidence), 0.0), 1.0),
        extractor=extraction.EXTRACTOR_NAME,
        extractor_version=extraction.EXTRACTOR_VERSION,
    )
    suggestion.anchor()
    return suggestion


def _choice(value: str | None, allowed: list[str]) -> str:
    return value if value in allowed else ""


def _already_claimed(candidate: Suggestion, claimed: list[tuple[int, int]]) -> bool:
    """Whether an existing claim of the article already covers this proposal's span."""
    for start, end in claimed:
        overlap = min(end, candidate.span_end) - max(start, candidate.span_start)
        shorter = min(end - start, candidate.span_end - candidate.span_start)
        if shorter > 0 and overlap >= SAME_CLAIM_OVERLAP * shorter:
            return True
    return False


# Decisions


@transaction.atomic
def accept_suggestion(
    suggestion: Suggestion,
    user: AbstractBaseUser,
    edits: dict | None = None,
    *,
    seen_version: int | None = None,
) -> Suggestion:
    """Create what the suggestion proposes (a Claim, an Alias, an Actor, the article's date
    or its event), with the editor's `edits` applied, and mark it accepted by `user`.

    Refused with a ValidationError, nothing written, when the suggestion changed since
    `seen_version` or was already decided, or when the record would not validate.
    """
    _lock_undecided(suggestion, seen_version)
    values = _values(suggestion, edits or {})
    with pghistory.context(user=user.pk):
        records = ACCEPT[suggestion.kind](suggestion, values, user)
        _decide(suggestion, Status.ACCEPTED, user, **records)
    return suggestion


@transaction.atomic
def reject_suggestion(
    suggestion: Suggestion, user: AbstractBaseUser, *, seen_version: int | None = None
) -> Suggestion:
    """Mark the suggestion rejected by `user`: it will not be proposed again."""
    _lock_undecided(suggestion, seen_version)
    with pghistory.context(user=user.pk):
        _decide(suggestion, Status.REJECTED, user)
    return suggestion


@transaction.atomic
def accept_all(
    article: Article, kind: str, user: AbstractBaseUser
) -> tuple[list[Suggestion], list[str]]:
    """Accept every proposed suggestion of one kind in the article, as proposed.

    Each one is accepted on its own: one that cannot be (a quote without a speaker)
    is left proposed, with a message saying why, and does not stop the others.
    """
    return accept_each(article.suggestions.proposed().filter(kind=kind).for_review(), user)


def accept_each(
    suggestions: Iterable[Suggestion], user: AbstractBaseUser
) -> tuple[list[Suggestion], list[str]]:
    """Accept each suggestion as proposed; the accepted ones, and why the others were not."""
    accepted, refused = [], []
    for suggestion in suggestions:
        try:
            accepted.append(accept_suggestion(suggestion, user))
        except ValidationError as exc:
            refused.append(f"« {suggestion.text[:50]} »: {' '.join(exc.messages)}")
    return accepted, refused


def _lock_undecided(suggestion: Suggestion, seen_version: int | None) -> None:
    """Lock the suggestion's row; refuse if it changed since it was shown, or was decided."""
    if seen_version is not None:
        error = forms.stale_error(suggestion, seen_version)
        if error is not None:
            raise error
    current = Suggestion.objects.select_for_update().filter(pk=suggestion.pk)
    status = current.values_list("status", flat=True).first()
    if status is None:
        raise ValidationError(_("This suggestion no longer exists."), code="deleted")
    if status != Status.PROPOSED:
        raise ValidationError(
            _("This suggestion was already %(status)s.") % {"status": Status(status).label},
            code="decided",
        )
    # What is accepted is the row as it is now (its span may have moved), not as it was read.
    suggestion.refresh_from_db()


def _values(suggestion: Suggestion, edits: dict) -> dict:
    unknown = set(edits) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Not editable on a suggestion: {', '.join(sorted(unknown))}")
    return {name: getattr(suggestion, name) for name in EDITABLE} | edits


def _decide(suggestion: Suggestion, status: str, user: AbstractBaseUser, **records) -> None:
    suggestion.status = status
    suggestion.decided_by = user
    suggestion.decided_at = timezone.now()
    for name, record in records.items():
        setattr(suggestion, name, record)
    suggestion.save(update_fields=["status", "decided_by", "decided_at", *records])
    suggestion.refresh_from_db(fields=["version"])


def _accept_claim(suggestion: Suggestion, values: dict, user: AbstractBaseUser) -> dict:
    speaker, created = values["speaker"], None
    if speaker is None and values["speaker_name"].strip():
        speaker, created = actor_named(
            values["speaker_name"].strip(), Actor.Kind.PERSON, suggestion.article, user
        )
    if values["kind"] == Kind.DIRECT_QUOTE and speaker is None:
        raise ValidationError(
            _("A direct quote needs its speaker: choose one, or type the name of someone new."),
            code="speaker_required",
        )
    said_on = values["said_on"]
    claim = Claim(
        article=suggestion.article,
        kind=values["kind"],
        text=suggestion.text,
        span_start=suggestion.span_start,
        span_end=suggestion.span_end,
        speaker=speaker,
        said_on=said_on,
        said_precision=values["said_precision"]
        or (DatePrecision.DAY if said_on else DatePrecision.UNKNOWN),
        event=values["event"],
    )
    claim.anchor()
    claim.full_clean()
    claim.save()
    return {"claim": claim, "created_actor": created}


def _accept_alias(suggestion: Suggestion, values: dict, user: AbstractBaseUser) -> dict:
    actor = values["actor"]
    if actor is None:
        raise ValidationError(_("Choose the actor this name belongs to."), code="actor_required")
    article = suggestion.article
    alias = Alias(actor=actor, name=values["name"] or suggestion.text, language=article.language)
    alias.full_clean()
    alias.save()
    article.mentioned_actors.add(actor)
    return {"alias": alias}


def _accept_actor(suggestion: Suggestion, values: dict, user: AbstractBaseUser) -> dict:
    name = (values["name"] or suggestion.text).strip()
    kind = values["actor_kind"] or Actor.Kind.PERSON
    actor, created = actor_named(name, kind, suggestion.article, user)
    suggestion.article.mentioned_actors.add(actor)
    return {"created_actor": created}


def _accept_date(suggestion: Suggestion, values: dict, user: AbstractBaseUser) -> dict:
    if values["said_on"] is None:
        raise ValidationError(_("Give the article's date."), code="date_required")
    article = Article.objects.select_for_update().get(pk=suggestion.article_id)
    article.published_on = values["said_on"]
    article.published_precision = values["said_precision"] or DatePrecision.DAY
    article.full_clean(validate_unique=False)
    article.save(update_fields=["published_on", "published_precision"])
    return {}


def _accept_event(suggestion: Suggestion, values: dict, user: AbstractBaseUser) -> dict:
    if values["event"] is None:
        raise ValidationError(_("Choose the event the article reports."), code="event_required")
    values["event"].articles.add(suggestion.article)
    return {}


ACCEPT = {
    Kind.DIRECT_QUOTE: _accept_claim,
    Kind.REPORTED_SPEECH: _accept_claim,
    Kind.ALIAS: _accept_alias,
    Kind.ACTOR: _accept_actor,
    Kind.DATE: _accept_date,
    Kind.EVENT: _accept_event,
}


def actor_named(
    name: str, kind: str, article: Article, user: AbstractBaseUser
) -> tuple[Actor, Actor | None]:
    """The actor going by exactly this name, or a new one; (actor, the actor if created).

    A new actor gets its name as an alias, so that later articles find it, and the
    article's pending "actor" suggestions of that name are accepted with it.
    """
    folded = FoldedText(Value(name))
    same = Actor.objects.filter(Q(aliases__folded=folded) | Q(name__iexact=name)).distinct()
    found = list(same[:2])
    if len(found) == 1:
        return found[0], None
    actor = Actor(name=name, slug=_free_slug(name), kind=kind)
    actor.full_clean()
    actor.save()
    Alias.objects.create(actor=actor, name=name, language=article.language)
    named = article.suggestions.proposed().filter(kind=Kind.ACTOR)
    named.alias(folded_name=FoldedText("name")).filter(folded_name=folded).update(
        status=Status.ACCEPTED, decided_by=user, decided_at=timezone.now(), created_actor=actor
    )
    return actor, actor


def _free_slug(name: str) -> str:
    base = slugify(name)[:190] or "acteur"
    taken = set(Actor.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug
