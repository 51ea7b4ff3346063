"""The quality thresholds of issue 11, measured on the curated corpus and on our own texts."""

from pathlib import Path

import pytest

from libya.desk.extraction import evaluation

OWN_TEXTS = Path(__file__).resolve().parent.parent / "data" / "extraction"


@pytest.fixture(scope="module")
def corpus_totals(django_db_setup, django_db_blocker, french):
    with django_db_blocker.unblock():
        return evaluation.totals(evaluation.evaluate(evaluation.corpus_cases()))


@pytest.fixture(scope="module")
def own_totals(django_db_setup, django_db_blocker, french):
    with django_db_blocker.unblock():
        return evaluation.totals(evaluation.evaluate(evaluation.own_cases(OWN_TEXTS)))


@pytest.mark.parametrize(("measure", "threshold"), sorted(evaluation.THRESHOLDS.items()))
def test_corpus_meets_threshold(corpus_totals, measure, threshold):
    tally = corpus_totals[measure]
    assert tally.total > 0, f"nothing to score for {measure}"
    assert tally.rate >= threshold, f"{measure}: {tally.rate:.3f} < {threshold}; {tally.misses}"


def test_corpus_gold_is_the_whole_corpus(corpus_totals):
    """Every curated quotation and mention is scored: 11 quotes, 80 mentions."""
    assert corpus_totals["quote_recall"].total == 11
    assert corpus_totals["mention_recall"].total == 80


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
