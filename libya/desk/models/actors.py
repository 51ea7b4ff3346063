"""Actors (people, bodies, states, outlets...), the spellings they go by, and their ties."""

import re

import pghistory
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import F, Max, Q, Value
from django.db.models.functions import Cast, Greatest
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext_lazy as _

from libya.desk.models.common import (
    Curated,
    FoldedText,
    counted_in_place,
    generation_trigger,
    stamp_triggers,
    tracked,
)

# Words that begin Arabic and French names by the thousand: no evidence of which name.
NAME_PARTICLES = {"al", "el", "ben", "bin", "ibn", "abu", "abou", "abd", "de", "du", "la", "le"}
# An actor's aliases, folded, as the search reads them from the actor.
FOLDED = "aliases__folded"


class ActorQuerySet(models.QuerySet):
    def search(self, term: str) -> "ActorQuerySet":
        """Actors whose name or any alias matches, accent-insensitively and fuzzily; best first.

        An alias matches when it contains the folded term, or when some stretch
        of it is trigram-similar to the term (``<%``, word similarity at least
        0.5: see the connection options in settings) and to each of the term's
        words that is not a name particle ("ben", "al-"...). All of it is served
        by the trigram GIN index on ``Alias.folded``. Thousands of names share a
        particle, and in "ben Bela" it is half the trigrams: alone, the term
        would match every "ben ..." alias. Whole-string similarity (``%``,
        threshold 0.3) is not a match condition for the same reason.

        An actor scores as its best matching alias; the score puts exact and prefix
        matches above fuzzy ones. The aliases are scored as the index finds them, in
        one grouped join: scoring every alias of each matching actor in a subquery
        per actor cost 40 % of the search of a common name ("el-Mechke": 258 actors,
        1,024 aliases, on tier M).
        """
        return self.search_bound(search_values(term))

    def search_bound(self, values: list[str]) -> "ActorQuerySet":
        """``search()`` of the term whose ``search_values()`` are `values`.

        Apart so that a list statement can be compiled once with stand-ins for the
        values and bind each request's own (api/views.py, ActorViewSet): the SQL
        depends only on how many values there are.
        """
        if not values:
            return self.none().annotate(search_score=Value(0.0))
        term, *words = values
        folded = FoldedText(Value(term))
        similar = Q(**{f"{FOLDED}__trigram_word_similar": folded})
        if words:
            key, *others = words
            similar &= Q(**{f"{FOLDED}__trigram_word_similar": FoldedText(Value(key))})
            for word in others:
                similar &= _word_similar(FoldedText(Value(word)))
        # One filter() call: both conditions are on the same alias. The annotation that
        # follows it reads the aliases it kept, one row per actor (grouped by its key).
        matching = self.filter(Q(**{f"{FOLDED}__contains": folded}) | similar)
        scored = matching.annotate(
            search_score=Cast(Max(_alias_score(folded)), models.FloatField())
        )
        return counted_in_place(scored).order_by("-search_score", "name", "slug")


def search_values(term: str) -> list[str]:
    """What a search for `term` looks up: the term, then, if it has several words, its
    longest distinctive word and its other distinctive words; nothing if it has no word.

    The index looks up the whole term and its longest distinctive word together: alone,
    "ben Bela" fetches every "ben ..." alias (20,000 of 150,000 on tier M) and "bela"
    thousands more, each tested by the filter. A one-word term is its own key.
    """
    if not any(char.isalnum() for char in term):
        return []  # folds to "", which every alias contains
    if len(re.findall(r"\w+", term)) == 1:
        return [term]
    words = _distinctive_words(term)
    key = max(words, key=len)
    return [term, key, *dict.fromkeys(word for word in words if word != key)]


def _distinctive_words(term: str) -> list[str]:
    """The term's words minus name particles (all of them if it has nothing else)."""
    words = re.findall(r"\w+", term.casefold())
    distinctive = [word for word in words if word not in NAME_PARTICLES]
    return distinctive or words


def _word_similar(word: models.Func) -> Q:
    """``folded %> word`` spelled as the function it stands for, so that it filters the rows
    the index finds instead of being one more condition of the index scan.

    With one ``%>`` per word in the index condition, the planner prices the scan of a
    three-word name above a sequential scan of every alias, and takes the sequential
    scan: 20 to 30 times slower on 17,000 aliases (the trigram functions' cost is not
    known to it). ``word_similarity(word, folded)`` against the same threshold is what
    ``%>`` compares, so the rows matched are the same.
    """
    threshold = Cast(
        models.Func(Value("pg_trgm.word_similarity_threshold"), function="current_setting"),
        models.FloatField(),
    )
    return Q(GreaterThanOrEqual(_trgm("word_similarity", word, F(FOLDED)), threshold))


def _trgm(function: str, *args) -> models.Func:
    return models.Func(*args, function=function, output_field=models.FloatField())


def _alias_score(folded: models.Func) -> models.Expression:
    exact = models.Case(
        models.When(**{FOLDED: folded}, then=Value(2.0)),
        models.When(**{f"{FOLDED}__startswith": folded}, then=Value(1.0)),
        default=Value(0.0),
    )
    return exact + Greatest(
        _trgm("similarity", F(FOLDED), folded), _trgm("word_similarity", folded, F(FOLDED))
    )


class ActorManager(models.Manager.from_queryset(ActorQuerySet)):
    def get_by_natural_key(self, slug: str) -> "Actor":
        return self.get(slug=slug)


@tracked("ActorHistory", pghistory.ManualEvent("merge"))
class Actor(Curated):
    """A person, organisation, government body, state, armed group or media outlet."""

    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        ORGANISATION = "organisation", _("organisation")
        GOVERNMENT_BODY = "government_body", _("government body")
        STATE = "state", _("state")
        ARMED_GROUP = "armed_group", _("armed group")
        INTERNATIONAL_ORGANISATION = "international_organisation", _("international organisation")
        MEDIA = "media", _("media outlet")

    name = models.CharField(_("canonical name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, db_index=True)
    description = models.TextField(_("description or role"), blank=True)
    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        db_index=True,
        help_text=_("ISO 3166-1 alpha-2 code, where one applies (LY, RU, TR...)."),
    )
    owner = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="outlets_owned",
        verbose_name=_("owner"),
        help_text=_("For a media outlet: who operates it."),
    )
    state_affiliated = models.BooleanField(
        _("state-affiliated"),
        null=True,
        blank=True,
        help_text=_("For a media outlet: funded or operated by a state. Empty when unknown."),
    )

    objects = ActorManager()

    class Meta:
        ordering = ["name", "slug"]
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        indexes = [
            GinIndex(OpClass(FoldedText("name"), name="gin_trgm_ops"), name="actor_name_trgm")
        ]
        triggers = [*stamp_triggers("actor"), generation_trigger("actor")]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class AliasManager(models.Manager):
    def get_by_natural_key(self, actor_slug: str, name: str) -> "Alias":
        return self.get(actor__slug=actor_slug, name=name)


@tracked("AliasHistory")
class Alias(models.Model):
    """One spelling of an actor's name, in one language."""

    actor = models.ForeignKey(
        Actor, models.CASCADE, related_name="aliases", verbose_name=_("actor")
    )
    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(
        _("language"), max_length=8, blank=True, help_text=_("BCP 47 code: fr, en, ru, ar, es...")
    )
    folded = models.GeneratedField(
        expression=FoldedText("name"),
        output_field=models.TextField(),
        db_persist=True,
        verbose_name=_("folded form"),
    )

    objects = AliasManager()

    class Meta:
        ordering = ["actor", "name"]
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        triggers = [generation_trigger("alias")]
        constraints = [models.UniqueConstraint("actor", "name", name="alias_unique_per_actor")]
        indexes = [
            GinIndex(fields=["folded"], opclasses=["gin_trgm_ops"], name="alias_folded_trgm"),
            models.Index("folded", name="alias_folded"),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str, str]:
        return (self.actor.slug, self.name)

    natural_key.dependencies = ["desk.actor"]


class AffiliationManager(models.Manager):
    def get_by_natural_key(self, actor: str, kind: str, target: str) -> "Affiliation":
        return self.get(actor__slug=actor, kind=kind, target__slug=target)


@tracked("AffiliationHistory")
class Affiliation(models.Model):
    """A dated tie between two actors: Haftar leads the LNA; Lavrov belongs to the ministry."""

    class Kind(models.TextChoices):
        LEADS = "leads", _("leads")
        MEMBER_OF = "member_of", _("member of")
        PART_OF = "part_of", _("part of")
        SPOKESPERSON_FOR = "spokesperson_for", _("spokesperson for")
        GOVERNMENT_OF = "government_of", _("government of")
        OPERATES = "operates", _("operates")

    actor = models.ForeignKey(
        Actor, models.CASCADE, related_name="affiliations", verbose_name=_("actor")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    target = models.ForeignKey(
        Actor, models.CASCADE, related_name="affiliated", verbose_name=_("target")
    )
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = AffiliationManager()

    class Meta:
        ordering = ["actor", "kind", "target"]
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        triggers = [generation_trigger("affiliation")]
        constraints = [
            models.UniqueConstraint("actor", "kind", "target", name="affiliation_unique"),
            models.CheckConstraint(condition=~Q(actor=F("target")), name="affiliation_not_self"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="affiliation_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.get_kind_display()} {self.target}"

    def natural_key(self) -> tuple[str, str, str]:
        return (self.actor.slug, self.kind, self.target.slug)

    natural_key.dependencies = ["desk.actor"]
