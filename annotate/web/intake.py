"""The Add articles page: files and URLs into a project, as a background job of the project
import (annotate.projects.intake); the job's page shows its progress, then the report."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from annotate.access import Need, access_project
from annotate.models import Job, Project
from annotate.projects.intake import ARTICLE_IMPORT_JOB, article_import_job_start
from annotate.web.forms import ArticleIntakeForm
from corpus.models import Article


@login_required
def articles_add(request: HttpRequest, project_pk: int) -> HttpResponse:
    """Upload files and add pages by URL: the import of `import_articles --project`, run as a
    job (the files stored first), then the job's page."""
    project = access_project(request.user, project_pk, need=Need.MANAGE)
    form = ArticleIntakeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = article_import_job_start(
            project=project,
            actor=request.user,
            uploads=form.cleaned_data["files"],
            urls=form.cleaned_data["urls"],
        )
        return redirect("annotate:job", job.pk)
    context = {
        "project": project,
        "form": form,
        "upload_limit": f"{settings.UPLOAD_MAX_BYTES / 1e6:g} MB",
    }
    return render(
        request, "annotate/articles_add.html", context, status=400 if form.errors else 200
    )


def import_report_context(job: Job) -> dict:
    """A done article import's report (annotate/_import_report.html): counts, every failure, and
    the first imported inputs with their articles' titles (one query)."""
    if job.kind != ARTICLE_IMPORT_JOB or job.status != Job.Status.DONE:
        return {}
    result = job.result
    project: Project = job.project
    imported = result.get("imported", [])
    titles = dict(
        Article.objects.filter(pk__in=[row["article"] for row in imported]).values_list(
            "pk", "title"
        )
    )
    return {
        "report": result,
        "failures": result.get("failures", []),
        "imported": [
            {
                "location": row["location"],
                "status": row["status"],
                "title": titles.get(row["article"], ""),
                "url": reverse("annotate:reader", args=[project.pk, row["article"]]),
            }
            for row in imported
            # An article since deleted is left out rather than linked to a 404.
            if row["article"] in titles
        ],
        "imported_not_shown": max(
            result.get("created", 0) + result.get("unchanged", 0) - len(imported), 0
        ),
    }
