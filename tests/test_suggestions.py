"""Suggestions: stored from the extractor, kept anchored, accepted or rejected by editors."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from libya.desk import ingest, services, suggestions
from libya.desk.history import history_entries
from libya.desk.models import Actor, Alias, Article, Claim, Suggestion
from tests.factories import ActorFactory, ArticleFactory, ClaimFactory, EventFactory, UserFactory

QUOTE = "Nous ne signerons rien sous la pression"
BODY = (
    "Le chef militaire Khalifa Zentani a quitté Moscou sans signer l'accord. "
    f"« {QUOTE} », a-t-il déclaré lundi. Les pourparlers reprendront à Berlin."
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return ArticleFactory(body=BODY)


@pytest.fixture
def editor():
    return UserFactory(username="suggestion-editor", editor=True)


def quote_suggestion(article) -> Suggestion:
    """The suggestion the extractor makes for the article's « … » quote."""
    return article.suggestions.get(kind=Suggestion.Kind.DIRECT_QUOTE, text=QUOTE)


def test_a_quote_is_proposed_at_its_exact_span(article):
    report = suggestions.suggest_for_article(article)

    suggestion = quote_suggestion(article)
    assert report.created >= 1
    assert (suggestion.span_start, suggestion.span_end) == (
        BODY.index(QUOTE),
        BODY.index(QUOTE) + len(QUOTE),
    )
    assert suggestion.status == Suggestion.Status.PROPOSED
    assert suggestion.prefix == BODY[: suggestion.span_start][-32:]
    assert suggestion.extractor
    assert suggestion.extractor_version


def test_rerun_on_an_unchanged_body_proposes_nothing_new(article, editor):
    suggestions.suggest_for_article(article)
    suggestions.reject_suggestion(quote_suggestion(article), editor)
    count = article.suggestions.count()

    report = suggestions.suggest_for_article(article)

    assert report.created == 0
    assert article.suggestions.count() == count
    assert quote_suggestion(article).status == Suggestion.Status.REJECTED


def test_a_span_already_claimed_is_not_proposed(article):
    start = BODY.index(QUOTE)
    ClaimFactory(article=article, span_start=start, span_end=start + len(QUOTE))

    suggestions.suggest_for_article(article)

    assert not article.suggestions.filter(text=QUOTE).exists()


def test_changed_body_reanchors_a_quote_that_moved(article, editor):
    suggestions.suggest_for_article(article)
    suggestion = quote_suggestion(article)
    suggestions.reject_suggestion(suggestion, editor)
    article.body = "Dépêche. " + BODY
    article.save()

    report = suggestions.suggest_for_article(article)

    suggestion.refresh_from_db()
    assert report.reanchored >= 1
    assert suggestion.span_start == article.body.index(QUOTE)
    assert suggestion.status == Suggestion.Status.REJECTED  # not proposed again either
    assert article.suggestions.filter(kind="direct_quote", text=QUOTE).count() == 1


def test_changed_body_supersedes_a_quote_that_is_gone(article):
    suggestions.suggest_for_article(article)
    suggestion = quote_suggestion(article)
    article.body = BODY.replace(QUOTE, "Nous verrons")
    article.save()

    suggestions.suggest_for_article(article)

    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.SUPERSEDED
    assert article.suggestions.proposed().filter(text="Nous verrons").exists()


def test_accept_creates_the_claim_at_the_span_with_speaker_date_event_and_history_user(
    article, editor
):
    suggestions.suggest_for_article(article)
    suggestion = quote_suggestion(article)
    speaker, event = ActorFactory(name="Khalifa Zentani"), EventFactory()
    edits = {
        "speaker": speaker,
        "said_on": date(2020, 1, 13),
        "said_precision": "day",
        "event": event,
    }

    suggestions.accept_suggestion(suggestion, editor, edits, seen_version=suggestion.version)

    claim = Claim.objects.get(article=article, text=QUOTE)
    assert (claim.span_start, claim.span_end) == (suggestion.span_start, suggestion.span_end)
    assert (claim.speaker, claim.said_on, claim.event) == (speaker, date(2020, 1, 13), event)
    assert claim.kind == Claim.Kind.DIRECT_QUOTE
    assert claim.prefix == BODY[: claim.span_start][-32:]
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.claim, suggestion.decided_by) == (
        "accepted",
        claim,
        editor,
    )
    assert history_entries(claim)[0].user == editor.username
    assert history_entries(suggestion)[-1].user == editor.username


def test_accepting_a_quote_by_someone_new_creates_the_actor_once(article, editor):
    suggestions.suggest_for_article(article)
    suggestion = quote_suggestion(article)

    suggestions.accept_suggestion(
        suggestion, editor, {"speaker": None, "speaker_name": "Aguila Testé"}
    )

    actor = Actor.objects.get(name="Aguila Testé")
    assert Claim.objects.get(article=article, text=QUOTE).speaker == actor
    assert Alias.objects.filter(actor=actor, name="Aguila Testé").exists()
    suggestion.refresh_from_db()
    assert suggestion.created_actor == actor
    again, created = suggestions.actor_named("aguila teste", "person", article, editor)
    assert (again, created) == (actor, None)


def test_a_quote_without_speaker_is_refused_and_nothing_written(article, editor):
    suggestions.suggest_for_article(article)
    suggestion = quote_suggestion(article)

    with pytest.raises(ValidationError) as refused:
        suggestions.accept_suggestion(suggestion, editor, {"speaker": None, "speaker_name": ""})

    assert refused.value.code == "speaker_required"
    assert not Claim.objects.filter(article=article).exists()
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.PROPOSED


def test_stale_accept_is_refused_with_who_changed_it(article, editor):
    suggestions.suggest_for_article(article)
    suggestion = quote_suggestion(article)
    seen = suggestion.version
    other = UserFactory(username="other-suggestion-editor", editor=True)
    suggestions.reject_suggestion(Suggestion.objects.get(pk=suggestion.pk), other)

    with pytest.raises(ValidationError) as refused:
        suggestions.accept_suggestion(
            suggestion, editor, {"speaker": ActorFactory()}, seen_version=seen
        )

    assert refused.value.code == "stale"
    assert "other-suggestion-editor" in refused.value.messages[0]
    assert not Claim.objects.filter(article=article).exists()
    assert Suggestion.objects.get(pk=suggestion.pk).status == Suggestion.Status.REJECTED


def test_a_decided_suggestion_cannot_be_decided_again(article, editor):
    suggestions.suggest_for_article(article)
    suggestion = quote_suggestion(article)
    suggestions.reject_suggestion(suggestion, editor)

    with pytest.raises(ValidationError) as refused:
        suggestions.reject_suggestion(suggestion, editor)

    assert refused.value.code == "decided"


def test_reject_records_who_and_when(article, editor):
    suggestions.suggest_for_article(article)

    suggestion = suggestions.reject_suggestion(quote_suggestion(article), editor)

    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.REJECTED
    assert suggestion.decided_by == editor
    assert suggestion.decided_at is not None
    assert not Claim.objects.filter(article=article).exists()


def test_accept_all_accepts_what_it_can_and_says_why_not_for_the_rest(editor):
    article = ArticleFactory(body="« Premier mot » et « second mot », ont-ils dit.")
    suggestions.suggest_for_article(article)
    quotes = article.suggestions.filter(kind="direct_quote")
    quotes.update(speaker=None, speaker_name="")  # whoever the extractor thought spoke
    quotes.filter(text="Premier mot").update(speaker=ActorFactory())

    accepted, refused = suggestions.accept_all(article, "direct_quote", editor)

    assert [s.text for s in accepted] == ["Premier mot"]
    assert len(refused) == 1
    assert "second mot" in refused[0]
    assert list(Claim.objects.filter(article=article).values_list("text", flat=True)) == [
        "Premier mot"
    ]


def test_accepting_an_alias_and_an_actor(article, editor):
    known = ActorFactory(name="Khalifa Zentani")
    start = BODY.index("Khalifa Zentani")
    common = {"article": article, "confidence": 0.9, "extractor": "test", "extractor_version": "1"}
    alias = Suggestion.objects.create(
        kind="alias",
        span_start=start,
        span_end=start + 15,
        text="Khalifa Zentani",
        actor=known,
        **common,
    )
    newcomer = Suggestion.objects.create(
        kind="actor",
        span_start=start,
        span_end=start + 15,
        text="Khalifa Zentani",
        name="Khalifa Zentani Junior",
        actor_kind="armed_group",
        **common,
    )

    suggestions.accept_suggestion(alias, editor)
    suggestions.accept_suggestion(newcomer, editor)

    alias.refresh_from_db()
    newcomer.refresh_from_db()
    assert alias.alias.actor == known
    assert alias.alias.name == "Khalifa Zentani"
    assert newcomer.created_actor.kind == "armed_group"
    assert set(article.mentioned_actors.all()) >= {known, newcomer.created_actor}


def test_a_failing_extractor_is_logged_and_returns_none(article, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("model missing")

    monkeypatch.setattr(suggestions.extraction, "extract", broken)

    assert suggestions.suggest_quietly(article) is None
    assert "Suggestions failed" in caplog.text
    assert not article.suggestions.exists()


def test_the_background_task_runs_by_article_id(article):
    report = suggestions.suggest_for_article_id(article.pk)

    assert report.created >= 1
    assert suggestions.suggest_for_article_id(0) is None


# Everywhere an article comes in: import_sources


@pytest.fixture
def one_source(tmp_path):
    """A manifest with one small document holding a « … » quote."""
    (tmp_path / "manifest.toml").write_text(
        '[[document]]\nsource = "950_suggest.txt"\ntitle = "Zentani quitte Moscou"\n'
        'published = "2020-01-14"\n',
        encoding="utf-8",
    )
    (tmp_path / "950_suggest.txt").write_text(BODY + "\n", encoding="utf-8")
    return tmp_path


def test_import_proposes_suggestions_for_a_new_body_only(one_source):
    report = ingest.import_sources(one_source)

    article = Article.objects.get(source="950_suggest.txt")
    assert report.suggested == {"950_suggest.txt": article.suggestions.count()}
    assert quote_suggestion(article).status == Suggestion.Status.PROPOSED

    again = ingest.import_sources(one_source)

    assert (again.unchanged, again.suggested) == (["950_suggest.txt"], {})


def test_import_keeps_the_article_when_the_extractor_fails(one_source, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("model missing")

    monkeypatch.setattr(suggestions.extraction, "extract", broken)

    report = ingest.import_sources(one_source)

    assert report.created == ["950_suggest.txt"]
    assert report.suggestions_failed == ["950_suggest.txt"]
    assert Article.objects.get(source="950_suggest.txt").body.startswith("Le chef militaire")


def test_accepting_the_article_date_and_its_event(article, editor):
    event = EventFactory()
    common = {"article": article, "confidence": 0.8, "extractor": "test", "extractor_version": "1"}
    start = BODY.index("lundi")
    day = Suggestion.objects.create(
        kind="date",
        span_start=start,
        span_end=start + 5,
        text="lundi",
        said_on=date(2020, 1, 13),
        said_precision="day",
        **common,
    )
    talks = Suggestion.objects.create(
        kind="event", span_start=0, span_end=8, text=BODY[:8], event=event, **common
    )

    suggestions.accept_suggestion(day, editor)
    suggestions.accept_suggestion(talks, editor)

    article.refresh_from_db()
    assert (article.published_on, article.published_precision) == (date(2020, 1, 13), "day")
    assert article in event.articles.all()
    assert history_entries(article)[-1].user == editor.username


def test_merging_actors_keeps_the_suggestions_that_name_them(article):
    keep, dup = ActorFactory(), ActorFactory()
    suggestions.suggest_for_article(article)
    suggestion = quote_suggestion(article)
    suggestion.speaker = dup
    suggestion.save()

    services.actor_merge(keep=keep, duplicates=[dup])

    suggestion.refresh_from_db()
    assert suggestion.speaker == keep


def test_a_decided_suggestion_whose_text_is_gone_keeps_its_decision(article, editor):
    suggestions.suggest_for_article(article)
    suggestion = suggestions.reject_suggestion(quote_suggestion(article), editor)
    article.body = BODY.replace(QUOTE, "Nous verrons")
    article.save()

    suggestions.suggest_for_article(article)

    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.REJECTED
