"""Importing a dataset file into a project: the one operation every door calls (today the
`import_dataset` command), from the options a person gives to the report of what was stored.

It resolves the options (the project, or one recreated from a native file; the label map; the
reviewer; the offset unit; Label Studio's labelling config), reads the file once (a doccano file
given no offset unit twice: first for the evidence of its unit), and stores it through
`store.dataset_import`. The whole import is one transaction: a label the scale lacks,
found anywhere in the file, stores nothing (the rest of the file is still read, so that every
unknown label is listed at once), and a dry run rolls everything back. Within it, an article a
rule refuses fails alone, with its location and the reason.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from annotate.access import require_editor
from annotate.models import Project
from annotate.projects.selectors import project_first_editor
from datasets.importers import FORMATS, read_dataset
from datasets.importers.base import ParseError, ProjectHeader, ReviewerRef
from datasets.importers.doccano import OffsetUnitUnknown, UnitChoice, doccano_offset_unit
from datasets.importers.label_studio_config import LabelConfig, read_label_config
from datasets.importers.native import read_native_header
from datasets.importers.offsets import OffsetUnit
from datasets.importers.projects import project_from_header
from datasets.importers.report import ArticleOutcome, DatasetImportReport, UnknownLabel
from datasets.importers.store import UnknownLabels, dataset_import, rolled_back


class ImportRefused(Exception):
    """The import cannot run as asked, or was stopped; nothing was stored. The message names
    the option, or the file and line."""


@dataclass(frozen=True, slots=True)
class ImportOptions:
    fmt: str  # one of FORMATS
    dry_run: bool = False
    offset_unit: str | None = None  # doccano only; None: read off the file, or refused
    reviewer: str | None = None  # the username of who made labels the file names no one for
    label_config: Path | None = None  # Label Studio only
    map_label: Sequence[str] = ()  # "FROM=TO" entries


def dataset_import_file(
    path: Path,
    *,
    project_slug: str,
    options: ImportOptions,
    on_result: Callable[[ArticleOutcome], None] | None = None,
    on_project_created: Callable[[Project, ProjectHeader], None] | None = None,
    actor=None,
) -> DatasetImportReport:
    """Import the file into the project `project_slug` as `actor` (an editor of it; default:
    its first editor, for the command); raise ImportRefused if it cannot run."""
    if options.fmt not in FORMATS:
        raise ImportRefused(
            _("unknown format %(fmt)r; choose one of %(join)s")
            % {"fmt": options.fmt, "join": ", ".join(FORMATS)}
        )
    if not path.is_file():
        raise ImportRefused(_("%(path)s: no such file") % {"path": path})
    target = Project.objects.filter(slug=project_slug).first()
    header = None if target is not None else _native_header(path, options.fmt, project_slug)
    scale = target.labels if target is not None else header.labels
    label_map = _label_map(options.map_label, scale)
    reviewer = _reviewer(options.reviewer)
    unit = _offset_unit(options.offset_unit, options.fmt, path)
    records = read_dataset(
        path,
        fmt=options.fmt,
        offset_unit=unit.unit,
        reviewer=reviewer,
        label_config=_label_config(options.label_config, options.fmt),
    )
    # A project recreated from the file is rolled back with the articles on a dry run.
    with transaction.atomic(), rolled_back(options.dry_run):
        placeholders: list[str] = []
        if target is None:
            try:
                target, placeholders = project_from_header(slug=project_slug, header=header)
            except (ValidationError, ParseError) as error:
                raise ImportRefused(
                    _("%(path)s:1: cannot create the project: %(error)s")
                    % {"path": path, "error": error}
                ) from error
            if on_project_created is not None:
                on_project_created(target, header)
        if actor is None:
            actor = project_first_editor(target)
            if actor is None:
                raise ImportRefused(
                    _("project %(project_slug)r has no editor to import as")
                    % {"project_slug": project_slug}
                )
        else:
            require_editor(target, actor, gettext_lazy("import a dataset into the project"))
        try:
            report = dataset_import(
                project=target,
                actor=actor,
                records=records,
                label_map=label_map,
                fallback_reviewer=reviewer,
                add_members=header is None,
                on_result=on_result,
            )
        except UnknownLabels as error:
            raise ImportRefused(_unknown_message(error.labels, project_slug, scale)) from None
        report.placeholders.update(placeholders)
    if unit.reason:
        report.notes.append(unit.reason)
    return report


def import_options_check(*, project: Project, options: ImportOptions) -> None:
    """Refuse (ImportRefused) options wrong whatever the file says, before a door stores the
    file: the format, options of another format, the label map, the reviewer."""
    if options.fmt not in FORMATS:
        raise ImportRefused(
            _("unknown format %(fmt)r; choose one of %(join)s")
            % {"fmt": options.fmt, "join": ", ".join(FORMATS)}
        )
    if options.offset_unit is not None:
        _offset_unit(options.offset_unit, options.fmt, Path())
    if options.label_config is not None and options.fmt != "label-studio":
        raise ImportRefused(_("--label-config is for Label Studio files"))
    _label_map(options.map_label, project.labels)
    _reviewer(options.reviewer)


def _native_header(path: Path, fmt: str, project_slug: str) -> ProjectHeader:
    if fmt != "native":
        raise ImportRefused(
            _("no project with the slug %(project_slug)r") % {"project_slug": project_slug}
        )
    # A native file carries its project: into an empty database it is recreated.
    try:
        return read_native_header(path)
    except ParseError as error:
        raise ImportRefused(str(error)) from error


def _unknown_message(unknown: list[UnknownLabel], project_slug: str, scale: list[str]) -> str:
    listed = "; ".join(
        f"{u.label!r} ({u.count} article(s), first at {u.first_location})" for u in unknown
    )
    return (
        f"label(s) not on the scale of project {project_slug!r} ({', '.join(scale)}): "
        f"{listed}. Map them with --map-label FROM=TO. Nothing was stored."
    )


def _label_map(entries: Sequence[str], scale: list[str]) -> dict[str, str]:
    mapping = {}
    for entry in entries:
        label, sep, target = entry.rpartition("=")
        if not sep or not label.strip():
            raise ImportRefused(_("--map-label: write FROM=TO, not %(entry)r") % {"entry": entry})
        if target.strip() not in scale:
            raise ImportRefused(
                _("--map-label: %(strip)r is not on the scale (%(join)s)")
                % {"strip": target.strip(), "join": ", ".join(scale)}
            )
        mapping[label.strip()] = target.strip()
    return mapping


def _offset_unit(given: str | None, fmt: str, path: Path) -> UnitChoice:
    if given is not None and fmt != "doccano":
        raise ImportRefused(
            _(
                "--offset-unit is for doccano files: Label Studio and native offsets are "
                "checked against the span text they carry"
            )
        )
    if given is None:
        if fmt != "doccano":
            return UnitChoice(OffsetUnit.CODEPOINTS, "")  # unused: the file carries quotes
        try:
            return doccano_offset_unit(path)
        except OffsetUnitUnknown as error:
            raise ImportRefused(_("%(error)s. Nothing was stored.") % {"error": error}) from None
    try:
        return UnitChoice(OffsetUnit(given), "")
    except ValueError:
        units = ", ".join(unit.value for unit in OffsetUnit)
        raise ImportRefused(
            _("--offset-unit: %(given)r is not one of %(units)s") % {"given": given, "units": units}
        ) from None


def _reviewer(username: str | None) -> ReviewerRef | None:
    if username is None:
        return None
    if not get_user_model().objects.filter(username=username).exists():
        raise ImportRefused(_("--reviewer: no user named %(username)r") % {"username": username})
    return ReviewerRef(pseudonym=username)


def _label_config(path: Path | None, fmt: str) -> LabelConfig | None:
    if path is None:
        return None
    if fmt != "label-studio":
        raise ImportRefused(_("--label-config is for Label Studio files"))
    try:
        return read_label_config(Path(path))
    except ParseError as error:
        raise ImportRefused(str(error)) from error
