"""``manage.py suggest`` on a text it has never seen: quotes, speakers, new names, dates."""

import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from libya.desk.extraction import EXTRACTOR_NAME, EXTRACTOR_VERSION, ActorRef, Proposal
from libya.desk.models import Actor, Alias, Claim

UNSEEN = """Réuni hier à Ankara, le conseil de sécurité turc a examiné la situation en Libye. \
« Nous n'enverrons pas de troupes sans mandat du Parlement », a déclaré lundi le \
vice-président turc Fuat Oktay.

Le ministre russe des Affaires étrangères, Serguei Lavrof, a affirmé hier que Moscou restait \
en contact avec toutes les parties.

Khalifa Haftar a quitté Moscou sans signer. « Il a besoin de temps », a expliqué son \
porte-parole, Ahmed al-Mismari.
"""


@pytest.fixture
def suggestions(french, db, tmp_path, capsys):
    path = tmp_path / "article.txt"
    path.write_text(UNSEEN, encoding="utf-8")
    counts = (Actor.objects.count(), Alias.objects.count(), Claim.objects.count())
    call_command("suggest", str(path), "--published", "2020-01-15", "--format", "json")
    assert (Actor.objects.count(), Alias.objects.count(), Claim.objects.count()) == counts
    return json.loads(capsys.readouterr().out)


def _one(items, **wanted):
    found = [i for i in items if all(i.get(k) == v for k, v in wanted.items())]
    assert len(found) == 1, (wanted, items)
    return found[0]


def test_every_item_is_a_span_of_the_text(suggestions):
    assert suggestions["messages"] == []
    assert suggestions["suggestions"]
    for item in suggestions["suggestions"]:
        assert UNSEEN[item["start"] : item["end"]] == item["text"]
        assert 0 <= item["confidence"] <= 1


def test_quote_with_a_new_speaker_said_on_monday(suggestions):
    quote = _one(
        suggestions["suggestions"],
        kind="direct_quote",
        text="Nous n'enverrons pas de troupes sans mandat du Parlement",
    )
    assert quote["speaker"] == {"slug": None, "name": "Fuat Oktay"}
    assert (quote["said_on"], quote["said_precision"]) == ("2020-01-13", "day")


def test_reported_speech_by_a_known_actor_under_a_new_spelling_said_yesterday(suggestions):
    report = _one(suggestions["suggestions"], kind="reported_speech")
    assert report["text"].startswith("Le ministre russe des Affaires étrangères, Serguei Lavrof")
    assert report["speaker"] == {"slug": "sergei-lavrov", "name": "Sergueï Lavrov"}
    assert (report["said_on"], report["said_precision"]) == ("2020-01-14", "day")
    alias = _one(suggestions["suggestions"], kind="alias", text="Serguei Lavrof")
    assert alias["actor"] == {"slug": "sergei-lavrov", "name": "Sergueï Lavrov"}


def test_new_people_are_proposed_once_each(suggestions):
    actors = [i for i in suggestions["suggestions"] if i["kind"] == "actor"]
    names = {(i["name"], i["actor_kind"]) for i in actors}
    assert {("Fuat Oktay", "person"), ("Ahmed al-Mismari", "person")} <= names
    assert len(actors) == len(names)


def test_spokesman_named_in_apposition_speaks(suggestions):
    quote = _one(suggestions["suggestions"], kind="direct_quote", text="Il a besoin de temps")
    assert quote["speaker"] == {"slug": None, "name": "Ahmed al-Mismari"}


def test_bad_date_is_a_command_error(tmp_path, db):
    path = tmp_path / "article.txt"
    path.write_text(UNSEEN, encoding="utf-8")
    with pytest.raises(CommandError, match="YYYY, YYYY-MM or YYYY-MM-DD"):
        call_command("suggest", str(path), "--published", "15/01/2020")


def test_missing_file_is_a_command_error(tmp_path, db):
    with pytest.raises(CommandError, match="No such file"):
        call_command("suggest", str(tmp_path / "absent.txt"))


def test_interface_names_and_json_shape():
    assert (EXTRACTOR_NAME, EXTRACTOR_VERSION) == ("desk-extractor", "2")
    quote = Proposal(
        "direct_quote",
        3,
        9,
        "trêve",
        0.8,
        speaker=ActorRef(None, "Fuat Oktay"),
        said_on=date(2020, 1, 13),
        said_precision="day",
    )
    assert quote.as_json() == {
        "kind": "direct_quote",
        "start": 3,
        "end": 9,
        "text": "trêve",
        "confidence": 0.8,
        "speaker": {"slug": None, "name": "Fuat Oktay"},
        "said_on": "2020-01-13",
        "said_precision": "day",
    }
    actor = Proposal("actor", 0, 10, "Fuat Oktay", 0.6, name="Fuat Oktay", actor_kind="person")
    assert actor.as_json()["actor_kind"] == "person"
    assert "speaker" not in actor.as_json()
