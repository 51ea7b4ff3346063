"""The curated corpus: loads cleanly, its quotes are in their articles, and it round-trips."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count, Value

from libya.desk import corpus
from libya.desk.models import Actor, Alias, Article, Claim, ClaimLink, DatePrecision
from libya.desk.models.common import FoldedText

CORPUS_FILE = settings.FIXTURE_DIRS[0] / "corpus.json"
SPACES = " \u00a0"


def wipe_desk() -> None:
    """Delete every corpus row, children first, leaving a freshly migrated desk."""
    for model in reversed(corpus.corpus_models()):
        model.objects.all().delete()


@pytest.mark.django_db
def test_corpus_loads_into_an_empty_desk_and_validates():
    wipe_desk()

    call_command("load_corpus", "corpus", verbosity=0)

    assert Article.objects.count() == 5
    for model in corpus.corpus_models():
        for obj in model.objects.all():
            obj.full_clean()


@pytest.mark.django_db
def test_every_claim_is_its_article_body_at_its_span():
    for claim in Claim.objects.select_related("article"):
        assert claim.article.body[claim.span_start : claim.span_end] == claim.text
        assert claim.article.body[: claim.span_start].endswith(claim.prefix)
        assert claim.article.body[claim.span_end :].startswith(claim.suffix)


@pytest.mark.django_db
def test_every_direct_quote_is_the_text_between_guillemets():
    quotes = Claim.objects.filter(kind=Claim.Kind.DIRECT_QUOTE).select_related("article")

    assert quotes.count() >= 10
    for quote in quotes:
        body = quote.article.body
        assert body[: quote.span_start].rstrip(SPACES).endswith("«"), quote.text
        assert body[quote.span_end :].lstrip(SPACES).startswith("»"), quote.text


@pytest.mark.django_db
def test_every_alias_resolves_to_exactly_one_actor():
    by_name = Alias.objects.values("name").annotate(actors=Count("actor", distinct=True))
    by_folded = Alias.objects.values("folded").annotate(actors=Count("actor", distinct=True))

    assert [row for row in by_name if row["actors"] != 1] == []
    assert [row for row in by_folded if row["actors"] != 1] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("spelling", "slug"),
    [
        ("Choïgou", "sergei-shoigu"),
        ("Shoigú", "sergei-shoigu"),
        ("Sergei Shoigu", "sergei-shoigu"),
        ("Serguei Lavrov", "sergei-lavrov"),
        ("Hafter", "khalifa-haftar"),
        ("Fayez Sarraj", "fayez-al-sarraj"),
        ("mevlut cavusoglu", "mevlut-cavusoglu"),
        ("ANL", "lna"),
    ],
)
def test_spellings_met_in_the_documents_find_their_actor(spelling, slug):
    matches = Actor.objects.filter(aliases__folded=FoldedText(Value(spelling))).distinct()

    assert list(matches.values_list("slug", flat=True)) == [slug]


@pytest.mark.django_db
def test_articles_record_publisher_agency_and_date_precision():
    articles = {a.source[:3]: a for a in Article.objects.select_related("publisher", "agency")}

    assert articles["000"].publisher.state_affiliated is True
    assert articles["000"].publisher.owner.slug == "tv-novosti"
    assert articles["001"].publisher is None
    assert articles["003"].agency.slug == "reuters"
    assert articles["004"].published_precision == DatePrecision.MONTH


@pytest.mark.django_db
def test_moscow_talks_are_reported_by_three_articles():
    talks = Article.objects.filter(events__slug="moscow-talks-2020-01-13")

    assert sorted(a.source[:3] for a in talks) == ["000", "001", "002"]


@pytest.mark.django_db
def test_sources_disagree_on_who_backs_haftar():
    contradictions = ClaimLink.objects.filter(
        relation=ClaimLink.Relation.CONTRADICTS, claim__subjects__slug="france"
    ).values_list("claim__article__source", "other__article__source")

    assert ("002_5926cba8cdf31603.txt", "001_3d8617045a811f96.txt") in set(contradictions)


@pytest.mark.django_db
def test_export_then_load_reproduces_the_corpus_file(tmp_path):
    wipe_desk()
    call_command("load_corpus", CORPUS_FILE, verbosity=0)

    corpus.export_corpus(tmp_path / "again.json")

    assert (tmp_path / "again.json").read_text() == CORPUS_FILE.read_text()
