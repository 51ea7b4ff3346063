"""Dates in French news prose, resolved against the publication date.

dateparser and its kin read one expression at a time and know nothing of a
publication date at month precision; finding the expressions in running text
and deciding what "lundi" means for a given article is done here.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from libya.desk.models import DatePrecision

MONTHS = {
    "janvier": 1,
    "février": 2,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "août": 8,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "décembre": 12,
    "decembre": 12,
}
WEEKDAYS = {
    "lundi": 0,
    "mardi": 1,
    "mercredi": 2,
    "jeudi": 3,
    "vendredi": 4,
    "samedi": 5,
    "dimanche": 6,
}
RELATIVE_DAYS = {"avant-hier": -2, "hier": -1, "aujourd'hui": 0, "aujourd’hui": 0, "la veille": -1}
_WEEKDAY = "|".join(WEEKDAYS)
_MONTH = "|".join(MONTHS)
DAY_MONTH = re.compile(
    rf"\b(?:(?P<weekday>{_WEEKDAY})\s+)?(?P<day>1er|[0-3]?\d)\s+(?P<month>{_MONTH})"
    rf"(?:\s+(?P<year>(?:19|20)\d\d))?\b",
    re.IGNORECASE,
)
MONTH_YEAR = re.compile(rf"\b(?:en\s+)?(?P<month>{_MONTH})\s+(?P<year>(?:19|20)\d\d)\b", re.I)
WEEKDAY = re.compile(
    rf"\b(?P<weekday>{_WEEKDAY})(?:\s+(?:matin|midi|après-midi|soir))?(?P<last>\s+dernier)?\b", re.I
)
RELATIVE = re.compile(r"\b(avant-hier|hier|aujourd['’]hui)\b|\bla veille\b", re.I)
# "ce 14 janvier", "ce lundi 13 janvier 2020": the writer's own day.
OWN_DAY = re.compile(rf"\b(?:ce|aujourd['’]hui,?)\s+(?:(?:{_WEEKDAY})\s+)?(?=\d)", re.I)


@dataclass(frozen=True)
class FoundDate:
    start: int
    end: int
    on: date
    precision: str


def find_dates(text: str, published: date | None, precision: str, offset: int = 0) -> list:
    """Every date expression of ``text`` that can be resolved, in order of position."""
    found, taken = [], []
    for pattern, resolve in (
        (DAY_MONTH, _day_month),
        (MONTH_YEAR, _month_year),
        (RELATIVE, _relative),
        (WEEKDAY, _weekday),
    ):
        for match in pattern.finditer(text):
            if any(match.start() < e and s < match.end() for s, e in taken):
                continue
            taken.append((match.start(), match.end()))
            resolved = resolve(match, published, precision)
            if resolved is not None:
                on, how_precise = resolved
                found.append(
                    FoundDate(offset + match.start(), offset + match.end(), on, how_precise)
                )
    return sorted(found, key=lambda d: d.start)


def own_dates(text: str, published: date | None, precision: str) -> list[FoundDate]:
    """Dates the text gives as its own day ("ce 14 janvier")."""
    found = []
    for marker in OWN_DAY.finditer(text):
        match = DAY_MONTH.match(text, marker.end() - _weekday_length(text, marker))
        if match is None:
            continue
        resolved = _day_month(match, published, precision)
        if resolved is not None:
            found.append(FoundDate(marker.start(), match.end(), *resolved))
    return found


def _weekday_length(text: str, marker: re.Match) -> int:
    """Step back over a weekday the marker swallowed, so DAY_MONTH sees it."""
    words = text[marker.start() : marker.end()].split()
    return len(words[-1]) + 1 if words and words[-1].lower() in WEEKDAYS else 0


def _reference_year(published: date | None) -> int | None:
    return published.year if published else None


def _day_month(match: re.Match, published: date | None, precision: str):
    day = 1 if match["day"].lower() == "1er" else int(match["day"])
    month = MONTHS[match["month"].lower()]
    year = int(match["year"]) if match["year"] else _reference_year(published)
    if year is None:
        return None
    try:
        on = date(year, month, day)
    except ValueError:
        return None
    if not match["year"] and published and on > published + timedelta(days=31):
        # "le 28 décembre" in a January article is last year's.
        on = on.replace(year=year - 1)
    return on, DatePrecision.DAY


def _month_year(match: re.Match, published: date | None, precision: str):
    return date(int(match["year"]), MONTHS[match["month"].lower()], 1), DatePrecision.MONTH


def _relative(match: re.Match, published: date | None, precision: str):
    if published is None or precision != DatePrecision.DAY:
        return None
    shift = RELATIVE_DAYS[match.group(0).lower().replace("’", "'")]
    return published + timedelta(days=shift), DatePrecision.DAY


def _weekday(match: re.Match, published: date | None, precision: str):
    """The last such weekday on or before publication (before it, with "dernier")."""
    if published is None or precision != DatePrecision.DAY:
        return None
    back = (published.weekday() - WEEKDAYS[match["weekday"].lower()]) % 7
    if back == 0 and match["last"]:
        back = 7
    return published - timedelta(days=back), DatePrecision.DAY


YESTERDAY = re.compile(r"\b(?:avant-)?hier\b", re.I)
# "MOSCOU, 19 février (Reuters) -": a dateline opening a paragraph gives the writer's day.
DATELINE = re.compile(
    rf"^[^\W\d_][^\W\d_' -]{{0,40}},\s+(?:le\s+)?(?=(?:(?:{_WEEKDAY})\s+)?(?:1er|[0-3]?\d)\s)",
    re.IGNORECASE | re.MULTILINE,
)


def writers_day(
    body: str, sentences: list[tuple[int, int]], published: date | None, precision: str
) -> tuple[date | None, str]:
    """The day the text was written, which "hier" and "lundi" count from.

    The publication date, unless the text states its own day: a dateline, "ce
    19 février", or a sentence that dates one thing by a weekday and another by
    "hier" ("a tenu mercredi … après la suspension hier soir"): a writer does not
    call one day both, so the weekday is the writer's today, and a web edition
    posted the next day must not move "hier" with it.
    """
    stated = _datelines(body, published, precision) + own_dates(body, published, precision)
    if stated:
        latest = max(stated, key=lambda d: d.on)
        if published is None or precision != DatePrecision.DAY or latest.on <= published:
            # At month precision a day of that month is a gain, not a contradiction.
            return latest.on, latest.precision
    if published is None or precision != DatePrecision.DAY:
        return published, precision
    for start, end in sentences:
        sentence = body[start:end]
        if not YESTERDAY.search(sentence):
            continue
        for match in WEEKDAY.finditer(sentence):
            if match["last"]:
                continue
            on, _ = _weekday(match, published, precision)
            if on < published:
                return on, DatePrecision.DAY
    return published, precision


def _datelines(body: str, published: date | None, precision: str) -> list[FoundDate]:
    found = []
    for marker in DATELINE.finditer(body):
        match = DAY_MONTH.match(body, marker.end())
        resolved = match and _day_month(match, published, precision)
        if resolved:
            found.append(FoundDate(marker.start(), match.end(), *resolved))
    return found
