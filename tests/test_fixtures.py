"""The curated corpus: loads cleanly, its quotes are in their articles, and it round-trips."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
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
def test_lists_of_haftars_backers_partly_corroborate_each_other():
    # 002 and 001 both name Russia, Egypt and the UAE; they differ on France: a partial
    # corroboration, not a contradiction (issue 14).
    link = ClaimLink.objects.get(
        claim__article__source="002_5926cba8cdf31603.txt",
        other__article__source="001_3d8617045a811f96.txt",
        claim__subjects__slug="france",
    )

    assert link.relation == ClaimLink.Relation.CORROBORATES
    assert link.note.startswith("Partial")


@pytest.mark.django_db
def test_the_only_contradiction_is_004_placing_the_visit_in_istanbul_then_ankara():
    contradictions = ClaimLink.objects.filter(relation=ClaimLink.Relation.CONTRADICTS)

    assert [(c.claim.article.source[:3], c.other.article.source[:3]) for c in contradictions] == [
        ("004", "004")
    ]
    (link,) = contradictions
    assert "Istanbul" in link.claim.text
    assert "Ankara" in link.other.text
    assert (link.claim.status, link.other.status) == (Claim.Status.VERIFIED, Claim.Status.DISPUTED)


@pytest.mark.django_db
def test_every_reviewed_claim_says_who_reviewed_it_and_when():
    reviewed = Claim.objects.exclude(status=Claim.Status.UNREVIEWED)

    assert reviewed.count() == 11
    assert not reviewed.filter(status_changed_by=None).exists()
    assert not reviewed.filter(status_changed_at=None).exists()
    assert set(reviewed.values_list("status_changed_by__username", flat=True)) == {
        "corpus-curation"
    }


@pytest.mark.django_db
def test_the_curation_account_cannot_log_in():
    curator = get_user_model().objects.get(username="corpus-curation")

    assert not curator.is_active
    assert not curator.check_password("")


@pytest.mark.django_db
def test_loading_the_corpus_leaves_an_existing_reviewer_account_alone():
    curator = get_user_model().objects.get(username="corpus-curation")
    curator.set_password("a long passphrase of its own")
    curator.email = "curation@example.org"
    curator.save()

    call_command("load_corpus", CORPUS_FILE, verbosity=0)

    curator.refresh_from_db()
    assert curator.check_password("a long passphrase of its own")
    assert curator.email == "curation@example.org"


@pytest.mark.django_db
def test_002_has_its_headline_for_title_and_its_standfirst_in_the_body():
    article = Article.objects.get(source="002_5926cba8cdf31603.txt")

    assert article.title == (
        "Haftar tient des consultations à Moscou après la suspension des négociations de paix"
    )
    assert article.title not in article.body
    assert article.body.startswith("Le chef rebelle libyen rencontre l'un de ses principaux")
    assert article.url.startswith("https://www.atalayar.com/fr/")


@pytest.mark.django_db
def test_export_then_load_reproduces_the_corpus_file(tmp_path):
    wipe_desk()
    call_command("load_corpus", CORPUS_FILE, verbosity=0)

    corpus.export_corpus(tmp_path / "again.json")

    assert (tmp_path / "again.json").read_text() == CORPUS_FILE.read_text()
