"""Is this French? A cheap check before a French parser reads it.

A language-identification model would be one more download for one question
that the share of French function words and of Latin letters answers well enough
for news text.
"""

import re

FRENCH_WORDS = {
    "le",
    "la",
    "les",
    "de",
    "des",
    "du",
    "et",
    "un",
    "une",
    "que",
    "qui",
    "en",
    "dans",
    "est",
    "pour",
    "sur",
    "au",
    "aux",
    "pas",
    "par",
    "avec",
    "il",
    "elle",
    "a",
    "ont",
}
ENGLISH_WORDS = {
    "the",
    "and",
    "of",
    "to",
    "is",
    "in",
    "that",
    "for",
    "with",
    "on",
    "was",
    "by",
    "has",
}
WORD = re.compile(r"[^\W\d_]+")
LATIN = re.compile(r"[A-Za-zÀ-ÿ]")
MIN_FRENCH_SHARE = 0.12


def not_french(text: str) -> str | None:
    """Why the text does not look French, or None if it does."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "body has no words"
    latin = sum(1 for c in letters if LATIN.match(c))
    if latin / len(letters) < 0.5:
        return "text does not look French (mostly non-Latin script)"
    tokens = [w.lower() for w in WORD.findall(text[:20000])]
    french = sum(1 for w in tokens if w in FRENCH_WORDS)
    english = sum(1 for w in tokens if w in ENGLISH_WORDS)
    if french < MIN_FRENCH_SHARE * len(tokens) or english > french:
        return "text does not look French"
    return None
