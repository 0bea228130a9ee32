"""The editors' export page; the response it streams is datasets.responses.export_response."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render

from annotate.access import Need, access_project
from datasets.exporters import format_choices, get_exporter
from datasets.jobs import export_job_start, export_job_wanted
from datasets.options import BACKGROUND, ExportForm
from datasets.responses import export_response


@login_required
def export_page(request: HttpRequest, project_pk: int) -> HttpResponseBase:
    """The export form; submitted (GET, so the browser downloads it), the export itself. A large
    project's export (or one asked for in the background) is a job: the page asks to confirm
    with a POST (a write, so CSRF-checked), then redirects to the job's page."""
    project = access_project(request.user, project_pk, need=Need.EXPORT)
    posted = request.method == "POST"
    submitted = posted or "format" in request.GET
    form = ExportForm(
        (request.POST if posted else request.GET) if submitted else None,
        formats=format_choices(),
        initial={"format": "native", "artifact": "data", "offset_unit": "utf16"},
    )
    confirm_job = False
    if submitted and form.is_valid():
        fmt, artifact = form.cleaned_data["format"], form.cleaned_data["artifact"] or "data"
        try:
            if posted and artifact == "data":
                job = export_job_start(
                    project=project, fmt=fmt, options=form.export_options(), actor=request.user
                )
                return redirect("annotate:job", job.pk)
            if artifact == "data" and export_job_wanted(
                project=project, asked=form.cleaned_data[BACKGROUND]
            ):
                form.export_options().check(label_modes=get_exporter(fmt).label_modes)
                confirm_job = True
            else:
                return export_response(
                    project=project,
                    fmt=fmt,
                    artifact=artifact,
                    options=form.export_options(),
                    actor=request.user,
                )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
            confirm_job = False
    return render(
        request,
        "datasets/export.html",
        {
            "project": project,
            "form": form,
            "exporters": [get_exporter(name) for name, _title in format_choices()],
            "confirm_job": confirm_job,
            "query": [(key, value) for key, values in request.GET.lists() for value in values],
        },
        status=400 if form.errors else 200,
    )
