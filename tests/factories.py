"""factory_boy factories: minimal, explicit data for unit tests."""

import hashlib
from datetime import date

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from libya.desk.models import (
    Actor,
    Affiliation,
    Alias,
    Article,
    Claim,
    ClaimLink,
    DatePrecision,
    Event,
    Participation,
    Suggestion,
)


class ActorFactory(DjangoModelFactory):
    class Meta:
        model = Actor
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Acteur {n}")
    slug = factory.Sequence(lambda n: f"acteur-{n}")
    kind = Actor.Kind.PERSON


class MediaFactory(ActorFactory):
    name = factory.Sequence(lambda n: f"Journal {n}")
    slug = factory.Sequence(lambda n: f"journal-{n}")
    kind = Actor.Kind.MEDIA


class AliasFactory(DjangoModelFactory):
    class Meta:
        model = Alias

    actor = factory.SubFactory(ActorFactory)
    name = factory.LazyAttribute(lambda o: o.actor.name)
    language = "fr"


class ArticleFactory(DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Article numéro {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    publisher = factory.SubFactory(MediaFactory)
    published_on = date(2020, 1, 14)
    published_precision = DatePrecision.DAY
    body = "Le ministre a déclaré : « Nous allons poursuivre nos efforts. » Fin."
    source = factory.Sequence(lambda n: f"test_{n:03d}.txt")
    content_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.body.encode()).hexdigest())


class EventFactory(DjangoModelFactory):
    class Meta:
        model = Event
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Pourparlers {n}")
    slug = factory.Sequence(lambda n: f"evenement-{n}")
    kind = Event.Kind.TALKS
    start_date = date(2020, 1, 13)
    date_precision = DatePrecision.DAY
    place_name = "Moscou"
    place_country = "RU"

    @factory.post_generation
    def participants(self, create, extracted, **kwargs):
        for actor in extracted or ():
            Participation.objects.create(event=self, actor=actor, role=Participation.Role.PARTY)


class ClaimFactory(DjangoModelFactory):
    """A claim whose text is taken from its article's body, so it always validates."""

    class Meta:
        model = Claim

    article = factory.SubFactory(ArticleFactory)
    speaker = factory.SubFactory(ActorFactory)
    kind = Claim.Kind.DIRECT_QUOTE
    span_start = factory.LazyAttribute(lambda o: o.article.body.index("«") + 2)
    span_end = factory.LazyAttribute(lambda o: o.article.body.index("»") - 1)
    text = factory.LazyAttribute(lambda o: o.article.body[o.span_start : o.span_end])
    said_on = date(2020, 1, 14)


class AffiliationFactory(DjangoModelFactory):
    class Meta:
        model = Affiliation

    actor = factory.SubFactory(ActorFactory)
    kind = Affiliation.Kind.MEMBER_OF
    target = factory.SubFactory(ActorFactory, kind=Actor.Kind.ORGANISATION)


class ClaimLinkFactory(DjangoModelFactory):
    class Meta:
        model = ClaimLink

    claim = factory.SubFactory(ClaimFactory)
    relation = ClaimLink.Relation.CORROBORATES
    other = factory.SubFactory(ClaimFactory)


class UserFactory(DjangoModelFactory):
    """A staff account; `editor=True` puts it in the Editors group."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def editor(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name="Editors"))


class ParticipationFactory(DjangoModelFactory):
    class Meta:
        model = Participation

    event = factory.SubFactory(EventFactory)
    actor = factory.SubFactory(ActorFactory)
    role = Participation.Role.PARTY


class SuggestionFactory(DjangoModelFactory):
    """A proposed direct quote at its article's « … » span, as the extractor stores one."""

    class Meta:
        model = Suggestion

    article = factory.SubFactory(ArticleFactory)
    kind = Suggestion.Kind.DIRECT_QUOTE
    span_start = factory.LazyAttribute(lambda o: o.article.body.index("«") + 2)
    span_end = factory.LazyAttribute(lambda o: o.article.body.index("»") - 1)
    text = factory.LazyAttribute(lambda o: o.article.body[o.span_start : o.span_end])
    confidence = 0.9
    extractor = "test"
    extractor_version = "1"
