"""The Celery app (background jobs, annotate/jobs): configured from Django's settings (CELERY_*),
tasks found in the installed apps' `tasks` modules. Knows no app by name (layers contract).

Only the worker (`celery -A config worker`) and a web process with CELERY_BROKER_URL set import
this: `make run` without a broker never loads Celery (annotate.jobs.services runs jobs in a thread).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("factcheck")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
