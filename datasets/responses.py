"""The one HTTP response for an export, returned by every door: the API, the export page and
the Article admin's action. A module of its own, not a view, so that no door imports another."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext

from annotate.models import Project
from datasets.datasheet import render_datasheet
from datasets.exporters import export_bytes, export_context, export_text, file_name, get_exporter
from datasets.options import ExportOptions


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
            raise ValidationError(
                {"artifact": gettext("Only label-studio has a labelling config.")}
            )
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
