"""python manage.py import_dataset PATH --project SLUG --format native|label-studio|doccano
[--dry-run] [--offset-unit utf16|codepoints|graphemes] [--reviewer USERNAME]
[--label-config XML] [--map-label FROM=TO ...]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.gcpause import cyclic_gc_paused
from config.progress import Progress
from datasets.importers import FORMATS
from datasets.importers.offsets import OffsetUnit
from datasets.importers.report import ArticleOutcome, ArticleStatus, report_summary
from datasets.importers.service import ImportOptions, ImportRefused, dataset_import_file

# Without a terminal, a line of counts every this many articles keeps logs short but alive.
PLAIN_PROGRESS_EVERY = 500


class Command(BaseCommand):
    help = (
        "Import annotated articles (spans, verdicts, predictions) from a native, Label Studio "
        "or doccano file into a project; a refused article fails alone, re-runs change nothing."
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
            help="doccano only: the unit of its offsets (utf16 as doccano's UI counts, codepoints "
            "as Python does); default: read off the file, refused when it does not tell",
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
        label_config = options["label_config"]
        import_options = ImportOptions(
            fmt=fmt,
            dry_run=dry_run,
            offset_unit=options["offset_unit"],
            reviewer=options["reviewer"],
            label_config=Path(label_config) if label_config else None,
            map_label=options["map_label"],
        )
        progress = Progress(unit="article", every=PLAIN_PROGRESS_EVERY, stream=self.stderr)

        def on_result(outcome: ArticleOutcome) -> None:
            progress.step()
            for note in outcome.notes:
                self.stdout.write(f"{outcome.location}: {note}")
            if outcome.status is ArticleStatus.FAILED:
                self.stderr.write(f"failed: {outcome.location}: {outcome.reason}")

        def on_project_created(created, header) -> None:
            self.stdout.write(
                f"project {created.slug!r} created from the file with "
                f"{len(header.members)} member(s)"
            )

        try:
            with progress, cyclic_gc_paused():
                report = dataset_import_file(
                    Path(path),
                    project_slug=project,
                    options=import_options,
                    on_result=on_result,
                    on_project_created=on_project_created,
                )
        except ImportRefused as error:
            raise CommandError(str(error)) from error
        for note in report.notes:
            self.stdout.write(f"{path}: {note}")
        self.stdout.write(report_summary(report, dry_run=dry_run))
        if report.failed:
            raise CommandError(
                f"{report.failed} article(s) failed and were not stored; see the messages above."
            )
