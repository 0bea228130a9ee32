"""python manage.py recompute_agreement --project SLUG [--as USERNAME]: recompute a project's
agreement figures (all articles, all dates) now, in this process, as an `agreement-recompute`
job that the Jobs page shows like any other, and cache them for the quality page and the API."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from annotate.jobs.models import Job
from annotate.jobs.runner import run_job
from annotate.models import Project
from annotate.projects.selectors import project_first_editor
from annotate.quality import AgreementFilters
from annotate.quality.jobs import agreement_job_start, agreement_summary


class Command(BaseCommand):
    help = "Recompute a project's agreement figures now, as a job started by one of its editors."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, metavar="SLUG", help="The project's slug.")
        parser.add_argument(
            "--as",
            dest="as_username",
            metavar="USERNAME",
            help="the editor the job is started as (default: the project's first editor)",
        )

    def handle(self, *args, project: str, as_username: str | None, **options):
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
            job = agreement_job_start(
                project=found, actor=actor, filters=AgreementFilters(), dispatch=False
            )
        except PermissionDenied:
            raise CommandError(
                f"{actor.get_username()!r} is not an editor of project {project!r}"
            ) from None
        run_job(job.pk)
        job.refresh_from_db()
        if job.status != Job.Status.DONE:
            raise CommandError(f"job #{job.pk} {job.status}: {job.error}")
        self.stdout.write(f"job #{job.pk} done: {agreement_summary(job.result)}")
