"""The Add articles page: files and URLs into a project, through the project import."""

from itertools import chain

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from annotate.access import (
    Need,
    access_project,
)
from annotate.models import Project
from annotate.projects import services as project_services
from annotate.web.forms import (
    ArticleIntakeForm,
)
from corpus.importers.uploads import read_uploads
from corpus.importers.web import read_urls
from corpus.models import Article
from corpus.services import ImportReport, ImportResult, ImportStatus

# The upload page lists at most this many imported inputs (all failures are listed).
IMPORTED_ROWS_SHOWN = 200


@login_required
def articles_add(request: HttpRequest, project_pk: int) -> HttpResponse:
    """Upload files and add pages by URL: the import of `import_articles --project`."""
    project = access_project(request.user, project_pk, need=Need.MANAGE)
    form = ArticleIntakeForm(request.POST or None, request.FILES or None)
    context: dict = {
        "project": project,
        "form": form,
        "upload_limit": f"{settings.UPLOAD_MAX_BYTES / 1e6:g} MB",
    }
    if request.method == "POST" and form.is_valid():
        results: list[ImportResult] = []
        report = project_services.project_import_articles(
            project=project,
            actor=request.user,
            items=chain(
                read_uploads(form.cleaned_data["files"]), read_urls(form.cleaned_data["urls"])
            ),
            on_result=results.append,
        )
        context.update(_intake_report_context(project, report, results))
        form = context["form"] = ArticleIntakeForm()
    return render(
        request, "annotate/articles_add.html", context, status=400 if form.errors else 200
    )


def _intake_report_context(
    project: Project, report: ImportReport, results: list[ImportResult]
) -> dict:
    """The report of one import: counts, every failure, and the first imported inputs with
    their articles' titles (one query)."""
    imported = [r for r in results if r.status is not ImportStatus.FAILED][:IMPORTED_ROWS_SHOWN]
    titles = dict(
        Article.objects.filter(pk__in=[r.article_id for r in imported]).values_list("pk", "title")
    )
    return {
        "report": report,
        "failures": [r for r in results if r.status is ImportStatus.FAILED],
        "imported": [
            {
                "location": result.location,
                "status": result.status.value,
                "title": titles.get(result.article_id, ""),
                "url": reverse("annotate:reader", args=[project.pk, result.article_id]),
            }
            for result in imported
        ],
        "imported_not_shown": report.created + report.unchanged - len(imported),
    }
