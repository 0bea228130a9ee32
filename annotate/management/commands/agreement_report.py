"""python manage.py agreement_report --project SLUG [--format text|json]: agreement figures."""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from annotate.models import Project
from annotate.quality import AgreementFilters, project_agreement
from annotate.quality.api import agreement_json
from annotate.quality.text_report import agreement_text_lines


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Print a project's agreement figures (from submitted verdicts) as text or JSON."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="The project's slug.")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--article", type=int, action="append", default=[], help="Only this article (repeat)."
        )
        parser.add_argument("--from", dest="submitted_from", type=_date, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="submitted_to", type=_date, help="YYYY-MM-DD")

    def handle(self, *args, project: str, format: str, **options):
        found = Project.objects.filter(slug=project).first()
        if found is None:
            raise CommandError(f"no project with the slug {project!r}")
        start, end = options["submitted_from"], options["submitted_to"]
        if start and end and start > end:
            raise CommandError("--to is before --from")
        filters = AgreementFilters(
            articles=tuple(sorted(set(options["article"]))), submitted_from=start, submitted_to=end
        )
        report = project_agreement(found, filters)
        if format == "json":
            self.stdout.write(json.dumps(agreement_json(report), cls=DjangoJSONEncoder, indent=2))
            return
        for line in agreement_text_lines(found, report):
            self.stdout.write(line)
