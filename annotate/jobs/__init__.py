"""Background jobs: long work (large exports) run outside the request, with a row users can see.

- models: Job (kind, project, starter, status, progress, heartbeat, result, file, errors);
- kinds: the registry upper layers fill (`register_job_kind`), JobOutput, JobCancelled;
- services: job_create (dispatched on commit), job_start/job_progress/job_finish/job_fail for the
  runner, job_cancel_request (cooperative), jobs_mark_lost;
- selectors: jobs_visible_to, job_for_user (annotate.access.access_job fetches and authorizes);
- runner: run_job, idempotent, shared by every engine, and job_dispatch (inline, Celery, thread);
- tasks: the Celery task (a worker, `make worker`), imported only when a broker is set;
- downloads, links: signed, expiring download tokens, and the URLs doors hand out.
"""
