"""Forms of the claim pages (claims across articles): shapes only, the claims services decide."""

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from annotate.claims.selectors import LIST_ORDERINGS
from annotate.limits import text_limit
from annotate.templatetags.review import isolate
from annotate.web.forms import ScaleSelect, _scale_field


class ClaimEditForm(forms.Form):
    text = forms.CharField(
        label=_("Canonical text"), widget=forms.Textarea(attrs={"rows": 3}), strip=True
    )
    claimant = forms.CharField(required=False, max_length=200)
    language = forms.CharField(max_length=35, help_text=_("A BCP 47 tag, e.g. en or pt-BR."))
    fresh_reviews = forms.BooleanField(
        required=False,
        label=_("Ask for fresh reviews of its appearances (the queue hands them out again)"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs["maxlength"] = text_limit("claim", "text")


class ClaimVerdictForm(forms.Form):
    label = forms.ChoiceField(widget=ScaleSelect, label=_("Final verdict"))
    rationale = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, scale: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        _scale_field(self.fields["label"], scale)
        self.fields["rationale"].widget.attrs["maxlength"] = text_limit(
            "claim", "verdict_rationale"
        )


class ClaimMergeForm(forms.Form):
    merge = forms.IntegerField(
        min_value=1,
        label=_("Claim number to merge into this one"),
        help_text=_("Its appearances move here; it is deleted (its history stays)."),
    )


class ClaimSplitForm(forms.Form):
    spans = forms.TypedMultipleChoiceField(
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label=_("Appearances to move to a new claim"),
    )
    text = forms.CharField(
        required=False,
        label=_("The new claim's canonical text"),
        help_text=_("Left empty: this claim's text."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    move_verdict = forms.BooleanField(
        required=False, label=_("The final verdict goes with the new claim")
    )

    def __init__(self, *args, spans=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spans"].choices = [
            (
                span.pk,
                # User text set apart (<bdi>) inside the translated sentence, as in templates.
                mark_safe(  # noqa: S308 - the sentence is escaped, the parts are isolate()'s
                    conditional_escape(gettext("“%(quote)s” in %(title)s"))
                    % {
                        "quote": isolate(span.quote, span.article.language),
                        "title": isolate(span.article.title, span.article.language),
                    }
                ),
            )
            for span in spans
        ]

    def clean_text(self) -> str | None:
        return self.cleaned_data["text"] or None


class ClaimLinkForm(forms.Form):
    other = forms.IntegerField(
        min_value=1,
        label=_("Claim number in another project"),
        help_text=_("The same statement, checked in a project you also edit."),
    )


class ClaimCommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), strip=True)


class CheckedClaimsFilterForm(forms.Form):
    """The checked-claims list's GET form: every filter stays in the URL."""

    q = forms.CharField(required=False, max_length=200, label=_("Search in text or claimant"))
    has_verdict = forms.NullBooleanField(
        required=False,
        label=_("Final verdict"),
        widget=forms.Select(
            choices=[
                ("", _("With or without")),
                ("true", _("Has a final verdict")),
                ("false", _("None yet")),
            ]
        ),
    )
    label = forms.ChoiceField(required=False, label=_("Label"))
    sort = forms.ChoiceField(
        required=False,
        label=_("Sort by"),
        choices=[("", _("best match, else most appearances")), *LIST_ORDERINGS.items()],
    )

    def __init__(self, *args, labels: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].choices = [("", gettext("Any label")), *((x, x) for x in labels)]
