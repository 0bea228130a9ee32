"""python manage.py import_articles PATH... [--format auto|text|html|jsonl] [--dry-run]
[--project SLUG [--as USERNAME]]"""

from collections.abc import Iterator

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from annotate.models import Project
from annotate.projects.selectors import project_first_editor
from annotate.projects.services import project_import_articles
from corpus.importers.base import ArticleDraft, ImportFailure
from corpus.management.article_import import ArticleImportCommand
from corpus.services import ImportReport, ResultHandler


class Command(ArticleImportCommand):
    help = (
        "Import articles from text, markdown, HTML or JSONL files, folders or globs; with "
        "--project, every article imported or already stored joins that project."
    )

    def add_destination_arguments(self, parser) -> None:
        parser.add_argument(
            "--project",
            metavar="SLUG",
            help="put every article of the input, new or already stored, in this project",
        )
        parser.add_argument(
            "--as",
            dest="as_username",
            metavar="USERNAME",
            help="the project editor the import is made as (default: its first editor)",
        )

    def articles_import(
        self,
        *,
        items: Iterator[ArticleDraft | ImportFailure],
        dry_run: bool,
        on_result: ResultHandler,
        options: dict,
    ) -> ImportReport:
        slug, username = options.get("project"), options.get("as_username")
        if not slug:
            if username:
                raise CommandError("--as names the editor of a --project import; name a project.")
            return super().articles_import(
                items=items, dry_run=dry_run, on_result=on_result, options=options
            )
        project = Project.objects.filter(slug=slug).first()
        if project is None:
            raise CommandError(f"no project with the slug {slug!r}")
        actor = self._actor(project, username)
        try:
            return project_import_articles(
                project=project, actor=actor, items=items, dry_run=dry_run, on_result=on_result
            )
        except PermissionDenied:  # raised before anything is read or stored
            raise CommandError(
                f"{actor.get_username()!r} is not an editor of project {slug!r}; "
                "name one with --as USERNAME"
            ) from None

    @staticmethod
    def _actor(project: Project, username: str | None):
        if username:
            actor = get_user_model().objects.filter(username=username).first()
            if actor is None:
                raise CommandError(f"no user named {username!r}")
            return actor
        actor = project_first_editor(project)
        if actor is None:
            raise CommandError(
                f"project {project.slug!r} has no editor to import as; give it one, or name a "
                "user with --as USERNAME"
            )
        return actor
