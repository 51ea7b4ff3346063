"""The desk doctor: each rule against data that breaks it, the curated corpus, the command."""

import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from libya.desk import doctor
from libya.desk.models import Claim, ClaimLink, DatePrecision, Event
from tests.factories import (
    ActorFactory,
    AffiliationFactory,
    AliasFactory,
    ArticleFactory,
    ClaimLinkFactory,
    EventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BODY = (
    "Le ministre Sergueï Lavrov a annoncé que la visite était annulée. "
    "Il a déclaré : « Nous allons poursuivre nos efforts. » "
    "Les combats ont repris à Tripoli."
)


def claim_on(article, text: str, **fields) -> Claim:
    """A claim of `article` whose span is the one place `text` occurs in its body."""
    start = article.body.index(text)
    fields = {"kind": Claim.Kind.PUBLISHER_ASSERTION, "said_on": article.published_on} | fields
    subjects = fields.pop("subjects", ())
    claim = Claim(article=article, text=text, span_start=start, span_end=start + len(text))
    for name, value in fields.items():
        setattr(claim, name, value)
    claim.anchor()
    claim.full_clean()
    claim.save()
    claim.subjects.set(subjects)
    return claim


def article(**fields):
    return ArticleFactory(body=BODY, **fields)


def findings(code: str, scope: doctor.Scope | None = None) -> list[doctor.Finding]:
    report = doctor.diagnose(scope, limit=10_000)
    return [f for r in report.results if r.rule.code == code for f in r.findings]


def named(code: str, model: str, pk: int, scope: doctor.Scope | None = None) -> bool:
    """Whether a finding of rule `code` names the record."""
    return any(
        (record.model, record.pk) == (model, pk)
        for finding in findings(code, scope)
        for record in finding.records
    )


def severity(code: str) -> doctor.Severity:
    return next(r.severity for r in doctor.RULES if r.code == code)


# The curated corpus and the registry


def test_curated_corpus_has_no_errors_and_its_warnings_are_the_decided_ones():
    report = doctor.diagnose()

    assert report.errors == 0
    warnings = {r.rule.code: r.total for r in report.results if r.total}
    assert warnings == {"speech-after-event": 1, "span-leaves-out-name": 3}


def test_every_rule_has_a_unique_code_a_severity_and_a_summary():
    codes = [r.code for r in doctor.RULES]

    assert len(codes) == len(set(codes)) >= 14
    assert all(r.severity in doctor.Severity and r.summary for r in doctor.RULES)


def test_the_rules_of_the_issue_are_there():
    expected = {
        "link-outruns-article",
        "link-same-article",
        "claim-after-publication",
        "claim-before-event",
        "child-outside-parent",
        "span-splits-word",
        "span-leaves-out-name",
        "gloss-editorial",
        "status-unsigned",
        "contradicted-unreviewed",
        "event-without-article",
        "event-without-claim",
        "actor-unnamed",
        "affiliation-before-target",
        "title-in-body",
    }

    assert expected <= {r.code for r in doctor.RULES}


# Links and dates


def test_link_to_an_event_after_the_other_article_was_published_is_an_error():
    early = article(published_on=date(2020, 1, 14))
    late = article(published_on=date(2020, 2, 20))
    berlin = EventFactory(start_date=date(2020, 1, 19))
    refused = claim_on(early, "la visite était annulée")
    approved = claim_on(late, "la visite était annulée", event=berlin)
    link = ClaimLinkFactory(claim=approved, other=refused, relation=ClaimLink.Relation.CONTRADICTS)

    assert named("link-outruns-article", "desk.claimlink", link.pk)
    assert severity("link-outruns-article") == doctor.Severity.ERROR


def test_link_to_an_event_before_the_other_article_was_published_is_sound():
    early = article(published_on=date(2020, 1, 14))
    late = article(published_on=date(2020, 2, 20))
    talks = EventFactory(start_date=date(2020, 1, 13))
    link = ClaimLinkFactory(
        claim=claim_on(late, "la visite était annulée", event=talks),
        other=claim_on(early, "la visite était annulée"),
    )

    assert not named("link-outruns-article", "desk.claimlink", link.pk)


def test_corroboration_within_one_article_is_an_error_and_contradiction_is_not():
    one = article()
    first, second = claim_on(one, "la visite était annulée"), claim_on(one, "Les combats")
    third = claim_on(one, "Tripoli")
    restated = ClaimLinkFactory(claim=first, other=second)
    contradicted = ClaimLinkFactory(
        claim=first, other=third, relation=ClaimLink.Relation.CONTRADICTS
    )

    assert named("link-same-article", "desk.claimlink", restated.pk)
    assert not named("link-same-article", "desk.claimlink", contradicted.pk)


def test_claim_said_after_its_article_was_published_is_an_error():
    claim = claim_on(article(published_on=date(2020, 1, 14)), "Tripoli", said_on=date(2020, 1, 15))

    assert named("claim-after-publication", "desk.claim", claim.pk)


def test_claim_said_within_its_articles_publication_month_is_fine():
    month = article(published_on=date(2020, 6, 1), published_precision=DatePrecision.MONTH)
    claim = claim_on(month, "Tripoli", said_on=date(2020, 6, 20))

    assert not named("claim-after-publication", "desk.claim", claim.pk)


def test_claim_said_before_its_event_began_is_an_error():
    refusal = EventFactory(start_date=date(2020, 1, 14))
    claim = claim_on(article(), "la visite était annulée", said_on=date(2020, 1, 13), event=refusal)

    assert named("claim-before-event", "desk.claim", claim.pk)
    assert named("claim-before-event", "desk.event", refusal.pk)


def test_speaker_quoted_after_the_event_window_is_a_warning_but_the_publisher_is_not():
    truce = EventFactory(start_date=date(2020, 1, 12))
    later = article(published_on=date(2020, 2, 19))
    quote = claim_on(
        later,
        "Nous allons poursuivre nos efforts.",
        kind=Claim.Kind.DIRECT_QUOTE,
        speaker=ActorFactory(),
        event=truce,
    )
    assertion = claim_on(later, "Les combats ont repris à Tripoli", event=truce)

    assert named("speech-after-event", "desk.claim", quote.pk)
    assert not named("speech-after-event", "desk.claim", assertion.pk)
    assert severity("speech-after-event") == doctor.Severity.WARNING


def test_child_event_outside_its_parent_is_an_error():
    parent = EventFactory(start_date=date(2020, 6, 14))
    child = EventFactory(start_date=date(2020, 6, 20), parent=parent)

    assert named("child-outside-parent", "desk.event", child.pk)
    assert not named("child-beyond-parent", "desk.event", child.pk)


def test_child_event_overlapping_past_its_parent_is_a_warning():
    parent = EventFactory(start_date=date(2020, 6, 14))
    child = EventFactory(
        start_date=date(2020, 6, 1), date_precision=DatePrecision.MONTH, parent=parent
    )
    inside = EventFactory(start_date=date(2020, 6, 14), parent=parent)

    assert named("child-beyond-parent", "desk.event", child.pk)
    assert not named("child-outside-parent", "desk.event", child.pk)
    assert not named("child-beyond-parent", "desk.event", inside.pk)


# Spans and wording


def test_span_starting_or_ending_inside_a_word_is_an_error():
    one = article()
    cut_start = claim_on(one, "inistre Sergueï")
    cut_end = claim_on(one, "Les comb")
    whole = claim_on(one, "Les combats")

    assert named("span-splits-word", "desk.claim", cut_start.pk)
    assert named("span-splits-word", "desk.claim", cut_end.pk)
    assert not named("span-splits-word", "desk.claim", whole.pk)


def test_span_cutting_a_word_is_found_in_the_body_when_no_context_was_recorded():
    one = article()
    start = one.body.index("inistre")
    bare = Claim.objects.create(
        article=one,
        text="inistre",
        span_start=start,
        span_end=start + len("inistre"),
        kind=Claim.Kind.PUBLISHER_ASSERTION,
    )

    assert (bare.prefix, bare.suffix) == ("", "")
    assert named("span-splits-word", "desk.claim", bare.pk)


def test_span_leaving_out_a_subject_named_in_its_sentence_is_a_warning():
    lavrov = ActorFactory(name="Sergueï Lavrov", slug="test-lavrov")
    AliasFactory(actor=lavrov, name="Lavrov")
    one = article()
    one.mentioned_actors.add(lavrov)
    short = claim_on(one, "la visite était annulée", subjects=[lavrov])
    full = claim_on(one, "Le ministre Sergueï Lavrov a annoncé que la visite", subjects=[lavrov])
    elsewhere = claim_on(one, "Les combats ont repris à Tripoli", subjects=[lavrov])

    assert named("span-leaves-out-name", "desk.claim", short.pk)
    assert not named("span-leaves-out-name", "desk.claim", full.pk)
    # Named in another sentence only: the span does not leave it out.
    assert not named("span-leaves-out-name", "desk.claim", elsewhere.pk)


def test_span_leaving_out_an_actor_its_gloss_names_is_a_warning():
    lavrov = ActorFactory(name="Sergueï Lavrov", slug="test-lavrov")
    AliasFactory(actor=lavrov, name="Lavrov")
    one, unmentioned = article(), article()
    one.mentioned_actors.add(lavrov)
    claim = claim_on(one, "la visite était annulée", gloss_en="Lavrov said it was off.")
    # The article's mentions say which names can be next to a span: none here.
    unseen = claim_on(unmentioned, "la visite était annulée", gloss_en="Lavrov said it was off.")

    assert named("span-leaves-out-name", "desk.actor", lavrov.pk)
    assert named("span-leaves-out-name", "desk.claim", claim.pk)
    assert not named("span-leaves-out-name", "desk.claim", unseen.pk)


def test_editorial_remark_in_a_gloss_is_a_warning():
    remark = claim_on(article(), "Tripoli", gloss_en="Tripoli. No other source says so.")
    plain = claim_on(article(), "Tripoli", gloss_en="Fighting resumed in Tripoli.")

    assert named("gloss-editorial", "desk.claim", remark.pk)
    assert not named("gloss-editorial", "desk.claim", plain.pk)


# Statuses


def test_reviewed_claim_without_who_and_when_is_an_error():
    unsigned = claim_on(article(), "Tripoli", status=Claim.Status.VERIFIED)
    signed = claim_on(
        article(),
        "Tripoli",
        status=Claim.Status.DISPUTED,
        status_changed_by=UserFactory(),
        status_changed_at=timezone.now(),
    )

    assert named("status-unsigned", "desk.claim", unsigned.pk)
    assert not named("status-unsigned", "desk.claim", signed.pk)


def test_unreviewed_claim_contradicted_by_its_own_article_is_an_error():
    one = article()
    istanbul, ankara = claim_on(one, "la visite était annulée"), claim_on(one, "Tripoli")
    ClaimLinkFactory(claim=istanbul, other=ankara, relation=ClaimLink.Relation.CONTRADICTS)
    ankara.status = Claim.Status.DISPUTED
    ankara.save()

    assert named("contradicted-unreviewed", "desk.claim", istanbul.pk)
    assert not named("contradicted-unreviewed", "desk.claim", ankara.pk)


# Coverage


def test_event_without_article_is_an_error_and_without_claim_a_warning():
    orphan = EventFactory()
    reported = EventFactory()
    reported.articles.add(article())
    backed = EventFactory()
    backed.articles.add(article())
    claim_on(backed.articles.get(), "Tripoli", event=backed)

    assert named("event-without-article", "desk.event", orphan.pk)
    assert not named("event-without-article", "desk.event", reported.pk)
    assert named("event-without-claim", "desk.event", reported.pk)
    assert not named("event-without-claim", "desk.event", backed.pk)


def test_actor_no_kept_text_names_is_a_warning_unless_mentioned_or_publishing():
    unnamed = ActorFactory()
    mentioned = ActorFactory()
    article().mentioned_actors.add(mentioned)
    operator = ActorFactory()
    ArticleFactory(publisher__owner=operator)

    assert named("actor-unnamed", "desk.actor", unnamed.pk)
    assert not named("actor-unnamed", "desk.actor", mentioned.pk)
    assert not named("actor-unnamed", "desk.actor", operator.pk)


def test_affiliation_starting_before_its_target_is_known_is_a_warning():
    gna = ActorFactory()
    AffiliationFactory(actor=gna, start_date=date(2016, 3, 30))
    early = AffiliationFactory(target=gna, start_date=date(2015, 1, 1))
    later = AffiliationFactory(target=gna, start_date=date(2016, 4, 1))

    assert named("affiliation-before-target", "desk.affiliation", early.pk)
    assert not named("affiliation-before-target", "desk.affiliation", later.pk)


# Articles


def test_title_left_in_the_body_is_an_error():
    headline = ArticleFactory(title="Les combats ont repris", body=BODY)

    assert named("title-in-body", "desk.article", headline.pk)
    assert not named("title-in-body", "desk.article", article().pk)


# One article, the command


def test_diagnose_article_sees_only_that_article():
    broken, other = article(), article()
    mine = claim_on(broken, "Tripoli", status=Claim.Status.VERIFIED)
    theirs = claim_on(other, "Tripoli", status=Claim.Status.VERIFIED)
    orphan_actor = ActorFactory()

    report = doctor.diagnose_article(broken)

    records = {(x.model, x.pk) for r in report.results for f in r.findings for x in f.records}
    assert ("desk.claim", mine.pk) in records
    assert ("desk.claim", theirs.pk) not in records
    assert ("desk.actor", orphan_actor.pk) not in records
    assert "actor-unnamed" not in {r.rule.code for r in report.results}
    assert report.errors == 1


def test_doctor_command_prints_json_and_exits_0_on_the_corpus(capsys):
    call_command("doctor", "--format", "json")

    output = json.loads(capsys.readouterr().out)
    assert output["errors"] == 0
    assert output["warnings"] == 4
    assert {r["code"] for r in output["rules"]} == {r.code for r in doctor.RULES}


def test_doctor_command_exits_1_on_an_error_and_names_the_record(capsys):
    claim = claim_on(article(), "Tripoli", status=Claim.Status.VERIFIED)

    with pytest.raises(SystemExit) as exited:
        call_command("doctor")

    assert exited.value.code == 1
    out = capsys.readouterr().out
    assert "ERROR status-unsigned (1)" in out
    assert f"Claim #{claim.pk} is verified without who and when." in out


def test_doctor_command_checks_one_article_and_refuses_an_unknown_one(capsys):
    one = article()
    claim_on(one, "Tripoli", said_on=date(2030, 1, 1))

    with pytest.raises(SystemExit):
        call_command("doctor", "--article", one.source, "--limit", "0")
    assert "claim-after-publication (1)" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No article has the source"):
        call_command("doctor", "--article", "missing.txt")
    with pytest.raises(CommandError, match="--limit"):
        call_command("doctor", "--limit", "-1")


def test_findings_are_counted_in_full_and_listed_up_to_the_limit():
    for _ in range(3):
        EventFactory()

    report = doctor.diagnose(limit=2)

    result = next(r for r in report.results if r.rule.code == "event-without-article")
    assert result.total == 3
    assert len(result.findings) == 2
    assert Event.objects.filter(articles__isnull=True).count() == 3
