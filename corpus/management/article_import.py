"""The import_articles command as the corpus knows it: files in, articles stored, a report out.

The corpus knows no projects, so where articles go is a hook: annotate's import_articles command
(the one manage.py runs) subclasses this class with `--project`, as annotate's article viewset
subclasses corpus's.
"""

from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandError

from config.gcpause import cyclic_gc_paused
from config.progress import Progress
from corpus.importers import FORMATS, expand_paths, read_articles
from corpus.importers.base import ArticleDraft, ImportFailure
from corpus.services import ImportReport, ImportResult, ImportStatus, ResultHandler, import_articles

# Without a terminal, a line of counts every this many inputs keeps logs short but alive.
PLAIN_PROGRESS_EVERY = 1000


class ArticleImportCommand(BaseCommand):
    help = "Import articles from text, markdown, HTML or JSONL files, folders or globs."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or globs")
        parser.add_argument("--format", choices=FORMATS, default="auto", dest="fmt")
        parser.add_argument(
            "--dry-run", action="store_true", help="parse and validate, store nothing"
        )
        self.add_destination_arguments(parser)

    # Hooks for the layer that knows where articles go. Alone, they go in no project.

    def add_destination_arguments(self, parser) -> None:
        """Options naming where the articles go."""

    def articles_import(
        self,
        *,
        items: Iterator[ArticleDraft | ImportFailure],
        dry_run: bool,
        on_result: ResultHandler,
        options: dict,
    ) -> ImportReport:
        """Store the items (called before any is read: a refused destination stores nothing)."""
        return import_articles(items=items, dry_run=dry_run, on_result=on_result)

    def handle(self, *args, paths: list[str], fmt: str, dry_run: bool, **options):
        files, missing = expand_paths(paths)
        progress = Progress(unit="article", every=PLAIN_PROGRESS_EVERY, stream=self.stderr)

        def report_failure(result: ImportResult) -> None:
            progress.step()
            if result.status is ImportStatus.FAILED:
                self.stderr.write(f"failed: {result.location}: {result.reason}")

        with progress, cyclic_gc_paused():
            report = self.articles_import(
                items=self._items(files, missing, fmt),
                dry_run=dry_run,
                on_result=report_failure,
                options=options,
            )
        verb = "would create" if dry_run else "created"
        self.stdout.write(
            f"{verb} {report.created}, unchanged {report.unchanged}, failed {report.failed}"
        )
        if report.failed:
            raise CommandError(f"{report.failed} input(s) failed; see the messages above.")

    @staticmethod
    def _items(files, missing, fmt) -> Iterator[ArticleDraft | ImportFailure]:
        yield from missing
        for path in files:
            yield from read_articles(path, fmt=fmt)
