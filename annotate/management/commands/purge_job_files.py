"""python manage.py purge_job_files: delete the stored files of jobs that finished more than
JOB_FILES_RETENTION_DAYS ago (every job's end does it too; this is for cron)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from annotate.jobs.services import job_files_purge


class Command(BaseCommand):
    help = "Delete the stored files of jobs finished more than JOB_FILES_RETENTION_DAYS ago."

    def handle(self, *args, **options):
        jobs, files = job_files_purge()
        self.stdout.write(
            f"expired {jobs} jobs, deleted {files} files "
            f"(retention {settings.JOB_FILES_RETENTION_DAYS} days)"
        )
