"""Admin forms: optimistic locking, claims anchored to their article's text, pasted articles."""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.text import Truncator, format_lazy
from django.utils.translation import gettext_lazy as _

from libya.desk import cleaning, ingest
from libya.desk.history import changes_since
from libya.desk.models import Actor, Article, Claim, DatePrecision, Event
from libya.desk.models.claims import quote_starts


def stale_error(instance: models.Model, seen: int | None) -> ValidationError | None:
    """Lock `instance`'s row until the transaction ends; an error if it changed since `seen`.

    The row lock (SELECT ... FOR UPDATE) makes check-then-save atomic: a second editor's
    save waits here until the first one commits, then sees the new version.
    """
    manager = type(instance)._default_manager
    current = manager.select_for_update().filter(pk=instance.pk).values_list("version", flat=True)
    current = current.first()
    if current is None:
        return ValidationError(
            _("%(obj)s was deleted by someone else while you were editing it."),
            code="deleted",
            params={"obj": str(instance)},
        )
    if seen is None or current != seen:
        return ValidationError(stale_message(instance, seen, current), code="stale")
    return None


def stale_message(instance: models.Model, seen: int | None, current: int) -> str:
    """A sentence naming who changed `instance` since version `seen` and what they changed."""
    changes, users = changes_since(instance, seen) if seen else ([], [])
    what = "; ".join(f"{c.field}: « {c.before} » → « {c.after} »" for c in changes)
    return format_lazy(
        _(
            "{obj} was changed by {who} while you were editing it (version {seen} → {current})"
            "{what}. Your changes were not saved: reload the page to see theirs, then edit again."
        ),
        obj=str(instance),  # now: the form is about to overwrite the instance's fields
        who=", ".join(users) or _("someone else"),
        seen=seen if seen is not None else "?",
        current=current,
        what=f": {what}" if what else "",
    )


# What an editor gives about an article besides its text (the add form and the admin fieldsets).
ARTICLE_METADATA_FIELDS = [
    "publisher",
    "agency",
    "language",
    "published_on",
    "published_precision",
    "url",
    "mentioned_actors",
]


class VersionedModelForm(forms.ModelForm):
    """A model form that refuses to save over a change made after it was displayed."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk is not None and self.needs_version_check():
            error = stale_error(self.instance, cleaned.get("expected_version"))
            if error is not None:
                raise error
        return cleaned

    def needs_version_check(self) -> bool:
        return True


class VersionedChangelistForm(VersionedModelForm):
    """A list_editable row: only rows the editor changed are locked and checked."""

    def needs_version_check(self) -> bool:
        return self.has_changed()


class ArticleForm(VersionedModelForm):
    """Change form of an article: a new body must still hold every claim's quote at its span."""

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if self.instance.pk is None:
            return body
        broken = [
            claim
            for claim in self.instance.claims.all()
            if body[claim.span_start : claim.span_end] != claim.text
        ]
        if broken:
            raise ValidationError(
                _("This body no longer holds the text of these claims at their spans: %(claims)s."),
                code="claims_broken",
                params={"claims": "; ".join(f"#{c.pk} « {c.text[:40]} »" for c in broken)},
            )
        return body


class ArticleAddForm(VersionedModelForm):
    """A new article from pasted text or an uploaded document, cleaned like an import.

    The first submission shows what the cleaning rules kept and stripped; saving
    needs a second submission of the same text, so nothing is saved unseen.
    """

    raw_text = forms.CharField(
        label=_("pasted text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("The page's text as copied from the site, boilerplate included."),
    )
    document = forms.FileField(
        label=_("or upload a document"), required=False, help_text=_("A UTF-8 text file.")
    )
    previewed = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        fields = ["title", *ARTICLE_METADATA_FIELDS]

    preview: cleaning.Document | None = None
    detected: list[Actor] = []
    title_to_save = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = _(
            "Leave empty to take the text's first line (shown in the preview before saving)."
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        raw, name = self._raw_document(cleaned)
        self.preview = cleaning.parse(raw)
        self.detected = list(Actor.objects.filter(pk__in=self._mentions()))
        self._infer_metadata(cleaned)
        digest = ingest.content_hash(raw.encode())
        if cleaned.get("previewed") != digest:
            self._ask_confirmation(raw, digest)
        self._fill_instance(name or f"admin_{digest[:16]}.txt", digest)
        return cleaned

    def awaiting_confirmation(self) -> bool:
        """Whether the only thing keeping the form from saving is the preview to confirm."""
        return list(self.errors) == [NON_FIELD_ERRORS] and all(
            error.code == "preview" for error in self.errors.as_data()[NON_FIELD_ERRORS]
        )

    def _mentions(self) -> set[int]:
        return ingest.mentioned_actor_ids(f"{self.preview.title}\n{self.preview.body}")

    def _raw_document(self, cleaned: dict) -> tuple[str, str]:
        upload = cleaned.get("document")
        if upload:
            try:
                return upload.read().decode("utf-8-sig"), upload.name
            except UnicodeDecodeError as exc:
                raise ValidationError(
                    {"document": _("The document is not UTF-8 text.")}, code="encoding"
                ) from exc
        if not cleaned.get("raw_text", "").strip():
            raise ValidationError(_("Paste the article's text or upload a document."), code="empty")
        return cleaned["raw_text"], ""

    def _ask_confirmation(self, raw: str, digest: str) -> None:
        # An upload cannot be re-sent by the browser: its text moves into the textarea.
        self.data = self.data.copy()
        self.data["raw_text"], self.data["previewed"] = raw, digest
        raise ValidationError(
            _("Check the cleaned text and what was stripped below, then save again to confirm."),
            code="preview",
        )

    def _fill_instance(self, source: str, digest: str) -> None:
        if Article.objects.filter(source=source).exists():
            raise ValidationError(
                _("An article from the source document %(source)s already exists."),
                code="duplicate_source",
                params={"source": source},
            )
        article, preview = self.instance, self.preview
        article.title = self.title_to_save
        article.body = preview.body
        article.source = source
        article.content_hash = digest
        article.slug = ingest.unique_slug(article.title, source)

    def _infer_metadata(self, cleaned: dict) -> None:
        """Title, date and agency from the text where the editor gave none, before the
        preview, so that it shows them and a missing date is asked for at once."""
        preview = self.preview
        self.title_to_save = cleaned["title"] = (
            cleaned.get("title") or preview.title or Truncator(preview.body).words(12)
        )
        if not cleaned.get("published_on"):
            published = ingest.parse_published(preview.date_hint)
            cleaned["published_on"], cleaned["published_precision"] = published
        if not cleaned.get("agency"):
            cleaned["agency"] = ingest.agency_from_text(preview.agency_hint)

    def _save_m2m(self) -> None:
        super()._save_m2m()
        if not self.cleaned_data.get("mentioned_actors"):
            self.instance.mentioned_actors.set(self.detected)


class ClaimForm(VersionedModelForm):
    """A claim anchored to its article: the span comes from a text selection or is found
    from the typed quote; the context around it is recorded on save."""

    class Meta:
        model = Claim
        fields = [
            "article",
            "text",
            "span_start",
            "span_end",
            "kind",
            "speaker",
            "subjects",
            "event",
            "said_on",
            "said_precision",
            "gloss_en",
            "note",
            "status",
        ]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("span_start", "span_end"):
            if name in self.fields:
                self.fields[name].required = False
        if "text" in self.fields:
            self.fields["text"].required = False

    def clean(self) -> dict:
        cleaned = super().clean()
        article = cleaned.get("article")
        if article is None or not {"span_start", "span_end", "text"} <= set(self.fields):
            return cleaned
        start, end, text = (cleaned.get(k) for k in ("span_start", "span_end", "text"))
        if start is not None and end is not None:
            if not text:
                cleaned["text"] = article.body[start:end]
        elif text:
            cleaned["span_start"], cleaned["span_end"] = find_span(article.body, text, start)
        else:
            raise ValidationError(
                {"text": _("Select the passage in the article, or type its exact text.")},
                code="quote_required",
            )
        return cleaned

    def save(self, commit: bool = True) -> Claim:
        self.instance.anchor()
        return super().save(commit)


def find_span(body: str, quote: str, near: int | None = None) -> tuple[int, int]:
    """The one span of `body` holding `quote`; `near` (a start offset) picks among several."""
    starts = quote_starts(body, quote)
    if near is not None and near in starts:
        starts = [near]
    if not starts:
        raise ValidationError(
            {"text": _("This text is not in the article body. Copy it exactly, or select it.")},
            code="quote_missing",
        )
    if len(starts) > 1:
        ambiguous = ValidationError(
            _(
                "This text occurs %(count)s times in the article, at characters "
                "%(offsets)s. Select the right passage, or give its span start."
            ),
            code="quote_ambiguous",
            params={"count": len(starts), "offsets": ", ".join(map(str, starts))},
        )
        raise ValidationError({"text": ambiguous})
    return starts[0], starts[0] + len(quote)


class MergeForm(forms.Form):
    """Which of the selected actors survives a merge."""

    keep = forms.ModelChoiceField(queryset=Actor.objects.none(), widget=forms.RadioSelect)

    def __init__(self, *args, actors, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = actors
        self.fields["keep"].label = _("Keep")
        self.fields["keep"].help_text = _(
            "The others are deleted; their names become aliases of this one."
        )


class KnownAutocompleteSelect(AutocompleteSelect):
    """An autocomplete whose selected option was loaded with the page's rows.

    Django's widget queries its selected option for each form; the review screen
    shows a form per suggestion, and the speaker or event is already joined to it.
    """

    def __init__(self, *args, known: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.known = known or {}

    def optgroups(self, name: str, value: list, attr=None) -> list:
        chosen = [str(v) for v in value if v not in (None, "")]
        if any(v not in self.known for v in chosen):
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        for v in chosen:
            options.append(self.create_option(name, v, self.known[v], True, len(options)))
        return [(None, options, 0)]


# The values an editor may correct before accepting, by kind of suggestion.
SUGGESTION_FIELDS = {
    "direct_quote": ["kind", "speaker", "speaker_name", "said_on", "said_precision", "event"],
    "reported_speech": ["kind", "speaker", "speaker_name", "said_on", "said_precision", "event"],
    "alias": ["actor", "name"],
    "actor": ["name", "actor_kind"],
    "date": ["said_on", "said_precision"],
    "event": ["event"],
}


class SuggestionForm(forms.Form):
    """A suggestion's proposed values, for an editor to correct before accepting it.

    One per suggestion on the review screen, each with its own prefix; a speaker left
    empty with a name typed is someone new, created on accept.
    """

    kind = forms.ChoiceField(
        label=_("kind"),
        choices=Claim.Kind.choices[:2],  # a quote or reported speech
    )
    speaker = forms.ModelChoiceField(Actor.objects.all(), label=_("speaker"), required=False)
    speaker_name = forms.CharField(
        label=_("or someone new"), max_length=200, required=False, strip=True
    )
    said_on = forms.DateField(
        label=_("date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    said_precision = forms.ChoiceField(
        label=_("precision"), choices=[("", "—"), *DatePrecision.choices], required=False
    )
    event = forms.ModelChoiceField(Event.objects.all(), label=_("event"), required=False)
    actor = forms.ModelChoiceField(Actor.objects.all(), label=_("actor"), required=False)
    name = forms.CharField(label=_("name"), max_length=200, required=False, strip=True)
    actor_kind = forms.ChoiceField(
        label=_("actor kind"), choices=[("", "—"), *Actor.Kind.choices], required=False
    )

    def __init__(self, suggestion, admin_site, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", f"s{suggestion.pk}")
        kwargs.setdefault("initial", self.proposed(suggestion))
        super().__init__(*args, **kwargs)
        keep = SUGGESTION_FIELDS[suggestion.kind]
        for name in [n for n in self.fields if n not in keep]:
            del self.fields[name]
        for name in {"speaker", "event", "actor"} & set(self.fields):
            self.fields[name].widget = self._autocomplete(suggestion, name, admin_site)

    @classmethod
    def proposed(cls, suggestion) -> dict:
        """The form's values as the extractor proposed them."""
        related = {"speaker", "event", "actor"}
        values = {n: getattr(suggestion, n) for n in cls.base_fields if n not in related}
        return values | {n: getattr(suggestion, f"{n}_id") for n in related}

    @staticmethod
    def _autocomplete(suggestion, name: str, admin_site) -> KnownAutocompleteSelect:
        related = getattr(suggestion, name)
        known = {str(related.pk): str(related)} if related is not None else {}
        return KnownAutocompleteSelect(
            type(suggestion)._meta.get_field(name),
            admin_site,
            attrs={"data-width": "22em"},
            known=known,
        )


class ReviewDecisionForm(forms.Form):
    """What a button of the review screen asks for."""

    op = forms.ChoiceField(
        choices=[(op, op) for op in ("accept", "reject", "accept_all", "suggest")]
    )
    suggestion = forms.IntegerField(required=False, min_value=1)
    version = forms.IntegerField(required=False, min_value=1)
    kind = forms.ChoiceField(choices=[(k, k) for k in SUGGESTION_FIELDS], required=False)

    def clean(self) -> dict:
        cleaned = super().clean()
        op = cleaned.get("op")
        if op in ("accept", "reject") and not cleaned.get("suggestion"):
            raise ValidationError(_("Which suggestion?"), code="suggestion_required")
        if op == "accept_all" and not cleaned.get("kind"):
            raise ValidationError(_("Accept all of which kind?"), code="kind_required")
        return cleaned
