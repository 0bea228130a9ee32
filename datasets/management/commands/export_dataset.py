"""Export a project's dataset in one format, streamed to a file or stdout, with its datasheet."""

import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from annotate.models import Project
from annotate.review.status import SpanStatus
from datasets.exporters import export_context, export_text, formats, get_exporter
from datasets.files import export_companions_write, export_file_write
from datasets.options import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_REVIEW_URL,
    LABEL_MODES,
    OFFSET_UNITS,
    ExportOptions,
    parse_fever_map,
    parse_ids,
)
from datasets.records import ExportContext

PROGRESS_EVERY = 1000  # articles between progress lines when stderr is not a terminal


class Command(BaseCommand):
    help = (
        "Export a project's dataset (native, csv, fever, claimreview, w3c, label-studio, doccano)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="The project's slug.")
        parser.add_argument("--format", required=True, choices=formats(), dest="fmt")
        parser.add_argument(
            "--out",
            default="-",
            help="File, or - for stdout (default); the datasheet goes to OUT.datasheet.md.",
        )
        parser.add_argument(
            "--status",
            action="append",
            default=[],
            help=f"Span status(es), comma-separated or repeated: {', '.join(SpanStatus.values)}.",
        )
        parser.add_argument("--articles", default="", help="Article ids, comma-separated.")
        parser.add_argument("--labels", choices=LABEL_MODES, help="Default: the format's own.")
        parser.add_argument("--include-orphaned", action="store_true")
        parser.add_argument("--include-drafts", action="store_true")
        parser.add_argument("--real-names", action="store_true", help="Usernames, no pseudonyms.")
        parser.add_argument("--salt", default="", help="Pseudonym salt (default: the server's).")
        parser.add_argument("--offset-unit", choices=OFFSET_UNITS, default="utf16")
        parser.add_argument(
            "--fever-map", action="append", default=[], metavar="LABEL=CLASS", help="Repeatable."
        )
        parser.add_argument("--review-url", default=DEFAULT_REVIEW_URL, help="ClaimReview url.")
        parser.add_argument("--organization", default="", help="ClaimReview author.")
        parser.add_argument(
            "--completed-by-email",
            action="store_true",
            help="Label Studio: completed_by {email} (with --real-names).",
        )
        parser.add_argument(
            "--config",
            action="store_true",
            help="Label Studio: write the labelling config XML instead of the tasks.",
        )
        parser.add_argument("--datasheet", help="Where to write the datasheet instead.")
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE)

    def handle(self, *args, fmt, **given):
        try:
            project = Project.objects.get(slug=given["project"])
        except Project.DoesNotExist:
            raise CommandError(f"No project with slug {given['project']!r}.") from None
        try:
            options = _options(given)
            exporter = get_exporter(fmt)
            context = export_context(project=project, fmt=fmt, options=options)
        except (ValueError, ValidationError, PermissionDenied) as error:
            raise CommandError(_message(error)) from None

        out = given["out"]
        to_stdout = out == "-"
        if given["config"]:
            if exporter.config is None:
                raise CommandError(f"The {fmt} format has no labelling config.")
            self._write_text(out, exporter.config(project))
            return

        report = self.stderr if to_stdout else self.stdout
        started = timezone.now()
        progress, finish = self._progress(project, options, report)
        if to_stdout:
            self._write_stdout(context, progress)
        else:
            export_file_write(context=context, path=Path(out), progress=progress)
        finish()

        written = [] if to_stdout else [out]
        written += export_companions_write(
            context=context,
            exporter=exporter,
            data_path=None if to_stdout else out,
            datasheet_path=given["datasheet"] or (None if to_stdout else f"{out}.datasheet.md"),
            exported_at=started,
        )
        stats = context.stats
        report.write(
            f"exported {stats.articles} articles, {stats.spans} spans, {stats.verdicts} "
            f"verdicts, {stats.rows} rows ({fmt})"
            + (f" to {', '.join(written)}" if written else "")
        )

    def _write_stdout(self, context: ExportContext, progress) -> None:
        pieces = export_text(
            project=context.project,
            fmt=context.fmt,
            options=context.options,
            context=context,
            progress=progress,
        )
        for piece in pieces:
            self.stdout.write(piece, ending="")
        self.stdout.flush()

    def _write_text(self, out: str, text: str) -> None:
        if out == "-":
            self.stdout.write(text, ending="")
        else:
            Path(out).write_text(text, encoding="utf-8")

    def _progress(self, project, options, report):
        """(per-article callback, finish): tqdm on a terminal, a line per N articles otherwise."""
        from datasets.records import export_articles

        total = export_articles(project=project, options=options).count()
        if sys.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(total=total, unit="article", file=sys.stderr, leave=False)
            return (lambda article: bar.update(1)), bar.close
        done = 0

        def step(article) -> None:
            nonlocal done
            done += 1
            if done % PROGRESS_EVERY == 0:
                self.stderr.write(f"{done}/{total} articles")

        return step, lambda: None


def _options(given: dict) -> ExportOptions:
    """The command's arguments as export options; ValueError on an unparsable one."""
    statuses = tuple(s.strip() for entry in given["status"] for s in entry.split(","))
    return ExportOptions(
        articles=parse_ids(given["articles"]),
        statuses=tuple(s for s in statuses if s),
        labels=given["labels"],
        include_orphaned=given["include_orphaned"],
        include_drafts=given["include_drafts"],
        real_names=given["real_names"],
        salt=given["salt"],
        offset_unit=given["offset_unit"],
        fever_map=parse_fever_map(given["fever_map"]),
        review_url=given["review_url"],
        organization=given["organization"],
        completed_by_email=given["completed_by_email"],
        chunk_size=given["chunk_size"],
    )


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
        )
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)
