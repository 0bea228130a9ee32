"""Export options: one dataclass every door fills (command, API, page, admin action), and one form
that parses them from a query string for the API and the export page.

Label modes (`labels`), for every format:
- `adjudicated`: only adjudicated spans, with the editor's final label;
- `majority`: one label per span: the adjudicated one where there is one, else the most frequent
  submitted label if no other label ties with it (spans with a tie or no submitted verdict have
  no majority and are left out of label rows);
- `all`: every reviewer's verdict as its own row or annotation (formats with a place for the
  final label, such as CSV's `adjudicated_label` column, W3C and Label Studio, add it).
None means the format's default (`Exporter.default_labels`).
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

from annotate.models import FEVER_CLASSES
from annotate.review.status import SpanStatus

LABEL_MODES = ("adjudicated", "majority", "all")
OFFSET_UNITS = ("utf16", "codepoints", "graphemes")
ARTIFACTS = ("data", "datasheet", "config")
DEFAULT_REVIEW_URL = "urn:fc:{project}:{span}"
DEFAULT_CHUNK_SIZE = 2000  # rows per fetch from each server-side cursor


@dataclass(frozen=True, slots=True)
class ExportOptions:
    articles: tuple[int, ...] = ()  # article pks; empty: all the project's articles
    statuses: tuple[str, ...] = ()  # span statuses (SpanStatus); empty: any
    labels: str | None = None  # a LABEL_MODES entry; None: the format's default
    include_orphaned: bool = False
    include_drafts: bool = False  # draft verdicts stay private unless asked for
    real_names: bool = False  # usernames instead of pseudonyms (project editors only)
    salt: str = ""  # pseudonym salt; "": the server's own, stable per project
    offset_unit: str = "utf16"  # doccano only (FORMATS.md §4c)
    fever_map: tuple[tuple[str, str], ...] = ()  # (scale label, FEVER class) over the default
    review_url: str = DEFAULT_REVIEW_URL  # ClaimReview `url`: {project}, {article}, {span}
    organization: str = ""  # ClaimReview `author` (the fact-checking organisation)
    completed_by_email: bool = False  # Label Studio `completed_by: {"email"}` (real names only)
    chunk_size: int = DEFAULT_CHUNK_SIZE

    def check(self, *, label_modes: tuple[str, ...]) -> None:
        """Raise ValidationError (by option) for values no format accepts, or this one refuses."""
        errors: dict[str, str] = {}
        if self.labels is not None and self.labels not in label_modes:
            errors["labels"] = gettext("This format takes labels=%(join)s.") % {
                "join": " or ".join(label_modes)
            }
        if unknown := set(self.statuses) - set(SpanStatus.values):
            errors["status"] = gettext("Unknown span status: %(join)s.") % {
                "join": ", ".join(sorted(unknown))
            }
        if self.offset_unit not in OFFSET_UNITS:
            errors["offset_unit"] = gettext("Choose one of %(join)s.") % {
                "join": ", ".join(OFFSET_UNITS)
            }
        if bad := [target for _, target in self.fever_map if target not in FEVER_CLASSES]:
            errors["fever_map"] = gettext("FEVER classes are %(join)s, not %(bad)s.") % {
                "join": ", ".join(FEVER_CLASSES),
                "bad": bad[0],
            }
        if self.completed_by_email and not self.real_names:
            errors["completed_by"] = gettext(
                "E-mail addresses identify reviewers: ask for real names."
            )
        if not 1 <= self.chunk_size <= 100_000:
            errors["chunk_size"] = gettext("Between 1 and 100,000 rows.")
        if errors:
            raise ValidationError(errors)


def parse_fever_map(entries: list[str]) -> tuple[tuple[str, str], ...]:
    """`["Half True=REFUTES", ...]` (one per entry or line) -> pairs; ValueError on a bad one."""
    pairs = []
    for entry in entries:
        for line in entry.splitlines():
            if not line.strip():
                continue
            label, sep, target = line.rpartition("=")
            if not sep or not label.strip():
                raise ValueError(gettext("Write LABEL=CLASS, not %(line)r.") % {"line": line})
            pairs.append((label.strip(), target.strip()))
    return tuple(pairs)


def parse_ids(value: str) -> tuple[int, ...]:
    """`"1, 2,3"` -> (1, 2, 3); ValueError on anything else."""
    ids = [part.strip() for part in value.replace(" ", ",").split(",") if part.strip()]
    if not all(part.isdigit() for part in ids):
        raise ValueError(gettext("Article ids are whole numbers separated by commas."))
    return tuple(sorted({int(part) for part in ids}))


class FlagInput(forms.CheckboxInput):
    """A checkbox that also reads `0`, `false`, `no` and `off` as unticked (query strings)."""

    def value_from_datadict(self, data, files, name) -> bool:
        value = data.get(name)
        if value is None:
            return False
        return str(value).strip().lower() not in {"", "0", "false", "no", "off"}


def _flag(label: str, help_text: str = "") -> forms.BooleanField:
    return forms.BooleanField(label=label, help_text=help_text, required=False, widget=FlagInput)


BACKGROUND = "async"  # the query parameter (and checkbox) asking for a background job


def background_asked(query: Mapping) -> bool:
    """`?async=1` (any value FlagInput reads as ticked)."""
    return FlagInput().value_from_datadict(query, None, BACKGROUND)


class ExportForm(forms.Form):
    """The options as query parameters: `?format=csv&labels=all&status=agreed&status=contested`."""

    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=())
    artifact = forms.ChoiceField(
        label=gettext_lazy("What to download"),
        choices=[
            ("data", gettext_lazy("The dataset")),
            ("datasheet", gettext_lazy("Its datasheet (Markdown)")),
            ("config", gettext_lazy("Label Studio labelling config (XML)")),
        ],
        required=False,
    )
    labels = forms.ChoiceField(
        label=gettext_lazy("Labels"),
        choices=[
            ("", gettext_lazy("The format's default")),
            ("adjudicated", gettext_lazy("Adjudicated spans only (final label)")),
            ("majority", gettext_lazy("Majority label per span")),
            ("all", gettext_lazy("Every reviewer's verdict")),
        ],
        required=False,
    )
    status = forms.MultipleChoiceField(
        label=gettext_lazy("Span status"),
        choices=SpanStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every status."),
    )
    articles = forms.CharField(
        label=gettext_lazy("Article ids"),
        required=False,
        help_text=gettext_lazy("Comma-separated; empty: every article of the project."),
    )
    include_orphaned = _flag(gettext_lazy("Include orphaned spans"))
    include_drafts = _flag(gettext_lazy("Include draft verdicts"))
    real_names = _flag(
        gettext_lazy("Real usernames"), gettext_lazy("Otherwise reviewers appear as pseudonyms.")
    )
    salt = forms.CharField(
        label=gettext_lazy("Pseudonym salt"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "The same salt gives the same pseudonyms; empty: this server's own."
        ),
    )
    offset_unit = forms.ChoiceField(
        label=gettext_lazy("doccano offsets"),
        choices=[
            ("utf16", gettext_lazy("UTF-16 code units (doccano's UI)")),
            ("codepoints", gettext_lazy("Code points")),
            ("graphemes", gettext_lazy("Grapheme clusters")),
        ],
        required=False,
    )
    fever_map = forms.CharField(
        label=gettext_lazy("FEVER mapping"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One LABEL=CLASS per line, over the default mapping."),
    )
    review_url = forms.CharField(
        label=gettext_lazy("ClaimReview URL template"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("{project}, {article} and {span} are replaced."),
    )
    organization = forms.CharField(
        label=gettext_lazy("ClaimReview author"), required=False, max_length=200
    )
    completed_by = forms.ChoiceField(
        label=gettext_lazy("Label Studio completed_by"),
        choices=[
            ("", gettext_lazy("Left out (pseudonyms in meta.reviewers)")),
            ("email", gettext_lazy("Reviewers' e-mail")),
        ],
        required=False,
    )

    def __init__(self, *args, formats: list[tuple[str, str]], **kwargs):
        """`formats`: (slug, title) pairs; the slug is the value, the title what people read."""
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = formats
        # Not a Python name, so not a class attribute: the page's "prepare in the background".
        self.fields[BACKGROUND] = _flag(
            gettext("Prepare in the background"),
            gettext(
                "A job writes the file and its datasheet; you download them from the job's "
                "page. Large projects are always exported this way."
            ),
        )

    def clean_articles(self) -> tuple[int, ...]:
        try:
            return parse_ids(self.cleaned_data["articles"])
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def clean_fever_map(self) -> tuple[tuple[str, str], ...]:
        try:
            return parse_fever_map([self.cleaned_data["fever_map"]])
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def export_options(self) -> ExportOptions:
        data = self.cleaned_data
        return ExportOptions(
            articles=data["articles"],
            statuses=tuple(data["status"]),
            labels=data["labels"] or None,
            include_orphaned=data["include_orphaned"],
            include_drafts=data["include_drafts"],
            real_names=data["real_names"],
            salt=data["salt"],
            offset_unit=data["offset_unit"] or "utf16",
            fever_map=data["fever_map"],
            review_url=data["review_url"] or DEFAULT_REVIEW_URL,
            organization=data["organization"],
            completed_by_email=data["completed_by"] == "email",
        )


def options_from_query(
    query: Mapping, *, formats: list[tuple[str, str]]
) -> tuple[str, str, ExportOptions]:
    """(format, artifact, options) from a QueryDict; ValidationError by parameter otherwise."""
    form = ExportForm(query, formats=formats)
    if not form.is_valid():
        raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
    return (
        form.cleaned_data["format"],
        form.cleaned_data["artifact"] or "data",
        form.export_options(),
    )
