"""Import the documents under ``sources/`` as Articles, guided by ``sources/manifest.toml``.

A document is imported again only when its bytes change (SHA-256), so a second
run over unchanged files writes nothing and leaves the history untouched.
"""

import hashlib
import logging
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import BooleanField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length
from django.utils.text import slugify

from libya.desk import cleaning
from libya.desk.models import Actor, Alias, Article, Claim, DatePrecision
from libya.desk.models.claims import quote_starts
from libya.desk.models.common import FoldedText

logger = logging.getLogger(__name__)

MANIFEST = "manifest.toml"
SLUG_MAX_CHARS = 80
PRECISION_BY_LENGTH = {4: DatePrecision.YEAR, 7: DatePrecision.MONTH, 10: DatePrecision.DAY}
MAX_ALIAS_WORDS = 10
# The alias equals one of the runs of 1 to n consecutive words of the folded text.
FOLDED_IS_A_WORD_RUN = """desk_alias.folded = ANY(ARRAY(
    SELECT array_to_string(w[i:i + n - 1], ' ')
    FROM string_to_array(desk_fold(%s), ' ') AS w,
        generate_series(1, cardinality(w)) AS i,
        generate_series(1, %s) AS n
    WHERE i + n - 1 <= cardinality(w)
))"""


class SourceError(Exception):
    """A source document or its manifest entry cannot be imported."""


@dataclass(frozen=True)
class SourceMeta:
    """One document's manifest entry: what its text cannot say reliably."""

    source: str
    publisher: str = ""
    agency: str = ""
    title: str = ""
    published: str = ""
    url: str = ""


@dataclass
class ImportReport:
    """What an import did, document by document."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    stripped: dict[str, list[cleaning.Stripped]] = field(default_factory=dict)
    unanchored: dict[str, list[Claim]] = field(default_factory=dict)
    suggested: dict[str, int] = field(default_factory=dict)
    suggestions_failed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Manifest:
    outlets: dict[str, dict]
    documents: dict[str, SourceMeta]


def read_manifest(directory: Path) -> Manifest:
    """Parse ``manifest.toml``; every document listed must exist beside it."""
    path = directory / MANIFEST
    if not path.exists():
        raise SourceError(f"{path} is missing.")
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    fields = SourceMeta.__dataclass_fields__
    documents = {}
    for entry in data.get("document", []):
        meta = SourceMeta(**{k: v for k, v in entry.items() if k in fields})
        if not (directory / meta.source).exists():
            raise SourceError(f"{MANIFEST} lists {meta.source}, which is not in {directory}.")
        documents[meta.source] = meta
    return Manifest(outlets=data.get("outlets", {}), documents=documents)


def parse_published(value: str) -> tuple[date | None, str]:
    """``"2020-06"`` is June 2020: the first of the month, at month precision."""
    if not value:
        return None, DatePrecision.UNKNOWN
    precision = PRECISION_BY_LENGTH.get(len(value))
    if precision is None:
        raise SourceError(f"Date {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD.")
    padded = value + "-01" * ((10 - len(value)) // 3)
    try:
        return date.fromisoformat(padded), precision
    except ValueError as exc:
        raise SourceError(f"Date {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD.") from exc


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_sources(directory: Path | None = None, only: list[str] | None = None) -> ImportReport:
    """Create or update the Article of every manifest document (or of ``only`` those files)."""
    directory = Path(directory or settings.SOURCES_DIR)
    manifest = read_manifest(directory)
    unknown = set(only or ()) - set(manifest.documents)
    if unknown:
        raise SourceError(f"Not listed in {MANIFEST}: {', '.join(sorted(unknown))}.")
    report = ImportReport()
    for name, meta in sorted(manifest.documents.items()):
        if only and name not in only:
            continue
        before = Article.objects.filter(source=name).values_list("body", flat=True).first()
        outcome, document, lost = import_document(directory / name, meta, manifest.outlets)
        getattr(report, outcome).append(name)
        report.stripped[name] = document.stripped
        if lost:
            report.unanchored[name] = lost
        if document.body != before:
            _suggest(name, report)
    return report


def _suggest(source: str, report: ImportReport) -> None:
    """Suggestions for a new or changed body, after its import is saved: a failing
    extractor is logged and leaves the article as imported."""
    # Imported here: the extractor reads this module's alias rules, so a module-level
    # import would be circular whichever of the two is loaded first.
    from libya.desk import suggestions

    outcome = suggestions.suggest_quietly(Article.objects.get(source=source))
    if outcome is None:
        report.suggestions_failed.append(source)
    else:
        report.suggested[source] = outcome.created
        for message in outcome.messages:
            logger.info("%s: %s", source, message)


@transaction.atomic
def import_document(
    path: Path, meta: SourceMeta, outlets: dict[str, dict]
) -> tuple[str, cleaning.Document, list[Claim]]:
    """Import one file: ``"created"``, ``"updated"`` or ``"unchanged"``, its parse, lost claims.

    When the body changes, its claims are moved to where their text now is; the
    claims whose text is gone are returned for an editor to fix.
    """
    data = path.read_bytes()
    try:
        document = cleaning.parse(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path.name} is not UTF-8 text: {exc}") from exc
    digest = content_hash(data)
    article = Article.objects.filter(source=meta.source).first()
    if article and article.content_hash == digest:
        return "unchanged", document, []
    outcome = "updated" if article else "created"
    article = article or Article(source=meta.source)
    _fill(article, meta, document, digest, outlets)
    article.full_clean()
    article.save()
    link_mentions(article)
    return outcome, document, reanchor_claims(article)


def _fill(
    article: Article,
    meta: SourceMeta,
    document: cleaning.Document,
    digest: str,
    outlets: dict[str, dict],
) -> None:
    title = meta.title or document.title
    if not title:
        raise SourceError(f"{meta.source} has no headline: give it a title in {MANIFEST}.")
    article.title = title
    article.slug = article.slug or unique_slug(title, meta.source)
    article.body = document.body
    article.content_hash = digest
    article.url = meta.url
    # The scraper's own marker serves when the manifest is silent on the date.
    published = meta.published or document.date_hint
    article.published_on, article.published_precision = parse_published(published)
    article.publisher = outlet(meta.publisher, outlets)
    article.agency = outlet(meta.agency, outlets) or agency_from_text(document.agency_hint)


def reanchor_claims(article: Article) -> list[Claim]:
    """Move each claim's span to where its text now is in the body; return the claims lost."""
    lost = []
    for claim in article.claims.all():
        start = locate_text(article.body, claim.text, claim.prefix, claim.suffix)
        if start is None:
            lost.append(claim)
        elif start != claim.span_start:
            claim.span_start, claim.span_end = start, start + len(claim.text)
            claim.anchor()
            claim.save(update_fields=["span_start", "span_end", "prefix", "suffix"])
    return lost


def locate_text(body: str, text: str, prefix: str, suffix: str) -> int | None:
    """Where ``text`` occurs in ``body``; between several places, the one whose context fits best.

    This is W3C Web Annotation's TextQuoteSelector: the quote plus the characters
    around it find a span again after the text shifted.
    """
    starts = quote_starts(body, text)
    if not starts:
        return None

    def fit(start: int) -> int:
        before = _shared_start(body[:start][::-1], prefix[::-1])
        return before + _shared_start(body[start + len(text) :], suffix)

    return max(starts, key=fit)


def _shared_start(a: str, b: str) -> int:
    """How many leading characters two strings have in common."""
    pairs = zip(a, b, strict=False)  # the shorter string ends the comparison
    return next((i for i, (x, y) in enumerate(pairs) if x != y), min(len(a), len(b)))


def unique_slug(title: str, source: str) -> str:
    """A slug from the title, cut at a word; the source's id breaks a tie with another article."""
    slug = slugify(title)
    if len(slug) > SLUG_MAX_CHARS:
        slug = slug[:SLUG_MAX_CHARS].rsplit("-", 1)[0]
    if Article.objects.filter(slug=slug).exclude(source=source).exists():
        slug = f"{slug}-{slugify(Path(source).stem)}"
    return slug


def outlet(slug: str, outlets: dict[str, dict]) -> Actor | None:
    """The media actor for a manifest slug, created from its [outlets] entry when missing."""
    if not slug:
        return None
    if slug not in outlets:
        raise SourceError(f"Outlet {slug!r} is not described under [outlets] in {MANIFEST}.")
    entry = outlets[slug]
    actor, _ = Actor.objects.get_or_create(
        slug=slug,
        defaults={
            "name": entry["name"],
            "kind": Actor.Kind.MEDIA,
            "country": entry.get("country", ""),
        },
    )
    return actor


def agency_from_text(name: str) -> Actor | None:
    """The media actor an agency credit line names, if exactly one alias matches it."""
    if not name:
        return None
    folded = FoldedText(Value(name))
    actors = Actor.objects.filter(kind=Actor.Kind.MEDIA, aliases__folded=folded).distinct()
    return actors.first() if actors.count() == 1 else None


def link_mentions(article: Article) -> None:
    """Link the actors the article's title and body mention; added, never removed.

    Editors may have corrected the detected mentions, so a re-import only adds.
    Detection and insertion are one INSERT ... SELECT: the ids never travel to
    Python and back (a synthetic 2 KB article can name a hundred actors).
    """
    through = Article.mentioned_actors.through._meta
    article_column = through.get_field("article").column
    actor_column = through.get_field("actor").column
    sql = (
        f"INSERT INTO {through.db_table} ({article_column}, {actor_column}) "
        "SELECT DISTINCT %s, desk_alias.actor_id FROM desk_alias "
        f"WHERE length(desk_alias.folded) >= 2 AND {FOLDED_IS_A_WORD_RUN} "
        "ON CONFLICT DO NOTHING"
    )
    text = f"{article.title}\n{article.body}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [article.pk, text, MAX_ALIAS_WORDS])


def mentioned_actor_ids(text: str) -> set[int]:
    """Actors any of whose aliases occurs in the text as whole words, accents and case aside.

    Aliases longer than ``MAX_ALIAS_WORDS`` words are not looked for.
    """
    return set(aliases_in(text).values_list("actor_id", flat=True))


def aliases_in(text: str) -> "models.QuerySet[Alias]":
    """The aliases that occur in the text as whole words, accents and case aside."""
    # desk_fold turns punctuation into single spaces, so the folded text's runs of
    # consecutive words are exactly the whole-word phrases an alias can equal; each
    # run is then one probe of the alias_folded B-tree, however many aliases exist.
    in_text = RawSQL(FOLDED_IS_A_WORD_RUN, (text, MAX_ALIAS_WORDS), output_field=BooleanField())
    return Alias.objects.alias(size=Length("folded")).filter(in_text, size__gte=2).order_by()
