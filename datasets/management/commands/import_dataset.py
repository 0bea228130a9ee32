"""python manage.py import_dataset PATH --project SLUG --format native|label-studio|doccano
[--dry-run] [--offset-unit utf16|codepoints|graphemes] [--reviewer USERNAME]
[--label-config XML] [--map-label FROM=TO ...]"""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotate.models import Project
from datasets.importers import FORMATS, read_dataset
from datasets.importers.base import ParseError, ReviewerRef
from datasets.importers.label_studio import read_label_config
from datasets.importers.native import read_native_header
from datasets.importers.offsets import OffsetUnit
from datasets.importers.projects import project_first_editor, project_from_header
from datasets.importers.report import (
    ArticleOutcome,
    ArticleStatus,
    DatasetImportReport,
    unknown_labels,
)
from datasets.importers.store import dataset_import, rolled_back

# Without a terminal, a line of counts every this many articles keeps logs short but alive.
PLAIN_PROGRESS_EVERY = 500


class Command(BaseCommand):
    help = (
        "Import annotated articles (spans, verdicts, predictions) from a native, Label Studio "
        "or doccano file into a project; one transaction per article, re-runs change nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH")
        parser.add_argument("--project", required=True, metavar="SLUG")
        parser.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
        parser.add_argument(
            "--dry-run", action="store_true", help="import and roll back: report, store nothing"
        )
        parser.add_argument(
            "--offset-unit",
            choices=[unit.value for unit in OffsetUnit],
            help="doccano only: the unit of its offsets (default utf16, as doccano's UI counts)",
        )
        parser.add_argument(
            "--reviewer",
            metavar="USERNAME",
            help="the local user who made labels the file names no one for "
            "(doccano: default a user named after the file, as doccano names each user's file)",
        )
        parser.add_argument(
            "--label-config",
            metavar="XML",
            help="Label Studio only: the labelling config, to tell claim labels from verdicts",
        )
        parser.add_argument(
            "--map-label",
            action="append",
            default=[],
            metavar="FROM=TO",
            help="read label FROM as the scale's label TO (repeatable)",
        )

    def handle(self, *args, path: str, project: str, fmt: str, dry_run: bool, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path}: no such file")
        target = Project.objects.filter(slug=project).first()
        header = None
        if target is None:
            if fmt != "native":
                raise CommandError(f"no project with the slug {project!r}")
            # A native file carries its project: into an empty database it is recreated.
            try:
                header = read_native_header(file)
            except ParseError as error:
                raise CommandError(str(error)) from error
        scale = target.labels if target is not None else header.labels
        label_map = _label_map(options["map_label"], scale)
        reviewer = self._reviewer(options["reviewer"])
        offset_unit = self._offset_unit(options["offset_unit"], fmt)
        label_config = self._label_config(options["label_config"], fmt)

        def records():
            return read_dataset(
                file,
                fmt=fmt,
                offset_unit=offset_unit,
                reviewer=reviewer,
                label_config=label_config,
            )

        # A first pass reads the whole file, so that a label the scale lacks stops the import
        # before anything is stored; records are read again for storing to keep memory flat.
        unknown = unknown_labels(scale=scale, records=records(), label_map=label_map)
        if unknown:
            listed = "; ".join(
                f"{u.label!r} ({u.count} article(s), first at {u.first_location})" for u in unknown
            )
            raise CommandError(
                f"label(s) not on the scale of project {project!r} ({', '.join(scale)}): "
                f"{listed}. Map them with --map-label FROM=TO. Nothing was stored."
            )

        progress = self._progress()

        def on_result(outcome: ArticleOutcome) -> None:
            progress(outcome)
            for note in outcome.notes:
                self.stdout.write(f"{outcome.location}: {note}")
            if outcome.status is ArticleStatus.FAILED:
                self.stderr.write(f"failed: {outcome.location}: {outcome.reason}")

        # A project created from the file is rolled back with the articles on a dry run.
        with rolled_back(dry_run and target is None):
            placeholders: list[str] = []
            if target is None:
                try:
                    target, placeholders = project_from_header(slug=project, header=header)
                except (ValidationError, ParseError) as error:
                    raise CommandError(f"{path}:1: cannot create the project: {error}") from error
                self.stdout.write(
                    f"project {project!r} created from the file with "
                    f"{len(header.members)} member(s)"
                )
            actor = project_first_editor(target)
            if actor is None:
                raise CommandError(f"project {project!r} has no editor to import as")
            report = dataset_import(
                project=target,
                actor=actor,
                records=records(),
                label_map=label_map,
                fallback_reviewer=reviewer,
                dry_run=dry_run,
                add_members=header is None,
                on_result=on_result,
            )
            report.placeholders.update(placeholders)
        progress(None)
        self.stdout.write(_summary(report, dry_run=dry_run))
        if report.failed:
            raise CommandError(
                f"{report.failed} article(s) failed and were not stored; see the messages above."
            )

    @staticmethod
    def _offset_unit(given: str | None, fmt: str) -> OffsetUnit:
        if given is not None and fmt != "doccano":
            raise CommandError(
                "--offset-unit is for doccano files: Label Studio and native offsets are "
                "checked against the span text they carry"
            )
        return OffsetUnit(given or OffsetUnit.UTF16)

    @staticmethod
    def _reviewer(username: str | None) -> ReviewerRef | None:
        if username is None:
            return None
        if not get_user_model().objects.filter(username=username).exists():
            raise CommandError(f"--reviewer: no user named {username!r}")
        return ReviewerRef(pseudonym=username)

    @staticmethod
    def _label_config(path: str | None, fmt: str):
        if path is None:
            return None
        if fmt != "label-studio":
            raise CommandError("--label-config is for Label Studio files")
        try:
            return read_label_config(Path(path))
        except ParseError as error:
            raise CommandError(str(error)) from error

    def _progress(self):
        """A callback counting articles: a tqdm bar on a terminal, plain count lines otherwise."""
        if sys.stderr.isatty():
            bar = tqdm(unit="article", file=sys.stderr, leave=False)

            def on_terminal(outcome: ArticleOutcome | None) -> None:
                if outcome is None:
                    bar.close()
                else:
                    bar.update(1)

            return on_terminal

        counts = {"done": 0}

        def on_plain(outcome: ArticleOutcome | None) -> None:
            if outcome is None:
                return
            counts["done"] += 1
            if counts["done"] % PLAIN_PROGRESS_EVERY == 0:
                self.stderr.write(f"processed {counts['done']} article(s)")

        return on_plain


def _label_map(entries: list[str], scale: list[str]) -> dict[str, str]:
    mapping = {}
    for entry in entries:
        label, sep, target = entry.rpartition("=")
        if not sep or not label.strip():
            raise CommandError(f"--map-label: write FROM=TO, not {entry!r}")
        if target.strip() not in scale:
            raise CommandError(
                f"--map-label: {target.strip()!r} is not on the scale ({', '.join(scale)})"
            )
        mapping[label.strip()] = target.strip()
    return mapping


def _summary(report: DatasetImportReport, *, dry_run: bool) -> str:
    new = report.new
    summary = (
        f"articles: created {report.created}, updated {report.updated}, "
        f"unchanged {report.unchanged}, failed {report.failed}; "
        f"new spans {new.spans}, verdicts {new.verdicts}, predictions {new.predictions}, "
        f"comments {new.comments}, adjudications {new.adjudications}; "
        f"placeholder users {len(report.placeholders)}"
    )
    if report.placeholders:
        summary += f" ({', '.join(sorted(report.placeholders))})"
    return f"dry run, nothing stored: {summary}" if dry_run else summary
