"""``manage.py import_articles``: JSON Lines, CSV and manifest folders, in batches, idempotently."""

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from procrastinate.contrib.django.models import ProcrastinateJob

from libya.desk import bulk, cleaning, ingest
from libya.desk.models import Actor, Article, ArticleHistory, Claim, DatePrecision
from tests.factories import ActorFactory, AliasFactory, MediaFactory

PARAGRAPHS = [
    "Le maréchal Khalifa Haftar a rencontré le chef du gouvernement à Benghazi, selon un "
    "communiqué publié mardi soir par ses services.",
    "Les deux hommes ont évoqué « la reprise du dialogue national » et la réouverture des "
    "terminaux pétroliers du Croissant pétrolier, fermés depuis janvier.",
    "Aucune date n'a été fixée pour une nouvelle rencontre, a précisé un porte-parole.",
]
TEXT = "\n\n".join(PARAGRAPHS)


def article(n: int, **fields) -> dict:
    return {
        "source_id": f"test-feed/{n}",
        "title": f"Rencontre numéro {n} à Benghazi",
        "text": TEXT,
        "url": f"https://feed.example/{n}",
        "published": "2020-06-14",
        "language": "fr",
        "publisher": "Agence Test",
    } | fields


def write_jsonl(path: Path, lines: list) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
    return path


def run(*paths: Path, batch_size: int = 1000) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_articles",
        *map(str, paths),
        "--no-progress",
        batch_size=batch_size,
        stdout=out,
        stderr=err,
    )
    return out.getvalue(), err.getvalue()


def feed_articles():
    return Article.objects.filter(source__startswith="test-feed/")


@pytest.mark.django_db
def test_jsonl_import_creates_and_a_second_run_creates_nothing(tmp_path):
    path = write_jsonl(tmp_path / "feed.jsonl", [article(n) for n in range(25)])

    first, _ = run(path, batch_size=10)
    second, _ = run(path, batch_size=10)

    assert "created: 25, updated: 0, unchanged: 0, rejected: 0" in first
    assert "created: 0, updated: 0, unchanged: 25, rejected: 0" in second
    assert feed_articles().count() == 25
    stored = feed_articles().get(source="test-feed/7")
    assert stored.body == cleaning.parse(TEXT).body
    assert (stored.published_on, stored.published_precision) == (date(2020, 6, 14), "day")
    assert stored.publisher.kind == Actor.Kind.MEDIA
    assert stored.publisher.name == "Agence Test"
    assert stored.url == "https://feed.example/7"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--writers", "0", "--writers must be between 1 and 8."),
        ("--writers", "9", "--writers must be between 1 and 8."),
        ("--batch-size", "0", "--batch-size must be at least 1."),
    ],
)
@pytest.mark.django_db
def test_writers_and_batch_size_out_of_range_are_refused(tmp_path, option, value, message):
    path = write_jsonl(tmp_path / "feed.jsonl", [article(1)])

    with pytest.raises(CommandError, match=message):
        call_command("import_articles", str(path), "--no-progress", option, value)

    assert not feed_articles().exists()


@pytest.mark.django_db
def test_bad_lines_are_rejected_one_by_one_and_the_good_ones_stored(tmp_path):
    huge = json.dumps(article(99, text="mot " * (11 * 1024 * 1024 // 4)))
    lines = [
        article(1),
        '{"source_id": "test-feed/2", "text": ',  # line 2: malformed
        article(3, text="", html=""),  # line 3: no text
        article(4, published="2021-02-30"),  # line 4: impossible date
        article(5),
        huge,  # line 6: 11 MB
        "[1, 2, 3]",  # line 7: not an object
        article(8, published="juin 2020"),  # line 8: not a date shape
        article(9, source_id=""),  # line 9: no id
        article(10, url="javascript:alert(1)"),  # line 10
        article(11),
    ]
    path = write_jsonl(tmp_path / "feed.jsonl", lines)

    out, err = run(path)

    assert "created: 3, updated: 0, unchanged: 0, rejected: 8" in out
    assert sorted(feed_articles().values_list("source", flat=True)) == [
        "test-feed/1",
        "test-feed/11",
        "test-feed/5",
    ]
    reasons = {int(line.split(":")[1]): line for line in err.splitlines() if "rejected" in line}
    assert sorted(reasons) == [2, 3, 4, 6, 7, 8, 9, 10]
    assert "malformed JSON" in reasons[2]
    assert "neither text nor html" in reasons[3]
    assert "2021-02-30" in reasons[4]
    assert "longer than 2,000,000 bytes" in reasons[6]
    assert "not a JSON object" in reasons[7]
    assert "source_id is missing" in reasons[9]
    assert "not an http(s) URL" in reasons[10]


@pytest.mark.django_db
def test_changed_text_updates_the_article_and_moves_its_claims(tmp_path):
    path = write_jsonl(tmp_path / "feed.jsonl", [article(1)])
    run(path)
    stored = feed_articles().get()
    quote = "la reprise du dialogue national"
    start = stored.body.index(quote)
    claim = Claim(
        article=stored,
        speaker=ActorFactory(),
        kind=Claim.Kind.DIRECT_QUOTE,
        span_start=start,
        span_end=start + len(quote),
        text=quote,
    )
    claim.anchor()
    claim.save()
    lead = "Mise à jour : la rencontre a été confirmée par les deux parties mercredi matin."
    write_jsonl(path, [article(1, text=f"{lead}\n\n{TEXT}")])

    out, err = run(path)

    assert "created: 0, updated: 1, unchanged: 0" in out
    stored.refresh_from_db()
    claim.refresh_from_db()
    assert stored.body.startswith(lead)
    assert stored.body[claim.span_start : claim.span_end] == quote
    assert claim.span_start == start + len(lead) + 2
    assert stored.version == 2
    assert err == ""


@pytest.mark.django_db
def test_csv_with_the_same_columns(tmp_path):
    path = tmp_path / "feed.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(article(0)))
        writer.writeheader()
        writer.writerow(article(1, published="2019-05"))
        writer.writerow(article(2, published="2018"))
        writer.writerow(article(3, published="2018-13"))

    out, err = run(path)

    assert "created: 2, updated: 0, unchanged: 0, rejected: 1" in out
    month = feed_articles().get(source="test-feed/1")
    assert (month.published_on, month.published_precision) == (date(2019, 5, 1), "month")
    assert feed_articles().get(source="test-feed/2").published_precision == DatePrecision.YEAR
    # The header, then two records of five lines each (the text's paragraphs).
    assert "feed.csv:12: published:" in err


@pytest.mark.django_db
def test_folder_with_manifest_reads_html_through_trafilatura(tmp_path):
    page = (
        "<html><head><title>Menu</title></head><body><nav><a href='/'>Accueil</a> "
        "<a href='/monde'>Monde</a></nav><article><h1>Rencontre à Benghazi</h1>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + "</article><footer>Tous droits réservés. Mentions légales. Contact.</footer>"
        "</body></html>"
    )
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    (tmp_path / "note.txt").write_text(f"Une note de synthèse\n\n{TEXT}\n", encoding="utf-8")
    (tmp_path / ingest.MANIFEST).write_text(
        '[outlets.test-outlet]\nname = "Le Quotidien Test"\ncountry = "FR"\n\n'
        '[[document]]\nsource = "page.html"\npublisher = "test-outlet"\npublished = "2020-06"\n'
        'title = "Rencontre à Benghazi"\n\n'
        '[[document]]\nsource = "note.txt"\n',
        encoding="utf-8",
    )

    out, _ = run(tmp_path)

    assert "created: 2" in out
    page_article = Article.objects.get(source="page.html")
    assert page_article.body == "\n\n".join(PARAGRAPHS)
    assert "Accueil" not in page_article.body
    assert "droits" not in page_article.body
    assert page_article.publisher.name == "Le Quotidien Test"
    assert page_article.publisher.country == "FR"
    assert Article.objects.get(source="note.txt").title == "Une note de synthèse"


@pytest.mark.django_db
def test_publisher_by_slug_or_name_is_the_existing_actor(tmp_path):
    outlet = MediaFactory(slug="quotidien-connu", name="Le Quotidien Connu")
    path = write_jsonl(
        tmp_path / "feed.jsonl",
        [article(1, publisher="quotidien-connu"), article(2, publisher="Le Quotidien Connu")],
    )
    media = Actor.objects.filter(kind=Actor.Kind.MEDIA).count()

    run(path)

    assert set(feed_articles().values_list("publisher", flat=True)) == {outlet.pk}
    assert Actor.objects.filter(kind=Actor.Kind.MEDIA).count() == media


@pytest.mark.django_db
def test_mentions_are_the_ones_the_per_document_path_finds(tmp_path):
    haftar = AliasFactory(name="Khalifa Haftar").actor
    crescent = AliasFactory(name="Croissant pétrolier").actor
    AliasFactory(name="Haftar Benghazi Dialogue")  # not in the text as a run of words
    path = write_jsonl(tmp_path / "feed.jsonl", [article(n) for n in range(3)])

    run(path)

    for stored in feed_articles():
        linked = set(stored.mentioned_actors.values_list("pk", flat=True))
        assert {haftar.pk, crescent.pk} <= linked
        assert linked == ingest.mentioned_actor_ids(f"{stored.title}\n{stored.body}")


@pytest.mark.django_db
def test_python_fold_is_the_database_fold():
    from django.db import connection

    texts = [TEXT, "Œuvre d'Æsop — L'ÉTÉ à Tripoli!", "al-Sarraj, Fayez; «Misrata»"]
    texts += [path.read_text("utf-8") for path in ingest.Path("sources").glob("*.txt")]
    with connection.cursor() as cursor:
        for text in texts:
            cursor.execute("SELECT desk_fold(%s)", [text])
            assert bulk.fold(text) == cursor.fetchone()[0]


@pytest.mark.django_db
def test_one_history_context_for_the_import_and_one_job_per_new_article(tmp_path):
    path = write_jsonl(tmp_path / "feed.jsonl", [article(n) for n in range(12)])
    jobs = ProcrastinateJob.objects.filter(task_name="desk.enrich_article")
    before = jobs.count()

    run(path, batch_size=5)

    history = ArticleHistory.objects.filter(source__startswith="test-feed/")
    assert history.count() == 12
    contexts = set(history.values_list("pgh_context_id", flat=True))
    assert len(contexts) == 1
    metadata = history.first().pgh_context.metadata
    assert metadata["command"] == "import_articles"
    assert metadata["import_batch"]
    assert jobs.count() == before + 12
    queued = {job.args["article_id"] for job in jobs.order_by("-pk")[:12]}
    assert queued == set(feed_articles().values_list("pk", flat=True))


@pytest.mark.django_db
def test_a_source_repeated_in_one_file_is_created_then_updated(tmp_path):
    path = write_jsonl(
        tmp_path / "feed.jsonl", [article(1), article(1, title="Titre corrigé de la rencontre")]
    )

    out, _ = run(path)

    assert "created: 1, updated: 1" in out
    assert feed_articles().get().title == "Titre corrigé de la rencontre"


@pytest.mark.django_db
def test_same_title_twice_gets_two_slugs(tmp_path):
    path = write_jsonl(
        tmp_path / "feed.jsonl", [article(1, title="Même titre"), article(2, title="Même titre")]
    )

    run(path)

    assert sorted(feed_articles().values_list("slug", flat=True)) == [
        "meme-titre",
        "meme-titre-test-feed2",
    ]


@pytest.mark.django_db
def test_a_row_breaking_a_constraint_is_rejected_alone(tmp_path):
    from tests.factories import ArticleFactory

    ArticleFactory(slug="meme-titre", source="elsewhere/1")
    ArticleFactory(slug="meme-titre-test-feed2", source="elsewhere/2")
    path = write_jsonl(
        tmp_path / "feed.jsonl",
        [article(1), article(2, title="Même titre", publisher="Nouvel Organe"), article(3)],
    )

    out, err = run(path)

    assert "created: 2, updated: 0, unchanged: 0, rejected: 1" in out
    assert "feed.jsonl:2: " in err
    assert "desk_article_slug_key" in err
    assert sorted(feed_articles().values_list("source", flat=True)) == [
        "test-feed/1",
        "test-feed/3",
    ]
    assert Actor.objects.filter(name="Agence Test", kind=Actor.Kind.MEDIA).count() == 1


STREAM_PROBE = """
import os, resource, sys
from pathlib import Path
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "libya.settings")
django.setup()
from libya.desk import bulk
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
count = sum(1 for _, record in bulk.records(Path(sys.argv[1])) if isinstance(record, dict))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(count, (after - before) // 1024)
"""


def test_a_100_mb_file_is_read_as_a_stream(tmp_path):
    import subprocess
    import sys

    line = (json.dumps(article(0, text="mot " * 500)) + "\n").encode()
    path = tmp_path / "big.jsonl"
    with path.open("wb") as handle:
        for _ in range(100_000_000 // len(line) + 1):
            handle.write(line)

    done = subprocess.run(
        [sys.executable, "-c", STREAM_PROBE, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )

    count, grown_megabytes = map(int, done.stdout.split())
    assert count * len(line) >= 100_000_000
    assert grown_megabytes < 20


def _import_queries(tmp_path: Path, name: str, records: list[dict]) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    path = write_jsonl(tmp_path / name, records)
    with CaptureQueriesContext(connection) as queries:
        report = bulk.import_paths([path], batch_size=1000)
    assert report.created == len(records)
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.django_db
def test_a_batch_costs_the_same_statements_for_10_or_100_articles(tmp_path):
    """Set-based, not per document: the statements of a batch do not grow with its rows."""
    MediaFactory(name="Agence Test")
    AliasFactory(name="Khalifa Haftar")
    AliasFactory(name="Croissant pétrolier")
    ten = [article(n) for n in range(10)]
    hundred = [article(n) for n in range(100, 200)]

    small = _import_queries(tmp_path, "ten.jsonl", ten)
    large = _import_queries(tmp_path, "hundred.jsonl", hundred)

    # The alias index; then per batch: savepoint, publishers, staging table, upsert,
    # mention links, enrichment jobs, release. (The COPY into the staging table goes
    # through psycopg's own cursor: one more statement, whatever the batch's size.)
    assert len(small) == 8
    assert len(large) == len(small)
    assert feed_articles().count() == 110
    stored = feed_articles().first()
    expected = ingest.mentioned_actor_ids(f"{stored.title}\n{stored.body}")
    links = Article.mentioned_actors.through.objects.filter(
        article__source__startswith="test-feed/"
    )
    assert len(expected) >= 2
    assert links.count() == len(expected) * 110
