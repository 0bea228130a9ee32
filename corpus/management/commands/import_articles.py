"""python manage.py import_articles PATH... [--format auto|text|html|jsonl] [--dry-run]"""

import sys
from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

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
        progress = self._progress(total_files=len(files))

        def report_failure(result: ImportResult) -> None:
            progress(result)
            if result.status is ImportStatus.FAILED:
                self.stderr.write(f"failed: {result.location}: {result.reason}")

        report = import_articles(
            items=self._items(files, missing, fmt), dry_run=dry_run, on_result=report_failure
        )
        progress(None)
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

    def _progress(self, *, total_files: int):
        """A callback counting results: a tqdm bar on a terminal, plain count lines otherwise."""
        if sys.stderr.isatty():
            bar = tqdm(unit="article", file=sys.stderr, total=None, leave=False)

            def on_terminal(result: ImportResult | None) -> None:
                if result is None:
                    bar.close()
                else:
                    bar.update(1)

            return on_terminal

        counts = {"done": 0}

        def on_plain(result: ImportResult | None) -> None:
            if result is None:
                return
            counts["done"] += 1
            if counts["done"] % PLAIN_PROGRESS_EVERY == 0:
                self.stderr.write(f"processed {counts['done']} ({total_files} files)")

        return on_plain
