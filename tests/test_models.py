"""Model-level guarantees: constraints, generated columns, triggers and validation."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from libya.desk.models import Actor, Alias, Article, Claim, DatePrecision, Deletion, Event
from tests.factories import (
    ActorFactory,
    AliasFactory,
    ArticleFactory,
    ClaimFactory,
    EventFactory,
)

pytestmark = pytest.mark.django_db


def fold(text: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT desk_fold(%s)", [text])
        return cursor.fetchone()[0]


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Sergueï Choïgou", "serguei choigou"),
        ("Mevlüt Çavuşoğlu", "mevlut cavusoglu"),
        ("Shoigú", "shoigu"),
        ("l’Émirat  d'Œuvre", "l emirat d oeuvre"),  # noqa: RUF001
        ("al-Sarraj", "al sarraj"),
    ],
)
def test_fold_removes_accents_case_and_punctuation(raw, folded):
    assert fold(raw) == folded


def test_alias_folded_column_is_computed_by_the_database():
    alias = AliasFactory(name="Sergueï Choïgou")
    alias.refresh_from_db()

    assert alias.folded == "serguei choigou"


def test_alias_is_unique_per_actor():
    alias = AliasFactory(name="Haftar")

    with pytest.raises(IntegrityError), transaction.atomic():
        Alias.objects.create(actor=alias.actor, name="Haftar")


@pytest.mark.parametrize(
    ("published_on", "precision", "until"),
    [
        (date(2020, 6, 1), DatePrecision.MONTH, date(2020, 6, 30)),
        (date(2020, 2, 1), DatePrecision.MONTH, date(2020, 2, 29)),
        (date(2016, 1, 1), DatePrecision.YEAR, date(2016, 12, 31)),
        (date(2020, 1, 14), DatePrecision.DAY, date(2020, 1, 14)),
    ],
)
def test_publication_period_end_follows_precision(published_on, precision, until):
    article = ArticleFactory(published_on=published_on, published_precision=precision)
    article.refresh_from_db()

    assert article.published_until == until


def test_event_end_before_start_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        EventFactory(start_date=date(2020, 1, 13), end_date=date(2020, 1, 12))


def test_claim_span_must_be_ordered_in_the_database():
    claim = ClaimFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(span_end=claim.span_start)


def test_claim_clean_refuses_text_that_is_not_the_body_at_its_span():
    claim = ClaimFactory()
    claim.text = "Nous allons abandonner."

    with pytest.raises(ValidationError) as excinfo:
        claim.full_clean()

    assert excinfo.value.error_dict["text"][0].code == "span_mismatch"


def test_claim_clean_refuses_a_span_past_the_body():
    claim = ClaimFactory()
    claim.span_end = len(claim.article.body) + 5

    with pytest.raises(ValidationError) as excinfo:
        claim.full_clean()

    assert excinfo.value.error_dict["span_end"][0].code == "span_out_of_body"


def test_claim_anchor_keeps_the_context_around_the_quote():
    claim = ClaimFactory()
    claim.anchor()
    body = claim.article.body

    assert claim.prefix == body[: claim.span_start][-32:]
    assert claim.suffix == body[claim.span_end :][:32]


def test_direct_quote_without_speaker_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimFactory(speaker=None, kind=Claim.Kind.DIRECT_QUOTE)


def test_update_through_queryset_bumps_version_and_updated_at():
    actor = ActorFactory()
    before = Actor.objects.values("version", "updated_at").get(pk=actor.pk)

    Actor.objects.filter(pk=actor.pk).update(description="changé en masse")

    after = Actor.objects.values("version", "updated_at").get(pk=actor.pk)
    assert after["version"] == before["version"] + 1
    assert after["updated_at"] >= before["updated_at"]


def test_bulk_update_is_recorded_in_history():
    actor = ActorFactory(description="avant")

    Actor.objects.filter(pk=actor.pk).update(description="après")

    descriptions = list(actor.history.order_by("pgh_id").values_list("description", flat=True))
    assert descriptions == ["avant", "après"]


def test_deleting_a_record_leaves_a_deletion_row_for_mirrors():
    event = EventFactory(slug="pourparlers-supprimes")

    event.delete()

    deletion = Deletion.objects.get(resource="event", key="pourparlers-supprimes")
    assert deletion.merged_into == ""


def test_deleted_claim_is_listed_by_id():
    claim = ClaimFactory()
    claim_id = claim.pk

    claim.delete()

    assert Deletion.objects.filter(resource="claim", key=str(claim_id)).exists()


def test_article_search_vector_is_stemmed_french():
    article = ArticleFactory(title="Négociations à Moscou", body="Les délégations ont négocié.")

    assert Article.objects.search("négocier").filter(pk=article.pk).exists()


def test_natural_keys_round_trip():
    claim = ClaimFactory()

    assert Actor.objects.get_by_natural_key(*claim.speaker.natural_key()) == claim.speaker
    assert Article.objects.get_by_natural_key(*claim.article.natural_key()) == claim.article
    assert Claim.objects.get_by_natural_key(*claim.natural_key()) == claim
    event = EventFactory()
    assert Event.objects.get_by_natural_key(*event.natural_key()) == event


@pytest.mark.django_db
def test_actor_search_matches_what_the_trigram_operator_matches_word_by_word():
    """Each distinctive word is checked as a filter (word_similarity against the threshold),
    not as an index condition: the actors found are those of ``%>`` on every word."""
    from libya.desk.models.actors import _distinctive_words

    names = ["Zayd ben Bella", "Yusra ben Tavir", "Khalifa Haftar", "Fayez al-Sarraj", "Bela Kun"]
    for name in names:
        AliasFactory(actor=ActorFactory(name=name), name=name)
    terms = ["ben Bela", "Khalifa Hafter", "Fayez Saraj", "Sarraj", "Bela", "Haftar Kun"]
    for term in terms:
        words = _distinctive_words(term)
        every_word = " ".join("AND folded %%> desk_fold(%s)" for _ in words)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT actor_id FROM desk_alias WHERE folded LIKE "
                "'%%' || desk_fold(%s) || '%%' OR (folded %%> desk_fold(%s) " + every_word + ")",
                [term, term, *words],
            )
            expected = {actor_id for (actor_id,) in cursor.fetchall()}
        found = set(Actor.objects.search(term).values_list("pk", flat=True))
        assert found == expected, term
    found = set(Actor.objects.search("ben Bela").values_list("name", flat=True))
    assert "Zayd ben Bella" in found
    assert "Yusra ben Tavir" not in found


def test_actor_search_binds_the_term_then_its_longest_distinctive_word_then_the_others():
    from libya.desk.models.actors import search_values

    assert search_values("Hafter") == ["Hafter"]
    assert search_values("ben Bela") == ["ben Bela", "bela"]
    assert search_values("Khalifa Hafter") == ["Khalifa Hafter", "khalifa", "hafter"]
    assert search_values("Ali Ali Bela") == ["Ali Ali Bela", "bela", "ali"]
    assert search_values("-- ") == []
