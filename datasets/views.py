"""The editors' export page; the response it streams is datasets.responses.export_response."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import render

from annotate import selectors
from annotate.access import Role
from annotate.models import Project
from datasets.exporters import formats, get_exporter
from datasets.options import ExportForm
from datasets.responses import export_response


def editor_project(request: HttpRequest, pk: int) -> Project:
    """The project if the user edits it; 404 for non-members, 403 for other roles."""
    try:
        project = selectors.project_for_user(user=request.user, pk=pk)
    except Project.DoesNotExist:
        raise Http404("No such project.") from None
    if project.role != Role.EDITOR:
        raise PermissionDenied("Only the project's editors export its data.")
    return project


@login_required
def export_page(request: HttpRequest, project_pk: int) -> HttpResponseBase:
    """The export form; submitted (GET, so the browser downloads it), the export itself."""
    project = editor_project(request, project_pk)
    submitted = "format" in request.GET
    form = ExportForm(
        request.GET if submitted else None,
        formats=formats(),
        initial={"format": "native", "artifact": "data", "offset_unit": "utf16"},
    )
    if submitted and form.is_valid():
        try:
            return export_response(
                project=project,
                fmt=form.cleaned_data["format"],
                artifact=form.cleaned_data["artifact"] or "data",
                options=form.export_options(),
                actor=request.user,
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
    return render(
        request,
        "datasets/export.html",
        {
            "project": project,
            "form": form,
            "exporters": [get_exporter(name) for name in formats()],
        },
        status=400 if form.errors else 200,
    )
