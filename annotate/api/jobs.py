"""Background jobs over the API: the caller's visible jobs, one job's progress, cancel, and the
download of a done job's files through a signed, expiring link."""

import django_filters
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from annotate.access import access_job
from annotate.api.serializers import UserRef
from annotate.errors import NotFound
from annotate.jobs import downloads, selectors, services
from annotate.jobs.links import job_api_url, job_download_url
from annotate.models import Job
from config.api.fields import IdFilter
from config.api.filters import SelectorFiltered


class JobOutput(serializers.ModelSerializer):
    """A job as its page and clients poll it: status, progress, rate, ETA, result and links."""

    project = serializers.IntegerField(source="project_id")
    created_by = UserRef(allow_null=True)
    rate_per_s = serializers.FloatField(allow_null=True, help_text="Items done per second.")
    eta_s = serializers.FloatField(allow_null=True, help_text="Seconds left at that rate.")
    percent = serializers.IntegerField(allow_null=True)
    url = serializers.SerializerMethodField()
    downloads = serializers.SerializerMethodField(
        help_text="When done: a link per file (`file`, `datasheet`, ...), valid for "
        "JOB_DOWNLOAD_MAX_AGE and only for people who may see the job; none once the files "
        "expired (`files_expired_at`, JOB_FILES_RETENTION_DAYS after the job ended)."
    )

    class Meta:
        model = Job
        fields = [
            "id",
            "url",
            "kind",
            "project",
            "created_by",
            "status",
            "done",
            "total",
            "percent",
            "rate_per_s",
            "eta_s",
            "created_at",
            "started_at",
            "finished_at",
            "cancel_requested",
            "attempts",
            "result",
            "error",
            "downloads",
            "files_expired_at",
        ]
        read_only_fields = fields

    def get_url(self, job: Job) -> str:
        return job_api_url(job, self.context.get("request"))

    @extend_schema_field(
        {"type": "object", "additionalProperties": {"type": "string", "format": "uri"}}
    )
    def get_downloads(self, job: Job) -> dict[str, str]:
        request = self.context.get("request")
        return {
            artifact: job_download_url(job, artifact, request)
            for artifact in downloads.job_artifacts(job)
        }


class JobFilter(django_filters.FilterSet):
    project = IdFilter()
    status = django_filters.ChoiceFilter(choices=Job.Status.choices)

    class Meta:
        model = Job
        fields = ["project", "status"]


class JobViewSet(
    SelectorFiltered, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Background jobs of the caller's projects that their role may see (exports: editors)."""

    queryset = Job.objects.none()
    lookup_value_regex = r"\d+"
    serializer_class = JobOutput
    filterset_class = JobFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        given = self.query_filters()
        services.jobs_mark_lost()
        return selectors.jobs_visible_to(
            user=self.request.user,
            project_id=given.get("project"),
            status=given.get("status") or None,
        )

    def retrieve(self, request, pk=None):
        services.jobs_mark_lost()
        job = access_job(request.user, pk)
        return Response(JobOutput(job, context={"request": request}).data)

    @extend_schema(request=None, responses={200: JobOutput})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Ask the job to stop (its starter or a project editor): a queued job is cancelled at
        once, a running one at its next progress report."""
        job = access_job(request.user, pk)
        services.job_cancel_request(job=job, actor=request.user)
        job = access_job(request.user, pk)
        return Response(JobOutput(job, context={"request": request}).data)

    @extend_schema(
        summary="Download a done job's file",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The file, as an attachment."
            )
        },
    )
    @action(detail=False, methods=["get"], url_path=r"download/(?P<token>[A-Za-z0-9_:\-]+)")
    def download(self, request, token=None):
        """A file of a done job, by the signed link its output gives (expires after
        JOB_DOWNLOAD_MAX_AGE); the caller must still be allowed to see the job. 410 once the
        job's files were deleted (JOB_FILES_RETENTION_DAYS after it ended)."""
        job_id, artifact = downloads.job_download_unsign(token)
        job = access_job(request.user, job_id)
        name = downloads.job_download_name(job=job, artifact=artifact)
        if not default_storage.exists(name):
            raise NotFound(_("This job's file is gone."))
        response = FileResponse(
            default_storage.open(name, "rb"),
            as_attachment=True,
            filename=downloads.download_file_name(name),
        )
        response["Cache-Control"] = "private, no-store"
        return response
