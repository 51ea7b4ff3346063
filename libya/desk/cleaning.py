"""Boilerplate rules: turn a scraped page's text into a title, a body and a list of what was cut.

Each rule is a small function over the document's paragraphs (its non-empty
lines) that returns the paragraphs it keeps and the ones it strips, so that an
editor can see exactly what was removed and why. The rules are written for any
French news site, not for the five seed documents: they look at the shape and
wording of a line, never at a site name.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

# Below this many words a line is a label, a button or a heading, not prose.
SHORT_LINE_WORDS = 4
# A line over this many characters, or ending like a sentence, is not a headline.
HEADLINE_MAX_CHARS = 200
SENTENCE_END = (".", "!", "?", ":", ";")

DATE_MARKER = re.compile(r"^\s*date\s+(?P<date>\d{4}(?:-\d{2}(?:-\d{2})?)?)\s+")
COOKIE_WORDS = re.compile(
    r"cookies?\b|traceurs?\b|tout accepter|tout refuser|param[ée]trer vos choix"
    r"|g[ée]rer (mes|vos) choix|politique de confidentialit[ée]|vous consentez",
    re.IGNORECASE,
)
FOLLOW_US = re.compile(
    r"^suivez\b.{0,60}?\bsur\s*(telegram|x|twitter|facebook|instagram|youtube|whatsapp"
    r"|tiktok|linkedin|vk|google\s+news)\b",
    re.IGNORECASE,
)
READ_ALSO = re.compile(r"^(?:[àa]\s+)?(?:lire|voir)\s+(?:aussi|[ée]galement)\b", re.IGNORECASE)
PHOTO_CREDIT = re.compile(
    r"©|^(?:photo|cr[ée]dits?(?:\s+photo)?|photo d'illustration)\s*[/:]", re.IGNORECASE
)
SEARCH_BOX = re.compile(r"^(?:rechercher|recherche|search)(?:\s+sur le site)?\s*:?$", re.I)
COMMENT_COUNTER = re.compile(r"^(?:\d+\s+)?(?:commentaires?|r[ée]actions?)\s*(?:\(\d+\))?$", re.I)
BACK_TO_TOP = re.compile(
    r"^(?:retour en haut(?: de (?:la )?page)?|haut de (?:la )?page|back to top)\W*$", re.I
)
AGENCY_CREDIT = re.compile(
    r"^\(\s*(?:sources?|avec)\s*:?\s*(?P<paren>[^()]{2,40}?)\s*\)$"
    r"|^sources?\s*:\s*(?P<bare>[^()]{2,40})$",
    re.IGNORECASE,
)
# Hyphen, en dash, >, single and double right guillemets, bar, slash, between spaces.
BREADCRUMB_SEPARATOR = re.compile("\\s[-\u2013>\u203a\u00bb|/]\\s")
ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)$")
# A truncated teaser must share at least this much text with the paragraph it repeats.
TEASER_MIN_CHARS = 40


@dataclass(frozen=True)
class Stripped:
    """One piece of text a rule removed, kept for the editor to review."""

    rule: str
    text: str


@dataclass
class Document:
    """A source document split into its parts by the cleaning rules."""

    title: str
    paragraphs: list[str]
    stripped: list[Stripped] = field(default_factory=list)
    date_hint: str = ""
    agency_hint: str = ""

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


Rule = Callable[[list[str]], tuple[list[str], list[Stripped]]]


def parse(text: str) -> Document:
    """Split a document into title, cleaned body paragraphs and what was stripped, with hints."""
    date_hint, text = take_date_marker(text)
    stripped = [Stripped("date_marker", date_hint)] if date_hint else []
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    for rule in RULES:
        paragraphs, removed = rule(paragraphs)
        stripped.extend(removed)
    title, paragraphs, removed = take_title(paragraphs)
    stripped.extend(removed)
    return Document(
        title=title,
        paragraphs=paragraphs,
        stripped=stripped,
        date_hint=date_hint,
        agency_hint=agency_named(stripped),
    )


def take_date_marker(text: str) -> tuple[str, str]:
    """A leading ``date 2020-01`` marker left by the scraper: return its date and the rest."""
    match = DATE_MARKER.match(text)
    if not match:
        return "", text
    return match["date"], text[match.end() :]


def _drop_lines(rule: str, predicate: Callable[[str], bool]) -> Rule:
    """A rule that strips every paragraph the predicate recognises, wherever it is."""

    def apply(paragraphs: list[str]) -> tuple[list[str], list[Stripped]]:
        kept, removed = [], []
        for paragraph in paragraphs:
            if predicate(paragraph):
                removed.append(Stripped(rule, paragraph))
            else:
                kept.append(paragraph)
        return kept, removed

    apply.__name__ = f"strip_{rule}"
    return apply


def is_search_box(line: str) -> bool:
    return bool(SEARCH_BOX.match(line))


def is_follow_us(line: str) -> bool:
    return len(line.split()) <= 15 and bool(FOLLOW_US.match(line))


def is_read_also(line: str) -> bool:
    return bool(READ_ALSO.match(line))


def is_comment_counter(line: str) -> bool:
    return bool(COMMENT_COUNTER.match(line))


def is_back_to_top(line: str) -> bool:
    return bool(BACK_TO_TOP.match(line))


def is_agency_credit(line: str) -> bool:
    return bool(AGENCY_CREDIT.match(line))


def agency_named(stripped: list[Stripped]) -> str:
    """The agency named by the first agency credit line stripped, if any."""
    for item in stripped:
        if item.rule == "agency_credit":
            match = AGENCY_CREDIT.match(item.text)
            return (match["paren"] or match["bare"]).strip()
    return ""


def strip_photo_credits(paragraphs: list[str]) -> tuple[list[str], list[Stripped]]:
    """Credit lines (``©``, ``PHOTO/``), and the caption line that follows a ``©`` credit."""
    kept: list[str] = []
    stripped: list[Stripped] = []
    caption_next = False
    for line in paragraphs:
        if PHOTO_CREDIT.search(line):
            stripped.append(Stripped("photo_credit", line))
            # A credit that closes its own caption sentence has no caption below it.
            caption_next = "©" in line and not _ends_sentence(line.split("©", 1)[0])
        elif caption_next and len(line.split()) <= 50 and not is_follow_us(line):
            stripped.append(Stripped("photo_caption", line))
            caption_next = False
        else:
            kept.append(line)
            caption_next = False
    return kept, stripped


def _ends_sentence(text: str) -> bool:
    return text.rstrip().endswith(SENTENCE_END)


# Words one of which every cookie banner line holds: a cheap test before the regex,
# whose alternatives under IGNORECASE were half the cost of cleaning a 2 KB article.
COOKIE_CLUES = ("cookie", "traceur", "tout accepter", "tout refuser", "vos choix", "mes choix")
COOKIE_CLUES += ("confidentialit", "consentez")


def is_cookie_text(line: str) -> bool:
    lowered = line.lower()
    if not any(clue in lowered for clue in COOKIE_CLUES):
        return False
    return bool(COOKIE_WORDS.search(line))


def strip_cookie_banners(paragraphs: list[str]) -> tuple[list[str], list[Stripped]]:
    """Consent banners, and the short button lines ("OK") caught between or after them."""
    cookie = [is_cookie_text(p) for p in paragraphs]
    for i, line in enumerate(paragraphs):
        before = i > 0 and cookie[i - 1]
        after = i + 1 == len(paragraphs) or cookie[i + 1]
        if not cookie[i] and len(line.split()) <= 2 and before and after:
            cookie[i] = True
    kept = [p for p, c in zip(paragraphs, cookie, strict=True) if not c]
    return kept, [
        Stripped("cookie_banner", p) for p, c in zip(paragraphs, cookie, strict=True) if c
    ]


def _is_prose(line: str) -> bool:
    return len(line.split()) >= 25


def is_breadcrumb(line: str) -> bool:
    words = len(line.split())
    if words > 8 or line.endswith(SENTENCE_END):
        return False
    return words <= 2 or bool(BREADCRUMB_SEPARATOR.search(line))


def strip_breadcrumbs(paragraphs: list[str]) -> tuple[list[str], list[Stripped]]:
    """Section paths and navigation labels above the headline ("Monde - Libye")."""
    first_prose = next((i for i, p in enumerate(paragraphs) if _is_prose(p)), len(paragraphs))
    # The last line before the prose is the headline, whatever it looks like.
    lead = paragraphs[: max(first_prose - 1, 0)]
    crumbs = [p for p in lead if is_breadcrumb(p)]
    kept = [p for i, p in enumerate(paragraphs) if i >= len(lead) or not is_breadcrumb(p)]
    return kept, [Stripped("breadcrumb", p) for p in crumbs]


def strip_repeats(paragraphs: list[str]) -> tuple[list[str], list[Stripped]]:
    """Paragraphs printed twice, and truncated teasers ("…") of a paragraph printed in full."""
    kept: list[str] = []
    stripped: list[Stripped] = []
    for i, line in enumerate(paragraphs):
        others = paragraphs[:i] + paragraphs[i + 1 :]
        if line in paragraphs[:i]:
            stripped.append(Stripped("repeated_paragraph", line))
        elif is_teaser_of(line, others):
            stripped.append(Stripped("teaser", line))
        else:
            kept.append(line)
    return kept, stripped


def is_teaser_of(line: str, others: list[str]) -> bool:
    """A line cut short with an ellipsis whose text starts another paragraph, or sits in one."""
    if not ELLIPSIS.search(line):
        return False
    head = ELLIPSIS.sub("", line)
    return len(head) >= TEASER_MIN_CHARS and any(head in other for other in others)


def strip_trailing_taglines(paragraphs: list[str]) -> tuple[list[str], list[Stripped]]:
    """Short unpunctuated lines after the last real paragraph (site slogans, signatures)."""
    end = len(paragraphs)
    while end > 1 and _is_tagline(paragraphs[end - 1]):
        end -= 1
    return paragraphs[:end], [Stripped("tagline", p) for p in paragraphs[end:]]


def _is_tagline(line: str) -> bool:
    return len(line.split()) <= SHORT_LINE_WORDS and not line.endswith((*SENTENCE_END, "»", '"'))


def take_title(paragraphs: list[str]) -> tuple[str, list[str], list[Stripped]]:
    """The first line if it reads as a headline, plus any later copy of it; else no title."""
    if not paragraphs or not _is_headline(paragraphs[0]):
        return "", paragraphs, []
    title, rest = paragraphs[0], paragraphs[1:]
    copies = [Stripped("repeated_title", p) for p in rest if p == title]
    return title, [p for p in rest if p != title], copies


def _is_headline(line: str) -> bool:
    return len(line) <= HEADLINE_MAX_CHARS and not line.endswith(SENTENCE_END)


# Order matters: line-level rules first, then the rules that look at position
# (breadcrumbs above the headline, taglines at the end) once the noise is gone.
RULES: list[Rule] = [
    _drop_lines("search_box", is_search_box),
    _drop_lines("follow_us", is_follow_us),
    _drop_lines("read_also", is_read_also),
    _drop_lines("comment_counter", is_comment_counter),
    _drop_lines("back_to_top", is_back_to_top),
    _drop_lines("agency_credit", is_agency_credit),
    strip_photo_credits,
    strip_cookie_banners,
    strip_breadcrumbs,
    strip_repeats,
    strip_trailing_taglines,
]
