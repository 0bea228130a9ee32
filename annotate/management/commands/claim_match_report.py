"""python manage.py claim_match_report [--set PATH] [--project SLUG] [--suggest X --autolink Y]
[--svg PATH] [--format text|json]: how well claims are matched, lexical stage and fused."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from annotate.claims.evaluation import (
    PairSetError,
    decisions_scored,
    pairs_read,
    pairs_score,
    pr_curve_svg,
    report_build,
    report_json,
    report_lines,
)
from annotate.models import Project

DEFAULT_SET = Path(settings.BASE_DIR) / "tests" / "fixtures" / "claims" / "evaluation.jsonl"


def _threshold(value: str) -> float:
    number = float(value)
    if not 0 <= number <= 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Precision, recall and F1 of claim suggestions and automatic links at a project's (or "
        "given) thresholds, on a labelled pair set and on the project's stored decisions, for "
        "the lexical stage alone and the fused score; a precision-recall curve as SVG."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--set", dest="pair_set", type=Path, default=DEFAULT_SET, help="JSONL of pairs."
        )
        parser.add_argument("--project", help="Its thresholds, and its stored decisions.")
        parser.add_argument("--suggest", type=_threshold, help="Suggest threshold (0..1).")
        parser.add_argument("--autolink", type=_threshold, help="Auto-link threshold (0..1).")
        parser.add_argument(
            "--svg", type=Path, default=Path("claim_match_pr.svg"), help="Where the curve goes."
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, pair_set: Path, project: str | None, **options):
        found = None
        if project is not None:
            found = Project.objects.filter(slug=project).first()
            if found is None:
                raise CommandError(f"no project with the slug {project!r}")
        defaults = found or Project()
        suggest = options["suggest"]
        autolink = options["autolink"]
        suggest = defaults.match_suggest_threshold if suggest is None else suggest
        autolink = defaults.match_autolink_threshold if autolink is None else autolink
        if suggest > autolink:
            raise CommandError("the suggest threshold is above the auto-link threshold")
        try:
            pairs = pairs_read(pair_set)
        except (PairSetError, OSError) as error:
            raise CommandError(str(error)) from None
        scored, model = pairs_score(pairs)
        reports = [
            report_build(
                scored=scored, model=model, source=str(pair_set), suggest=suggest, autolink=autolink
            )
        ]
        if found is not None:
            stored = decisions_scored(found)
            if stored:
                reports.append(
                    report_build(
                        scored=stored,
                        model="stored scores",
                        source=f"decisions of {found.slug}",
                        suggest=suggest,
                        autolink=autolink,
                    )
                )
        svg_path: Path = options["svg"]
        svg_path.write_text(pr_curve_svg(reports[0]), encoding="utf-8")
        if options["format"] == "json":
            self.stdout.write(json.dumps([report_json(r) for r in reports], indent=2))
            return
        for report in reports:
            for line in report_lines(report):
                self.stdout.write(line)
            self.stdout.write("")
        if found is not None and len(reports) == 1:
            self.stdout.write(f"{found.slug}: no answered suggestions stored yet.")
        self.stdout.write(f"precision-recall curve: {svg_path}")
