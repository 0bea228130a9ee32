"""The Celery task a webhook delivery's attempts run in; the work is delivery.delivery_run.

Retries are new messages with a countdown (delivery._schedule), not Celery retries: the
schedule is the delivery row's, so deliver_webhooks can resume it after any loss.
"""

from annotate.webhooks.delivery import delivery_run
from config.celery import app


@app.task(name="annotate.webhooks.deliver", acks_late=True, reject_on_worker_lost=True)
def deliver_webhook_task(delivery_id: int) -> str | None:
    """One attempt of a webhook delivery (if due, unclaimed and first of its object)."""
    return delivery_run(delivery_id)
