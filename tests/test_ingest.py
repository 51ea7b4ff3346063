"""Importing sources/: articles from documents, idempotently, with mentions detected."""

import hashlib
import shutil
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from libya.desk import ingest
from libya.desk.models import Actor, Article, ArticleHistory, Claim, DatePrecision
from tests.factories import AliasFactory

SOURCES = Path(__file__).resolve().parent.parent / "sources"
DOCUMENTS = sorted(path.name for path in SOURCES.glob("*.txt"))


@pytest.fixture
def copied_sources(tmp_path) -> Path:
    """sources/ under new file names, so that importing it creates new articles."""
    manifest = (SOURCES / ingest.MANIFEST).read_text(encoding="utf-8")
    for name in DOCUMENTS:
        shutil.copy(SOURCES / name, tmp_path / f"9{name[1:]}")
        manifest = manifest.replace(f'source = "{name}"', f'source = "9{name[1:]}"')
    (tmp_path / ingest.MANIFEST).write_text(manifest, encoding="utf-8")
    return tmp_path


@pytest.mark.django_db
def test_import_creates_one_article_per_document(copied_sources):
    report = ingest.import_sources(copied_sources)

    assert len(report.created) == 5
    assert Article.objects.filter(source__startswith="9").count() == 5


@pytest.mark.django_db
def test_second_import_changes_nothing(copied_sources):
    ingest.import_sources(copied_sources)
    history = ArticleHistory.objects.count()
    stamps = list(Article.objects.order_by("source").values_list("updated_at", "version"))

    report = ingest.import_sources(copied_sources)

    assert (report.created, report.updated, len(report.unchanged)) == ([], [], 5)
    assert ArticleHistory.objects.count() == history
    assert list(Article.objects.order_by("source").values_list("updated_at", "version")) == stamps


@pytest.mark.django_db
def test_seeded_corpus_is_unchanged_by_import():
    history = ArticleHistory.objects.count()

    report = ingest.import_sources()

    assert sorted(report.unchanged) == DOCUMENTS
    assert ArticleHistory.objects.count() == history


@pytest.mark.django_db
def test_changed_file_updates_its_article(copied_sources):
    ingest.import_sources(copied_sources)
    path = copied_sources / "904_a384fbf8722dd6bc.txt"
    before = Article.objects.get(source=path.name)
    path.write_text(path.read_text(encoding="utf-8") + "\n\nUn paragraphe ajouté.\n")

    report = ingest.import_sources(copied_sources)

    after = Article.objects.get(source=path.name)
    assert report.updated == [path.name]
    assert after.body.endswith("\n\nUn paragraphe ajouté.")
    assert after.content_hash != before.content_hash
    assert after.slug == before.slug
    assert after.version == before.version + 1


@pytest.fixture
def same_sources(tmp_path) -> Path:
    """A copy of sources/ under the same file names, free to edit."""
    shutil.copytree(SOURCES, tmp_path / "sources")
    return tmp_path / "sources"


@pytest.mark.django_db
def test_changed_body_moves_claims_to_where_their_text_now_is(same_sources):
    path = same_sources / "004_a384fbf8722dd6bc.txt"
    claims = Claim.objects.filter(article__source=path.name).order_by("pk")
    before = list(claims.values_list("span_start", flat=True))
    added = "Un chapeau ajouté.\n\n"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(" date 2020-06 ", f" date 2020-06 {added}", 1))

    report = ingest.import_sources(same_sources)

    assert report.updated == [path.name]
    assert report.unanchored == {}
    assert list(claims.values_list("span_start", flat=True)) == [s + len(added) for s in before]
    for claim in claims:
        claim.full_clean()


@pytest.mark.django_db
def test_claim_whose_text_left_the_body_is_reported(same_sources):
    path = same_sources / "004_a384fbf8722dd6bc.txt"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("difficultés techniques", "obstacles techniques"))

    report = ingest.import_sources(same_sources)

    assert [claim.text for claim in report.unanchored[path.name]] == ["difficultés techniques"]


def test_repeated_text_is_found_by_its_context():
    body = "Il a dit « oui ». Puis elle a dit « oui » aussi."

    assert ingest.locate_text(body, "oui", prefix="elle a dit « ", suffix=" » aussi") == 36
    assert ingest.locate_text(body, "non", prefix="", suffix="") is None


@pytest.mark.django_db
def test_import_takes_date_publisher_and_agency_from_the_manifest(copied_sources):
    ingest.import_sources(copied_sources)

    article = Article.objects.get(source="903_c02aeddffadfddf7.txt")
    assert (article.published_on, article.published_precision) == (date(2016, 11, 1), "month")
    assert article.publisher.slug == "l-orient-le-jour"
    assert article.agency.slug == "reuters"


@pytest.mark.django_db
def test_import_detects_mentioned_actors(copied_sources):
    ingest.import_sources(copied_sources)

    article = Article.objects.get(source="903_c02aeddffadfddf7.txt")
    mentioned = set(article.mentioned_actors.values_list("slug", flat=True))
    assert {"khalifa-haftar", "sergei-lavrov", "sergei-shoigu", "dmitri-peskov"} <= mentioned
    assert "qatar" not in mentioned


@pytest.mark.django_db
def test_mentions_match_whole_words_accents_and_case_aside():
    lavrov = Actor.objects.get(slug="sergei-lavrov")

    assert lavrov.pk in ingest.mentioned_actor_ids("Selon SERGUEÏ LAVROV, hier.")
    assert lavrov.pk not in ingest.mentioned_actor_ids("Les Lavrovski sont arrivés.")


@pytest.mark.django_db
def test_mentions_match_multi_word_aliases_across_punctuation_only_whole():
    ministry = AliasFactory(name="ministère russe des Affaires étrangères").actor
    gna = AliasFactory(name="Gouvernement d'union nationale").actor

    found = ingest.mentioned_actor_ids("Le Ministère russe des affaires-étrangères, et le GNA.")
    assert ministry.pk in found
    assert gna.pk not in found
    assert gna.pk in ingest.mentioned_actor_ids("(gouvernement d\u2019union nationale)")
    assert gna.pk not in ingest.mentioned_actor_ids("Gouvernement d'union nationales")


@pytest.mark.django_db
def test_mentions_find_aliases_of_the_longest_length_looked_for():
    words = [f"mot{i}" for i in range(ingest.MAX_ALIAS_WORDS)]
    actor = AliasFactory(name=" ".join(words)).actor

    assert actor.pk in ingest.mentioned_actor_ids(f"Début {' '.join(words)} fin.")
    assert actor.pk not in ingest.mentioned_actor_ids(" ".join(words[1:]))


@pytest.mark.django_db
def test_agency_named_in_the_text_is_found_by_alias():
    assert ingest.agency_from_text("Reuters").slug == "reuters"
    assert ingest.agency_from_text("Agence inconnue") is None


@pytest.mark.django_db
def test_unknown_outlet_in_manifest_is_an_error():
    with pytest.raises(ingest.SourceError, match="nowhere"):
        ingest.outlet("nowhere", {})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-01-14", (date(2020, 1, 14), DatePrecision.DAY)),
        ("2020-06", (date(2020, 6, 1), DatePrecision.MONTH)),
        ("2016", (date(2016, 1, 1), DatePrecision.YEAR)),
        ("", (None, DatePrecision.UNKNOWN)),
    ],
)
def test_published_value_gives_date_and_precision(value, expected):
    assert ingest.parse_published(value) == expected


def test_malformed_published_value_is_an_error():
    with pytest.raises(ingest.SourceError):
        ingest.parse_published("14/06/2020")


def test_manifest_listing_a_missing_file_is_an_error(tmp_path):
    (tmp_path / ingest.MANIFEST).write_text('[[document]]\nsource = "absent.txt"\n')

    with pytest.raises(ingest.SourceError, match=r"absent\.txt"):
        ingest.read_manifest(tmp_path)


def test_manifest_covers_every_source_document():
    assert sorted(ingest.read_manifest(SOURCES).documents) == DOCUMENTS


@pytest.mark.django_db
def test_content_hash_is_the_sha256_of_the_source_bytes():
    for article in Article.objects.all():
        digest = hashlib.sha256((SOURCES / article.source).read_bytes()).hexdigest()
        assert article.content_hash == digest


@pytest.mark.django_db
def test_import_sources_command_reports_counts(copied_sources, capsys):
    call_command("import_sources", sources=copied_sources)

    assert "5 created, 0 updated, 0 unchanged" in capsys.readouterr().out


@pytest.mark.django_db
def test_imported_articles_have_the_curated_titles_bodies_and_urls(copied_sources):
    ingest.import_sources(copied_sources)

    fresh = Article.objects.filter(source__startswith="9").order_by("source")
    curated = Article.objects.filter(source__in=DOCUMENTS).order_by("source")
    assert [(a.title, a.body, a.url) for a in fresh] == [(a.title, a.body, a.url) for a in curated]


def test_manifest_headline_sends_the_line_above_it_back_to_the_body():
    from libya.desk import cleaning

    document = cleaning.parse("Chapeau au-dessus du titre\nLe titre\n" + "Texte. " * 30)

    assert ingest.body_under("Le titre", document).startswith("Chapeau au-dessus du titre\n\n")
    assert "Le titre" not in ingest.body_under("Le titre", document)
    assert ingest.body_under(document.title, document) == document.body
