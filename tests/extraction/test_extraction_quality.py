"""The quality thresholds of issue 11, measured on the curated corpus and on our own texts."""

import json
from pathlib import Path

import pytest

from libya.desk.extraction import evaluation

OWN_TEXTS = Path(__file__).resolve().parent.parent / "data" / "extraction"
CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus.json"


@pytest.fixture(scope="module")
def corpus_totals(django_db_setup, django_db_blocker, french):
    with django_db_blocker.unblock():
        return evaluation.totals(evaluation.evaluate(evaluation.corpus_cases()))


@pytest.fixture(scope="module")
def own_totals(django_db_setup, django_db_blocker, french):
    with django_db_blocker.unblock():
        return evaluation.totals(evaluation.evaluate(evaluation.own_cases(OWN_TEXTS)))


def threshold_cases() -> list:
    return sorted(evaluation.THRESHOLDS.items())


@pytest.mark.parametrize(("measure", "threshold"), threshold_cases())
def test_corpus_meets_threshold(corpus_totals, measure, threshold):
    tally = corpus_totals[measure]
    assert tally.total > 0, f"nothing to score for {measure}"
    assert tally.rate >= threshold, f"{measure}: {tally.rate:.3f} < {threshold}; {tally.misses}"


def test_corpus_gold_is_the_whole_corpus(corpus_totals):
    """Every curated quotation and mention is scored, counted from the fixture itself."""
    records = json.loads(CORPUS.read_text(encoding="utf-8"))
    quotes = [r for r in records if r["model"] == "desk.claim"]
    quotes = [r for r in quotes if r["fields"]["kind"] == "direct_quote"]
    mentions = [
        actor
        for r in records
        if r["model"] == "desk.article"
        for actor in r["fields"]["mentioned_actors"]
    ]
    assert (len(quotes), len(mentions)) == (11, 81)  # the corrected corpus (issue 14)
    assert corpus_totals["quote_recall"].total == len(quotes)
    assert corpus_totals["mention_recall"].total == len(mentions)


def test_own_texts_are_six_or_more_with_gold():
    texts = sorted(OWN_TEXTS.glob("*.txt"))
    assert len(texts) >= 6
    assert all(text.with_suffix(".json").exists() for text in texts)


@pytest.mark.parametrize(
    "measure", ["quote_recall", "quote_precision", "mention_recall", "mention_precision"]
)
def test_own_texts_hold_the_quote_and_mention_thresholds(own_totals, measure):
    """Rules that only fit the five sources would fail on texts they were not written for."""
    tally = own_totals[measure]
    assert tally.total > 0
    assert tally.rate >= evaluation.THRESHOLDS[measure], tally.misses
