"""The editors' export page, and the one streaming response every HTTP door returns."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header

from annotate.access import Need, access_project
from annotate.models import Project
from datasets.datasheet import render_datasheet
from datasets.exporters import (
    export_bytes,
    export_context,
    export_text,
    file_name,
    formats,
    get_exporter,
)
from datasets.options import ExportForm, ExportOptions


def export_response(
    *, project: Project, fmt: str, artifact: str, options: ExportOptions, actor
) -> HttpResponseBase:
    """The export (streamed), its datasheet or its labelling config, as an attachment.

    Raises ValidationError for bad options and PermissionDenied (real names for a non-editor)
    before anything is sent.
    """
    exporter = get_exporter(fmt)
    if artifact == "config":
        if exporter.config is None:
            raise ValidationError({"artifact": "Only label-studio has a labelling config."})
        response: HttpResponseBase = HttpResponse(
            exporter.config(project), content_type=f"{exporter.config_media_type}; charset=utf-8"
        )
    elif artifact == "datasheet":
        started = timezone.now()
        context = export_context(project=project, fmt=fmt, options=options, actor=actor)
        for _ in export_text(project=project, fmt=fmt, options=options, context=context):
            pass  # counted as it streams into nothing: memory stays flat
        datasheet = render_datasheet(
            context=context,
            exporter=exporter,
            file_name=file_name(project=project, exporter=exporter),
            exported_at=started,
        )
        response = HttpResponse(datasheet, content_type="text/markdown; charset=utf-8")
    else:
        pieces = export_bytes(project=project, fmt=fmt, options=options, actor=actor)
        response = StreamingHttpResponse(pieces, content_type=exporter.media_type)
    name = file_name(project=project, exporter=exporter, artifact=artifact)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def export_page(request: HttpRequest, project_pk: int) -> HttpResponseBase:
    """The export form; submitted (GET, so the browser downloads it), the export itself."""
    project = access_project(request.user, project_pk, need=Need.EXPORT)
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
