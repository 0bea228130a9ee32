"""Forms of the claim pages (claims across articles): shapes only, the claims services decide."""

from django import forms

from annotate.claims.selectors import LIST_ORDERINGS
from annotate.limits import text_limit
from annotate.web.forms import ScaleSelect, _scale_field


class ClaimEditForm(forms.Form):
    text = forms.CharField(
        label="Canonical text", widget=forms.Textarea(attrs={"rows": 3}), strip=True
    )
    claimant = forms.CharField(required=False, max_length=200)
    language = forms.CharField(max_length=35, help_text="A BCP 47 tag, e.g. en or pt-BR.")
    fresh_reviews = forms.BooleanField(
        required=False,
        label="Ask for fresh reviews of its appearances (the queue hands them out again)",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs["maxlength"] = text_limit("claim", "text")


class ClaimVerdictForm(forms.Form):
    label = forms.ChoiceField(widget=ScaleSelect, label="Final verdict")
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
        label="Claim number to merge into this one",
        help_text="Its appearances move here; it is deleted (its history stays).",
    )


class CheckedClaimsFilterForm(forms.Form):
    """The checked-claims list's GET form: every filter stays in the URL."""

    q = forms.CharField(required=False, max_length=200, label="Search in text or claimant")
    has_verdict = forms.NullBooleanField(
        required=False,
        label="Final verdict",
        widget=forms.Select(
            choices=[
                ("", "With or without"),
                ("true", "Has a final verdict"),
                ("false", "None yet"),
            ]
        ),
    )
    label = forms.ChoiceField(required=False, label="Label")
    sort = forms.ChoiceField(
        required=False,
        label="Sort by",
        choices=[("", "best match, else most appearances"), *LIST_ORDERINGS.items()],
    )

    def __init__(self, *args, labels: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].choices = [("", "Any label"), *((x, x) for x in labels)]
