"""GET /api/v1/projects/{id}/export/: a project's dataset, streamed (editors only), or a
background job for a large one (202)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from annotate.access import Need, access_project
from annotate.api.jobs import JobOutput
from annotate.jobs.links import job_api_url
from annotate.review.selectors import SpanStatus
from datasets.exporters import format_choices, formats
from datasets.jobs import export_job_start, export_job_wanted
from datasets.options import (
    ARTIFACTS,
    LABEL_MODES,
    OFFSET_UNITS,
    background_asked,
    options_from_query,
)
from datasets.responses import export_response


class ExportNegotiation(BaseContentNegotiation):
    """`?format=` names the dataset format here, not a DRF renderer (DRF would answer 404 for
    `format=csv`), and the response type follows it; errors are rendered as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _query(name: str, description: str, **kwargs) -> OpenApiParameter:
    return OpenApiParameter(
        name, location=OpenApiParameter.QUERY, description=description, **kwargs
    )


_FILE = OpenApiResponse(
    response=OpenApiTypes.BINARY,
    description="The file, streamed as an attachment (Content-Disposition names it).",
)


class ProjectExportView(APIView):
    content_negotiation_class = ExportNegotiation

    @extend_schema(
        operation_id="projects_export",
        summary="Export the project's dataset (editors)",
        description="Streams the dataset in one format (see FORMATS.md), or with "
        "`artifact=datasheet` its Markdown datasheet, or with `artifact=config` (label-studio) "
        "the labelling config XML. Reviewers are pseudonymised unless `real_names` is set. "
        "A project with more verdicts than the server's EXPORT_JOB_THRESHOLD (or `async=1`) "
        "is exported by a background job instead: 202 with the job (Location: its URL), whose "
        "`downloads` give the file and its datasheet when it is done.",
        parameters=[
            _query("format", "Dataset format.", required=True, enum=formats()),
            _query("artifact", "What to download (default data).", enum=list(ARTIFACTS)),
            _query("labels", "Label mode (default: the format's).", enum=list(LABEL_MODES)),
            _query(
                "status",
                "Span status; repeat for several (default: any).",
                enum=list(SpanStatus.ALL),
                many=True,
                explode=True,
            ),
            _query("articles", "Article ids, comma-separated (default: all)."),
            _query("include_orphaned", "Include orphaned spans.", type=bool),
            _query("include_drafts", "Include draft verdicts.", type=bool),
            _query("real_names", "Usernames instead of pseudonyms.", type=bool),
            _query("salt", "Pseudonym salt (default: the server's)."),
            _query("offset_unit", "doccano offsets (default utf16).", enum=list(OFFSET_UNITS)),
            _query("fever_map", "FEVER mapping lines LABEL=CLASS over the default."),
            _query("review_url", "ClaimReview url template with {project}, {article}, {span}."),
            _query("organization", "ClaimReview author organisation."),
            _query("completed_by", "Label Studio completed_by (needs real_names).", enum=["email"]),
            _query("async", "Export in a background job, whatever the size.", type=bool),
        ],
        responses={
            (200, "application/x-ndjson"): _FILE,
            (200, "text/csv"): _FILE,
            (200, "application/json"): OpenApiResponse(
                response={"type": "array", "items": {"type": "object"}},
                description="Label Studio tasks: a JSON list, streamed as an attachment.",
            ),
            (200, "text/markdown"): _FILE,
            (200, "application/xml"): _FILE,
            (202, "application/json"): JobOutput,
        },
    )
    def get(self, request, pk: int):
        project = access_project(request.user, pk, need=Need.EXPORT)
        fmt, artifact, options = options_from_query(request.query_params, formats=format_choices())
        if artifact == "data" and export_job_wanted(
            project=project, asked=background_asked(request.query_params)
        ):
            job = export_job_start(project=project, fmt=fmt, options=options, actor=request.user)
            return Response(
                JobOutput(job, context={"request": request}).data,
                status=202,
                headers={"Location": job_api_url(job, request)},
            )
        return export_response(
            project=project, fmt=fmt, artifact=artifact, options=options, actor=request.user
        )
