"""python manage.py import_articles PATH... [--format auto|text|html|jsonl] [--dry-run]"""

from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandError

from config.gcpause import cyclic_gc_paused
from config.progress import Progress
from corpus.importers import FORMATS, expand_paths, read_articles
from corpus.importers.base import ArticleDraft, ImportFailure
from corpus.services import ImportResult, ImportStatus, import_articles

# Without a terminal, a line of counts every this many inputs keeps logs short but alive.
PLAIN_PROGRESS_EVERY = 1000


class Command(BaseCommand):
    help = "Import articles from text, markdown, HTML or JSONL files, folders or globs."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or globs")
        parser.add_argument("--format", choices=FORMATS, default="auto", dest="fmt")
        parser.add_argument(
            "--dry-run", action="store_true", help="parse and validate, store nothing"
        )

    def handle(self, *args, paths: list[str], fmt: str, dry_run: bool, **options):
        files, missing = expand_paths(paths)
        progress = Progress(unit="article", every=PLAIN_PROGRESS_EVERY, stream=self.stderr)

        def report_failure(result: ImportResult) -> None:
            progress.step()
            if result.status is ImportStatus.FAILED:
                self.stderr.write(f"failed: {result.location}: {result.reason}")

        with progress, cyclic_gc_paused():
            report = import_articles(
                items=self._items(files, missing, fmt), dry_run=dry_run, on_result=report_failure
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
