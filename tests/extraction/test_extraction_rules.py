"""Rules that need no model: quotation marks, dates against a publication date."""

from datetime import date

import pytest

from libya.desk.extraction import dates, quotes

WEDNESDAY = date(2020, 1, 15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hier", date(2020, 1, 14)),
        ("avant-hier", date(2020, 1, 13)),
        ("la veille", date(2020, 1, 14)),
        ("lundi", date(2020, 1, 13)),
        ("mardi matin", date(2020, 1, 14)),
        ("mercredi", date(2020, 1, 15)),
        ("mercredi dernier", date(2020, 1, 8)),
        ("dimanche 12 janvier", date(2020, 1, 12)),
        ("le 28 décembre", date(2019, 12, 28)),
        ("le 1er février 2020", date(2020, 2, 1)),
    ],
)
def test_relative_and_explicit_days(text, expected):
    found = dates.find_dates(text, WEDNESDAY, "day")
    assert [(d.on, d.precision) for d in found] == [(expected, "day")]


def test_weekday_needs_a_publication_day():
    assert dates.find_dates("lundi", date(2020, 1, 1), "month") == []
    assert dates.find_dates("hier", None, "day") == []


def test_month_and_year():
    found = dates.find_dates("en septembre 2016", None, "unknown")
    assert [(d.on, d.precision) for d in found] == [(date(2016, 9, 1), "month")]


def test_own_day():
    found = dates.own_dates("a fait savoir ce 14 janvier à l'agence", WEDNESDAY, "day")
    assert [d.on for d in found] == [date(2020, 1, 14)]


THURSDAY = date(2020, 2, 20)


def _whole(text):
    return [(0, len(text))]


def test_a_weekday_beside_hier_is_the_writers_day():
    """Posted on Thursday, written on Wednesday: "hier" is Tuesday."""
    text = "Il a tenu mercredi des consultations après la suspension hier soir des pourparlers."
    assert dates.writers_day(text, _whole(text), THURSDAY, "day") == (date(2020, 2, 19), "day")


def test_a_weekday_alone_leaves_the_publication_day():
    for text in ("Il a tenu mercredi des consultations.", "Il a parlé jeudi, après hier soir."):
        assert dates.writers_day(text, _whole(text), THURSDAY, "day") == (THURSDAY, "day")


def test_a_dateline_or_ce_gives_the_writers_day_even_at_month_precision():
    for text in ("MOSCOU, 19 février (Reuters) - Le maréchal", "Il a dit ce mercredi 19 février"):
        found = dates.writers_day(text, _whole(text), date(2020, 2, 1), "month")
        assert found == (date(2020, 2, 19), "day")


def test_a_stated_day_after_publication_is_not_the_writers_day():
    text = "Le sommet aura lieu ce 25 février à Berlin."
    assert dates.writers_day(text, _whole(text), THURSDAY, "day") == (THURSDAY, "day")


def test_quotes_of_every_kind():
    body = 'Il a dit « oui », puis "non", “peut-être” et ‹ jamais ›.'
    found, unclosed = quotes.find_quotes(body)
    assert [body[q.start : q.end] for q in found] == ["oui", "non", "peut-être", "jamais"]
    assert unclosed == []


def test_a_quote_never_crosses_a_paragraph():
    body = "« Début sans fin\n\nAutre paragraphe » ici."
    found, unclosed = quotes.find_quotes(body)
    assert found == []
    assert unclosed == [0]


def test_inch_marks_are_not_quotes():
    found, unclosed = quotes.find_quotes('Un écran de 15" et un autre.')
    assert (found, unclosed) == ([], [])


def _named(extraction):
    return {m.actor.slug for m in extraction.mentions}


def test_a_nationality_word_in_a_state_organs_name_names_the_state(extract):
    found = extract("Des membres des forces spéciales françaises coopèrent avec lui.")
    assert {"french-special-forces", "france"} <= _named(found)


def test_a_nationality_word_in_a_factions_name_does_not(extract):
    found = extract("Le porte-parole de l'Armée nationale libyenne a parlé aux journalistes.")
    assert "lna" in _named(found)
    assert "libya" not in _named(found)


def test_hier_counts_from_the_day_the_text_was_written(extract):
    """Posted on Thursday 20 February, written on Wednesday 19: "hier" is the 18th."""
    body = (
        "Le maréchal Khalifa Haftar a tenu mercredi à Moscou des consultations, à la suite "
        "de la suspension hier soir des négociations. « La trêve doit tenir », a déclaré le "
        "ministère russe de la Défense. « Le port est une cible », a dit hier le porte-parole "
        "Ahmed al-Mismari."
    )
    found = extract(body, THURSDAY, "day")
    said = {p.text: p.said_on for p in found.proposals if p.kind == "direct_quote"}
    assert said == {
        "La trêve doit tenir": date(2020, 2, 19),
        "Le port est une cible": date(2020, 2, 18),
    }


def test_a_speakers_next_statement_follows_the_story_to_its_new_day(extract):
    """Lavrov spoke on the 13th; once the text says the story is "ce 14 janvier", his
    undated « a ajouté » belongs to the 14th, not to his previous statement's day."""
    body = (
        "Sergueï Lavrov s'est félicité le 13 janvier d'un « certain progrès » à Moscou.\n"
        "Le ministère russe a fait savoir ce 14 janvier que Khalifa Haftar était parti.\n"
        "Le ministre Sergueï Lavrov a ajouté : « Nous allons poursuivre nos efforts. »"
    )
    found = extract(body, date(2020, 1, 14), "day")
    said = {p.text: p.said_on for p in found.proposals if p.kind == "direct_quote"}
    assert said == {
        "certain progrès": date(2020, 1, 13),
        "Nous allons poursuivre nos efforts.": date(2020, 1, 14),
    }


def test_a_statement_told_in_the_pluperfect_keeps_the_speakers_earlier_day(extract):
    """ "Auparavant, il avait demandé …": told after "ce 14 janvier", but of the 13th."""
    body = (
        "Sergueï Lavrov s'est félicité le 13 janvier d'un « certain progrès » à Moscou.\n"
        "Le ministère russe a fait savoir ce 14 janvier que Khalifa Haftar était parti. "
        "Auparavant, Sergueï Lavrov avait jugé « encourageant » le dialogue."
    )
    found = extract(body, date(2020, 1, 14), "day")
    said = {p.text: p.said_on for p in found.proposals if p.kind == "direct_quote"}
    assert said["encourageant"] == date(2020, 1, 13)
