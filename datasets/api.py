"""GET /api/v1/projects/{id}/export/: a project's dataset, streamed (editors only), or a
background job for a large one (202). POST /api/v1/projects/{id}/imports/: a dataset file
imported by a background job (202), as `import_dataset` imports it (editors only)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from annotate.access import Need, access_project
from annotate.api.jobs import JobOutput
from annotate.jobs.links import job_api_url
from annotate.review.selectors import SpanStatus
from datasets.exporters import format_choices, formats
from datasets.importers import FORMATS
from datasets.importers.offsets import OffsetUnit
from datasets.importers.service import ImportOptions, ImportRefused, import_options_check
from datasets.jobs import export_job_start, export_job_wanted, import_job_start
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


class DatasetImportInput(serializers.Serializer):
    """The options of `import_dataset`, by the same names."""

    file = serializers.FileField(help_text="The dataset file (at most API_MAX_BULK_BYTES).")
    format = serializers.ChoiceField(choices=FORMATS)
    dry_run = serializers.BooleanField(
        default=False, help_text="Import and roll back: report, store nothing."
    )
    offset_unit = serializers.ChoiceField(
        choices=[unit.value for unit in OffsetUnit],
        required=False,
        allow_null=True,
        default=None,
        help_text="doccano only: the unit of its offsets (default: read off the file).",
    )
    reviewer = serializers.CharField(
        required=False,
        allow_null=True,
        default=None,
        max_length=150,
        help_text="The username of who made labels the file names no one for.",
    )
    label_config = serializers.FileField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Label Studio only: the labelling config XML.",
    )
    map_label = serializers.ListField(
        child=serializers.CharField(max_length=500),
        required=False,
        default=list,
        max_length=200,
        help_text="FROM=TO: read label FROM as the scale's label TO (repeat the field).",
    )


class ProjectImportView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="projects_imports_create",
        summary="Import a dataset file (editors)",
        description="Stores the file and imports it in a background job, as the "
        "`import_dataset` command does (the same service, options and report): 202 with the "
        "job (Location: its URL). When done, the job's `result` holds the counts, every failed "
        "article by `file:line` with its reason, notes and the command's summary line; a file "
        "the import refuses as a whole (a label off the scale, an offset unit it cannot tell) "
        "fails the job with the reason and stores nothing. Options wrong whatever the file "
        "says are refused at once (400).",
        request={"multipart/form-data": DatasetImportInput},
        responses={202: JobOutput},
    )
    def post(self, request, pk: int):
        project = access_project(request.user, pk, need=Need.MANAGE)
        given = DatasetImportInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        options = ImportOptions(
            fmt=data["format"],
            dry_run=data["dry_run"],
            offset_unit=data["offset_unit"],
            reviewer=data["reviewer"],
            # Only whether one was sent, to check it fits the format; the job reads the file.
            label_config=Path(data["label_config"].name) if data["label_config"] else None,
            map_label=tuple(data["map_label"]),
        )
        try:
            import_options_check(project=project, options=options)
        except ImportRefused as error:
            raise ValidationError(str(error)) from None
        job = import_job_start(
            project=project,
            actor=request.user,
            upload=data["file"],
            options=options,
            label_config=data["label_config"],
        )
        return Response(
            JobOutput(job, context={"request": request}).data,
            status=202,
            headers={"Location": job_api_url(job, request)},
        )
