"""The Article admin with datasets' action, "Export selected articles".

The Article admin is corpus's, subclassed by annotate (spans inline) and here again (the action),
each app re-registering the class it extends: no app reaches into another's registered admin.

Decision: the export is the native JSONL of the selected articles *for one chosen project*, not
all projects' spans of those articles. Native files are one project each (scale, people and
pseudonyms are per project: a label means nothing without its scale), so a multi-project file
would need a second, different format. The action therefore asks which project (among those the
selected articles belong to), then streams that project's native export restricted to the
selected articles, through the same `dataset_export` pipeline as the other doors, orphaned spans
left out unless ticked. Staff may export any project from the admin (they can read it all there
anyway); real usernames only if they are an editor of that project, as everywhere else.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.template.response import TemplateResponse

from annotate.admin import ArticleWithSpansAdmin
from annotate.models import Project
from corpus.models import Article
from datasets.options import ExportOptions
from datasets.responses import export_response


@admin.action(description="Export selected articles (native JSONL of one project)")
def export_selected_articles(modeladmin, request: HttpRequest, queryset):
    articles = list(queryset.only("pk", "title").order_by("pk"))
    projects = Project.objects.filter(articles__in=[a.pk for a in articles]).distinct()
    chosen = request.POST.get("export_project")
    if request.POST.get("export_apply") and chosen:
        project = projects.filter(pk=chosen).first() if chosen.isdigit() else None
        if project is None:
            modeladmin.message_user(
                request, "None of those articles is in that project.", messages.ERROR
            )
            return None
        options = ExportOptions(
            articles=tuple(article.pk for article in articles),
            real_names=bool(request.POST.get("export_real_names")),
            include_orphaned=bool(request.POST.get("export_include_orphaned")),
        )
        try:
            return export_response(
                project=project, fmt="native", artifact="data", options=options, actor=request.user
            )
        except (PermissionDenied, ValidationError) as refusal:
            text = (
                " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
            )
            modeladmin.message_user(request, text, messages.ERROR)
            return None
    return TemplateResponse(
        request,
        "datasets/admin_export.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": "Export selected articles",
            "articles": articles,
            "projects": projects.order_by("name", "pk"),
            "opts": modeladmin.model._meta,
        },
    )


class ArticleWithExportAdmin(ArticleWithSpansAdmin):
    actions = (*(ArticleWithSpansAdmin.actions or ()), export_selected_articles)


admin.site.unregister(Article)
admin.site.register(Article, ArticleWithExportAdmin)
