"""Queue again the jobs whose worker died mid-run: run it every minute beside deliver_webhooks
(cron, Celery beat), so such a job restarts even while nobody reads the jobs list or an overloaded
site answers slowly (reads requeue them too)."""

from django.core.management.base import BaseCommand

from annotate.jobs.services import jobs_requeue_lost


class Command(BaseCommand):
    help = (
        "Queue again the running jobs without a heartbeat for JOB_REQUEUE_AFTER_S "
        "(with a broker; their worker was lost)."
    )

    def handle(self, *args, **options):
        requeued = jobs_requeue_lost()
        self.stdout.write(f"requeued {len(requeued)}")
