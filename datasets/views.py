"""The editors' export page; the response it streams is datasets.responses.export_response."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render

from annotate.access import Need, access_project
from datasets.exporters import format_choices, get_exporter
from datasets.options import ExportForm
from datasets.responses import export_response


@login_required
def export_page(request: HttpRequest, project_pk: int) -> HttpResponseBase:
    """The export form; submitted (GET, so the browser downloads it), the export itself."""
    project = access_project(request.user, project_pk, need=Need.EXPORT)
    submitted = "format" in request.GET
    form = ExportForm(
        request.GET if submitted else None,
        formats=format_choices(),
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
            "exporters": [get_exporter(name) for name, _title in format_choices()],
        },
        status=400 if form.errors else 200,
    )
