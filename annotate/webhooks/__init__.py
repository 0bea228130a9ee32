"""Webhooks: per-project endpoints told about annotation events, through an outbox.

- models: WebhookEndpoint, WebhookEvent (the outbox row), WebhookDelivery (one event to one
  endpoint) and WebhookAttempt (one POST of it);
- events: `webhook_emit`, the one call every service makes in its own transaction;
- delivery: signing, one attempt through corpus.fetch.checked_request, retries, ordering per
  object, auto-disable; dispatch to a Celery task, a thread, or inline (tests);
- services / selectors: endpoints' writes and reads for the doors.
"""
