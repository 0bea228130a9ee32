"""python manage.py agreement_report --project SLUG [--format text|json]: agreement figures."""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from annotate.models import Project
from annotate.quality import AgreementFilters, alpha_reading, kappa_reading, project_agreement
from annotate.quality.api import agreement_json
from annotate.quality.statistics import NotComputable, SpanScores


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _number(figure) -> str:
    if figure is None:
        return "—"
    return str(figure) if isinstance(figure, NotComputable) else f"{figure:.6f}"


def _percent(figure) -> str:
    return str(figure) if isinstance(figure, NotComputable) else f"{figure * 100:.1f} %"


def _f1(scores: SpanScores | NotComputable) -> str:
    if isinstance(scores, NotComputable):
        return str(scores)
    return (
        f"F1 {scores.f1:.4f} (precision {scores.precision:.4f}, recall {scores.recall:.4f}, "
        f"{scores.matched} matched of {scores.n_a} and {scores.n_b})"
    )


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
        self._text(found, report)

    def _text(self, project: Project, report) -> None:
        write = self.stdout.write
        names = {reviewer.reviewer_id: reviewer.username for reviewer in report.reviewers}
        write(f"Agreement report: {project.name} ({project.slug})")
        if not report.filters.is_empty:
            given = report.filters
            write(
                f"filters: articles {list(given.articles) or 'all'}, submitted from "
                f"{given.submitted_from or 'the start'} to {given.submitted_to or 'today'}"
            )
        write(
            f"{report.verdicts} submitted verdicts on {report.spans} claims "
            f"({report.pairable_spans} with two or more), {len(report.reviewers)} reviewers"
        )
        write("")
        write(f"Krippendorff's alpha (nominal): {_number(report.alpha_nominal)}")
        if report.alpha_ordinal is not None:
            write(f"Krippendorff's alpha (ordinal): {_number(report.alpha_ordinal)}")
        write(f"Reading ({report.alpha_level}): {alpha_reading(report.alpha)}")
        write(f"Percent agreement: {_percent(report.percent_agreement)}")
        fleiss = report.fleiss
        kappa = fleiss if isinstance(fleiss, NotComputable) else fleiss.kappa
        write(
            f"Fleiss' kappa ({report.fleiss_spans} claims with exactly {report.fleiss_k} "
            f"verdicts): {_number(kappa)}"
        )
        write("")
        write("Reviewers:")
        for reviewer in report.reviewers:
            labels = ", ".join(
                f"{label} {count}"
                for label, count in zip(report.labels, reviewer.label_counts, strict=True)
                if count
            )
            write(
                f"  {reviewer.username}: {reviewer.verdicts} verdicts; with others "
                f"{_percent(reviewer.agreement_with_others)} of {reviewer.compared_pairs} pairs; "
                f"with adjudication {_percent(reviewer.agreement_with_adjudication)} of "
                f"{reviewer.adjudicated}; labels: {labels or '—'}"
            )
        write("")
        write("Pairs (Cohen's kappa on shared claims):")
        for pair in report.pairs:
            write(
                f"  {names.get(pair.reviewer_a)} / {names.get(pair.reviewer_b)}: "
                f"{pair.shared_spans} shared, same label {_percent(pair.percent_agreement)}, "
                f"kappa {_number(pair.kappa)} ({kappa_reading(pair.kappa)})"
            )
        if not report.pairs:
            write("  not computable: fewer than two reviewers")
        write("")
        write("Labels:")
        for label in report.label_figures:
            write(
                f"  {label.label}: {label.verdicts} ({_percent(label.share)}), specific "
                f"agreement {_percent(label.specific_agreement)}"
            )
        write("")
        write("Verdicts per day:")
        for day, count in report.per_day:
            write(f"  {day.isoformat()}: {count}")
        if not report.per_day:
            write("  none")
        write("")
        write("Most contested claims:")
        for span in report.contested:
            counts = ", ".join(f"{label} {count}" for label, count in span.label_counts)
            write(
                f"  span {span.span_id} (article {span.article_id}): {span.distinct_labels} labels,"
                f" entropy {span.entropy_bits:.3f} bits ({counts}): {span.quote[:80]}"
            )
        if not report.contested:
            write("  none")
        write("")
        marking = report.span_marking
        write("Span marking (who highlighted which passages):")
        write(f"  exact:   {_f1(marking.exact)}")
        write(f"  overlap: {_f1(marking.overlap)}")
        for pair in marking.pairs:
            write(
                f"  {marking.markers.get(pair.marker_a)} / {marking.markers.get(pair.marker_b)} "
                f"on {pair.articles} articles: exact {_f1(pair.exact)}; overlap {_f1(pair.overlap)}"
            )
