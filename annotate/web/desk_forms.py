"""Forms of the editor's desk: a project's settings, its scale, and the claims and articles
tables' filters and bulk actions. Shapes only: project_create/project_save and the review
services hold the rules, and their field errors land on these fields."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from annotate.limits import text_limit
from annotate.models import Project
from annotate.projects.models import FEVER_CLASSES
from annotate.projects.scales import PRESETS
from annotate.review.status import SpanStatus

CUSTOM = "custom"


class ProjectSettingsForm(forms.Form):
    name = forms.CharField(max_length=text_limit("project", "name"))
    slug = forms.SlugField(max_length=100, help_text=_("Letters, digits and hyphens; in URLs."))
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reviews_per_claim = forms.IntegerField(
        min_value=1, max_value=20, initial=2, label=_("Reviews per claim (k)")
    )
    blind_review = forms.BooleanField(
        required=False, initial=True, help_text=Project._meta.get_field("blind_review").help_text
    )
    sources_required = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Sources required"),
        help_text=Project._meta.get_field("sources_required").help_text,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A hint for the browser; project_create/project_save refuse an overlong text.
        self.fields["description"].widget.attrs["maxlength"] = text_limit("project", "description")


class ScaleChoiceForm(forms.Form):
    scale_preset = forms.ChoiceField(
        label=_("Scale"),
        choices=[*((key, preset.title) for key, preset in PRESETS.items()), (CUSTOM, _("Custom"))],
        initial="plain",
    )
    scale_is_ordinal = forms.BooleanField(
        required=False,
        label=_("Ordinal scale"),
        help_text=_("Labels are ordered, most true first (custom scales; presets say themselves)."),
    )


class ScaleLabelForm(forms.Form):
    label = forms.CharField(max_length=100, required=False)
    description = forms.CharField(max_length=500, required=False)
    needs_sources = forms.BooleanField(required=False, initial=True, label=_("Needs sources"))
    fever = forms.ChoiceField(
        required=False,
        label=_("FEVER class"),
        choices=[("", _("—")), *((c, c) for c in FEVER_CLASSES)],
    )


ScaleFormSet = forms.formset_factory(ScaleLabelForm, extra=3, max_num=30, can_delete=True)


def scale_from(formset) -> tuple[list[dict], dict[str, str]]:
    """The filled, undeleted label rows as a project scale, and their FEVER mapping."""
    scale, mapping = [], {}
    for row in formset.cleaned_data:
        if not row or row.get("DELETE") or not row.get("label", "").strip():
            continue
        label = row["label"].strip()
        scale.append(
            {
                "label": label,
                "description": row["description"],
                "needs_sources": row["needs_sources"],
            }
        )
        if row["fever"]:
            mapping[label] = row["fever"]
    return scale, mapping


def scale_initial(project: Project) -> list[dict]:
    mapping = project.fever_mapping or {}
    return [
        {
            "label": entry["label"],
            "description": entry.get("description", ""),
            "needs_sources": entry.get("needs_sources", True),
            "fever": mapping.get(entry["label"], ""),
        }
        for entry in project.scale
    ]


ORPHANED_CHOICES = [("", _("Placed or orphaned")), ("false", _("Placed")), ("true", _("Orphaned"))]


class ClaimFilterForm(forms.Form):
    """The claims table's GET form: every filter stays in the URL."""

    q = forms.CharField(required=False, max_length=200, label=_("Search in quote"))
    status = forms.ChoiceField(required=False, choices=[("", _("Any status")), *SpanStatus.choices])
    label = forms.ChoiceField(required=False)
    reviewer = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    # An id, set by the article links of both tables: a select of every article would grow
    # with the project (and Django renders each option through a template).
    article = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    orphaned = forms.NullBooleanField(
        required=False,
        widget=forms.Select(
            choices=[("", _("Placed or orphaned")), ("false", _("Placed")), ("true", _("Orphaned"))]
        ),
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, labels, reviewers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].choices = [("", gettext("Any label")), *((x, x) for x in labels)]
        self.fields["reviewer"].choices = [("", gettext("Any reviewer")), *reviewers]


class ArticleFilterForm(forms.Form):
    q = forms.CharField(
        required=False, max_length=200, label=_("Search in title, publisher or text")
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)


class ClaimBulkForm(forms.Form):
    """A bulk action on the ticked claims. `confirm` is the second step of a delete."""

    action = forms.ChoiceField(
        choices=[
            ("assign", _("Assign to reviewer")),
            ("reopen", _("Reopen")),
            ("delete", _("Delete")),
        ]
    )
    spans = forms.TypedMultipleChoiceField(coerce=int, choices=[], label=_("Claims"))
    reviewer = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    confirm = forms.BooleanField(required=False)

    def __init__(self, *args, reviewers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].choices = [("", gettext("Choose a reviewer")), *reviewers]
        # Any id: the view reads the ticked claims through the selector that applies access.
        self.fields["spans"].valid_value = lambda value: True

    def clean(self):
        data = super().clean()
        if data.get("action") == "assign" and not data.get("reviewer"):
            self.add_error("reviewer", gettext("Choose whom to assign the claims to."))
        return data
