"""python manage.py recompute_agreement --project SLUG [--as USERNAME] [--no-wait]: recompute a
project's agreement figures (all articles, all dates) in a background job and wait for it."""

import time

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from annotate.jobs.links import job_api_url
from annotate.jobs.models import Job
from annotate.models import Project
from annotate.projects.selectors import project_first_editor
from annotate.quality import AgreementFilters
from annotate.quality.jobs import agreement_job_start, agreement_summary

POLL_S = 0.5


class Command(BaseCommand):
    help = "Recompute a project's agreement figures in a background job, as one of its editors."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, metavar="SLUG", help="The project's slug.")
        parser.add_argument(
            "--as",
            dest="as_username",
            metavar="USERNAME",
            help="the editor the job is started as (default: the project's first editor)",
        )
        parser.add_argument(
            "--no-wait", action="store_true", help="queue the job and return at once"
        )

    def handle(self, *args, project: str, as_username: str | None, no_wait: bool, **options):
        found = Project.objects.filter(slug=project).first()
        if found is None:
            raise CommandError(f"no project with the slug {project!r}")
        if as_username:
            actor = get_user_model().objects.filter(username=as_username).first()
            if actor is None:
                raise CommandError(f"no user named {as_username!r}")
        elif (actor := project_first_editor(found)) is None:
            raise CommandError(f"project {project!r} has no editor; name one with --as USERNAME")
        try:
            job = agreement_job_start(project=found, actor=actor, filters=AgreementFilters())
        except PermissionDenied:
            raise CommandError(
                f"{actor.get_username()!r} is not an editor of project {project!r}"
            ) from None
        if no_wait:
            self.stdout.write(f"queued job #{job.pk}: {job_api_url(job)}")
            return
        # Whichever engine runs it (inline, a thread of this process, a worker), the row says
        # when it is over.
        while not job.is_finished:
            time.sleep(POLL_S)
            job.refresh_from_db()
        if job.status != Job.Status.DONE:
            raise CommandError(f"job #{job.pk} {job.status}: {job.error}")
        self.stdout.write(f"job #{job.pk} done: {agreement_summary(job.result)}")
