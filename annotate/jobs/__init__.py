"""Background jobs: long work (large exports) run outside the request, with a row users can see.

- models: Job (kind, project, starter, status, progress, result, errors);
- services: job_create (dispatch on commit), job_start/job_progress/job_finish/job_fail for the
  runner, job_cancel_request (cooperative), jobs_mark_lost;
- selectors: jobs_visible_to, job_for_user (annotate.access.access_job fetches and authorizes);
- runner: the registry of job kinds and run_job, idempotent, shared by every engine;
- tasks: the Celery task (a worker, `make worker`); without a broker a thread runs run_job.
"""
