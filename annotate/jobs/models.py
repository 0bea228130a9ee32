"""A background job: what it does (kind and params), for which project and whom, how far it got."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from annotate.projects.models import Project


class Job(models.Model):
    """One run of a job kind (annotate.jobs.runner) over a project, seen by the project's people
    whose role allows the kind's need."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    FINISHED = (Status.DONE, Status.FAILED, Status.CANCELLED)

    kind = models.CharField(max_length=50)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="jobs"
    )
    params = models.JSONField(default=dict, blank=True, help_text="The kind's arguments.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Moves with every progress report: rate and ETA, and how a lost worker is noticed.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    result = models.JSONField(default=dict, blank=True, help_text="The job's report.")
    result_file = models.FileField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    # When purge_job_files deleted the job's stored files (JOB_FILES_RETENTION_DAYS after it
    # finished): its download links answer 410 from then on.
    files_expired_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["project", "-created_at", "-id"], name="job_project_recent_idx"),
            models.Index(
                fields=["status"],
                condition=Q(status__in=["queued", "running"]),
                name="job_unfinished_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed", "cancelled"]),
                name="job_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(done__lte=F("total")),
                name="job_done_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def elapsed_s(self) -> float | None:
        """Seconds from start to the last progress report (or the end)."""
        end = self.finished_at or self.heartbeat_at
        if self.started_at is None or end is None:
            return None
        return max((end - self.started_at).total_seconds(), 0.0)

    @property
    def rate_per_s(self) -> float | None:
        """Items done per second so far; None before the first report."""
        elapsed = self.elapsed_s
        if not elapsed or not self.done:
            return None
        return self.done / elapsed

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the rate so far; None when unknown or finished."""
        rate = self.rate_per_s
        if self.is_finished or rate is None or self.total is None:
            return None
        return max(self.total - self.done, 0) / rate

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.status == self.Status.DONE else None
        return min(100, self.done * 100 // self.total)
