"""Send the webhook deliveries left pending with no runner: run it every minute (cron, or a
Celery beat schedule) so a process that died between commit and delivery loses no event."""

from django.core.management.base import BaseCommand

from annotate.webhooks.delivery import deliveries_resume


class Command(BaseCommand):
    help = "Send pending webhook deliveries whose dispatch was lost (due, held by no runner)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=float,
            default=60,
            help="Only deliveries created at least this many seconds ago (default 60).",
        )

    def handle(self, *args, older_than: float, **options):
        resumed = deliveries_resume(older_than_s=older_than)
        self.stdout.write(f"resumed {resumed}")
