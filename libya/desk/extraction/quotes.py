"""Quotation marks: which stretches of the body are quoted.

No library pairs French quotation marks (« … » with their inner ‹ … › or “ … ”,
straight quotes that open and close with the same character, marks left open by
a careless paste), so a small scanner does it here.
"""

import re
from dataclasses import dataclass

PAIRS = {"«": "»", "“": "”", "‹": "›", '"': '"', "„": "“"}
# A quotation never runs over a paragraph break in the press texts we read; a mark
# with no partner before one is left alone rather than swallowing the rest of the body.
PARAGRAPH = re.compile(r"\n\s*\n")
MAX_QUOTE_CHARS = 3000


@dataclass(frozen=True)
class Quote:
    """The inside of one outermost quotation: ``start``/``end`` exclude marks and spaces."""

    start: int
    end: int
    open_at: int
    close_at: int


def find_quotes(body: str) -> tuple[list[Quote], list[int]]:
    """Outermost quotations, and the offsets of opening marks that are never closed."""
    quotes, unclosed = [], []
    for paragraph in _paragraphs(body):
        found, lost = _scan(body, *paragraph)
        quotes += found
        unclosed += lost
    return quotes, unclosed


def _paragraphs(body: str) -> list[tuple[int, int]]:
    bounds, at = [], 0
    for gap in PARAGRAPH.finditer(body):
        bounds.append((at, gap.start()))
        at = gap.end()
    bounds.append((at, len(body)))
    return bounds


def _scan(body: str, start: int, end: int) -> tuple[list[Quote], list[int]]:
    quotes, unclosed, stack = [], [], []
    for at in range(start, end):
        char = body[at]
        partner = _open_partner(body, stack, char)
        if partner is not None:
            # Marks opened inside and never closed are dropped with their opener's pair.
            unclosed += stack[partner + 1 :]
            opened = stack[partner]
            del stack[partner:]
            if not stack:
                quotes.append(_inside(body, opened, at))
        elif char in PAIRS and not (char == '"' and _closes_nothing(body, at)):
            stack.append(at)
    unclosed += stack
    return [q for q in quotes if q.end > q.start and q.end - q.start <= MAX_QUOTE_CHARS], unclosed


def _open_partner(body: str, stack: list[int], char: str) -> int | None:
    """The index in ``stack`` of the innermost open mark that ``char`` closes, if any."""
    for index in range(len(stack) - 1, -1, -1):
        if PAIRS[body[stack[index]]] == char:
            return index
    return None


def _closes_nothing(body: str, at: int) -> bool:
    """An inch or foot mark (12") is not a quotation mark."""
    return at > 0 and body[at - 1].isdigit()


def _inside(body: str, opened: int, closed: int) -> Quote:
    start, end = opened + 1, closed
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    return Quote(start=start, end=end, open_at=opened, close_at=closed)
