"""HTML forms: shapes only. Rules are the services'; their ValidationErrors land on fields.

Text limits (annotate.limits) are the services' too: a textarea only gets `maxlength` from the
table as a hint, so an overlong text is refused with the same message as at the API.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from annotate.limits import SOURCES_PER_VERDICT, text_limit
from annotate.models import Membership, Source, Verdict
from annotate.projects.invitations import DEFAULT_INVITATION_ROLE
from annotate.review.services import SourceInput


class SpanForm(forms.Form):
    start = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    quote = forms.CharField(strip=False, widget=forms.HiddenInput)
    claimant = forms.CharField(
        max_length=200, required=False, label=gettext_lazy("Who made the claim")
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_hint(self, "note", "span", "note")

    def clean_quote(self) -> str:
        # Browsers submit line breaks as CRLF; the canonical body only has LF.
        return self.cleaned_data["quote"].replace("\r\n", "\n")


class SpanBoundsForm(forms.Form):
    """A claim's new [start, end) in code points; the service derives its quote."""

    start = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class ArticleLanguageForm(forms.Form):
    """The language an editor states for an article; the service checks the tag."""

    language = forms.CharField(
        max_length=35,
        label=gettext_lazy("Language"),
        help_text=gettext_lazy("A BCP 47 tag, such as ar, he, hi or pt-BR."),
    )


class ScaleSelect(forms.RadioSelect):
    """Radio choices of a scale, each option knowing its label's description (`radio.data.
    description` in templates) and pointing to it with aria-describedby: a reviewer reads what a
    label means where they choose it, and the radio's name stays the label alone."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.descriptions: dict[str, str] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["description"] = self.descriptions.get(value, "")
        if option["description"] and option["attrs"].get("id"):
            option["attrs"]["aria-describedby"] = f"{option['attrs']['id']}-description"
        return option


def _scale_field(field: forms.ChoiceField, scale: list[dict]) -> None:
    field.choices = [(entry["label"], entry["label"]) for entry in scale]
    field.widget.descriptions = {
        entry["label"]: (entry.get("description") or "").strip() for entry in scale
    }


class VerdictForm(forms.Form):
    label = forms.ChoiceField(widget=ScaleSelect, required=False, label=gettext_lazy("Verdict"))
    rationale = forms.CharField(
        required=False, strip=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    confidence = forms.TypedChoiceField(
        choices=[("", gettext_lazy("—")), *((str(n), str(n)) for n in range(1, 6))],
        coerce=int,
        empty_value=None,
        required=False,
        label=gettext_lazy("Confidence (1–5)"),
    )
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    # Set by the button pressed: "Save draft" or "Submit".
    intent = forms.ChoiceField(
        choices=[("draft", gettext_lazy("Save draft")), ("submit", gettext_lazy("Submit"))]
    )

    def __init__(self, *args, scale: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        _scale_field(self.fields["label"], scale)
        _limit_hint(self, "rationale", "verdict", "rationale")


class SourceForm(forms.Form):
    url = forms.CharField(max_length=2000, required=False, label=gettext_lazy("URL"))
    title = forms.CharField(max_length=500, required=False)
    excerpt = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    stance = forms.ChoiceField(choices=Source.Stance.choices, initial=Source.Stance.CONTEXT)
    accessed_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label=gettext_lazy("Accessed"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_hint(self, "excerpt", "source", "excerpt")


SourceFormSet = forms.formset_factory(
    SourceForm, extra=0, can_delete=True, max_num=SOURCES_PER_VERDICT
)


def sources_from(formset) -> list[SourceInput]:
    """The filled, undeleted source rows, in order."""
    return [
        SourceInput(
            url=row["url"],
            title=row["title"],
            excerpt=row["excerpt"],
            stance=row["stance"],
            accessed_on=row["accessed_on"],
        )
        for row in formset.cleaned_data
        if row and not row.get("DELETE") and row.get("url", "").strip()
    ]


def attach_errors(error: ValidationError, form: forms.Form, formset=None) -> None:
    """Put a service's field errors on the form fields (and source rows) they name."""
    filled_rows = (
        [
            f
            for f in formset.forms
            if f.cleaned_data
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("url", "").strip()
        ]
        if formset is not None
        else []
    )
    for key, messages in error.message_dict.items():
        parts = key.split(".")
        if key == "sources":  # shown beside the source rows, not at the top of the form
            form.source_errors = [*getattr(form, "source_errors", []), *messages]
            continue
        if parts[0] == "sources" and len(parts) == 3 and formset is not None:
            index, field = int(parts[1]), parts[2]
            if index < len(filled_rows) and field in filled_rows[index].fields:
                for message in messages:
                    filled_rows[index].add_error(field, message)
                continue
        target = key if key in form.fields else None
        for message in messages:
            form.add_error(target, message)


class CommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=gettext_lazy("Comment"))
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_hint(self, "body", "comment", "body")


class AdjudicationForm(forms.Form):
    label = forms.ChoiceField(widget=ScaleSelect, label=gettext_lazy("Final verdict"))
    rationale = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    considered_verdicts = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Verdicts considered"),
    )

    def __init__(self, *args, scale: list[dict], verdicts: list[Verdict], **kwargs):
        super().__init__(*args, **kwargs)
        _scale_field(self.fields["label"], scale)
        self.fields["considered_verdicts"].choices = [
            (v.pk, f"{v.reviewer.get_username()}: {v.label}") for v in verdicts
        ]
        _limit_hint(self, "rationale", "adjudication", "rationale")


class MemberForm(forms.Form):
    """The Members page: invite by email (or a link to share, left blank), or add an existing
    user, change their role or remove them, by username."""

    invitee = forms.CharField(
        max_length=254,  # an email address's longest
        required=False,
        label=gettext_lazy("Username or email"),
        help_text=gettext_lazy(
            "An existing username joins at once. An email address gets an invitation "
            "link by mail; leave it blank for a link to share yourself."
        ),
    )
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=DEFAULT_INVITATION_ROLE)


class InvitationAcceptForm(forms.Form):
    """A new person's account, made when they accept an invitation."""

    username = forms.CharField(
        max_length=150, help_text=gettext_lazy("Letters, digits and @ . + - _ only.")
    )
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        label=gettext_lazy("Password again"),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class SkipForm(forms.Form):
    reason = forms.CharField(
        required=False,
        label=gettext_lazy("Why skip? (optional)"),
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Why skip? (optional)")}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_hint(self, "reason", "skip", "reason")


def _limit_hint(form: forms.Form, name: str, model: str, field: str) -> None:
    """The browser's maxlength from annotate.limits; the service still checks the text."""
    form.fields[name].widget.attrs["maxlength"] = text_limit(model, field)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one `<input type=file multiple>`, cleaned one by one into a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        uploads = data if isinstance(data, list | tuple) else [data]
        return [
            super(MultipleFileField, self).clean(upload, initial) for upload in uploads if upload
        ]


# The suffixes corpus.importers reads (others are read as plain text).
ARTICLE_FILE_TYPES = ".txt,.md,.markdown,.text,.html,.htm,.jsonl,.ndjson"
# As long as an article's source URL may be (corpus.models.Article, the API's source_url).
URL_MAX_LENGTH = 2000


class ArticleIntakeForm(forms.Form):
    files = MultipleFileField(
        required=False,
        # An empty file fails alone in the report, named, like any other unreadable one.
        allow_empty_file=True,
        label=gettext_lazy("Files"),
        help_text=gettext_lazy(
            "Text or Markdown (one article each, title on the first line), HTML pages, "
            "or JSON Lines (one article a line). Several at once."
        ),
        widget=MultipleFileInput(attrs={"accept": ARTICLE_FILE_TYPES}),
    )
    urls = forms.CharField(
        required=False,
        strip=True,
        label=gettext_lazy("Web pages"),
        help_text=gettext_lazy("One URL a line; the server fetches each page and keeps its HTML."),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )

    def clean_urls(self) -> list[str]:
        urls = [line.strip() for line in self.cleaned_data["urls"].splitlines() if line.strip()]
        if len(urls) > settings.FETCH_MAX_URLS:
            raise ValidationError(
                _("At most %(fetch_max_urls)s URLs at a time.")
                % {"fetch_max_urls": settings.FETCH_MAX_URLS}
            )
        for number, url in enumerate(urls, start=1):
            if len(url) > URL_MAX_LENGTH:
                raise ValidationError(
                    _("Line %(number)s: a URL may have at most %(url_max_length)s characters.")
                    % {"number": number, "url_max_length": URL_MAX_LENGTH}
                )
        return list(dict.fromkeys(urls))

    def clean(self) -> dict:
        cleaned = super().clean()
        files = cleaned.get("files") or []
        if sum(upload.size for upload in files) > settings.UPLOAD_MAX_BYTES:
            self.add_error(
                "files",
                (
                    _("At most %(value)s MB at a time, all files together.")
                    % {"value": format(settings.UPLOAD_MAX_BYTES / 1000000.0, "g")}
                ),
            )
        if not self.errors and not files and not cleaned.get("urls"):
            raise ValidationError(_("Choose files or paste URLs."))
        return cleaned
