"""python manage.py load_demo [PATH]: the demo project, members, spans and verdicts, once."""

import datetime
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annotate.models import Project, Span, Verdict
from annotate.projects import services as project_services
from annotate.review import services
from corpus.models import Article

DEFAULT_PATH = settings.BASE_DIR / "seeds" / "demo_annotations.json"


class Command(BaseCommand):
    help = "Load the demo annotation set through the services; spans already there are skipped."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_PATH))

    def handle(self, *args, path: str, **options):
        try:
            demo = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise CommandError(f"{path}: {error}") from error
        users = {user.username: user for user in get_user_model().objects.all()}
        try:
            with transaction.atomic():
                created = self._load(demo, users)
        except KeyError as error:
            raise CommandError(
                f"{path}: unknown user or article {error}; run create_demo_users and "
                "import_articles seeds/ first"
            ) from error
        self.stdout.write(f"demo project loaded: {created} new span(s)")

    def _load(self, demo: dict, users: dict) -> int:
        spec = demo["project"]
        editor = users[next(m["username"] for m in demo["members"] if m["role"] == "editor")]
        project = Project.objects.filter(slug=spec["slug"]).first()
        if project is None:
            project = project_services.project_create(actor=editor, **spec)
        for member in demo["members"]:
            project_services.membership_set_role(
                project=project, actor=editor, user=users[member["username"]], role=member["role"]
            )
        articles = {article.origin: article for article in Article.objects.all()}
        wanted = {span["article"] for span in demo["spans"]}
        project_services.project_articles_add(
            project=project, actor=editor, articles=[articles[name] for name in sorted(wanted)]
        )
        created = 0
        for entry in demo["spans"]:
            article = articles[entry["article"]]
            if Span.objects.filter(project=project, article=article, quote=entry["quote"]).exists():
                continue
            self._load_span(project, article, entry, users)
            created += 1
        return created

    def _load_span(self, project: Project, article: Article, entry: dict, users: dict) -> None:
        span = services.span_create(
            project=project,
            article=article,
            actor=users[entry["created_by"]],
            quote=entry["quote"],
            occurrence=entry.get("occurrence", 1),
            claimant=entry.get("claimant", ""),
            note=entry.get("note", ""),
        )
        for verdict in entry.get("verdicts", []):
            write = (
                services.verdict_submit
                if verdict["status"] == Verdict.Status.SUBMITTED
                else services.verdict_save_draft
            )
            write(
                span=span,
                reviewer=users[verdict["reviewer"]],
                expected_version=0,
                label=verdict["label"],
                rationale=verdict.get("rationale", ""),
                confidence=verdict.get("confidence"),
                sources=[_source(source) for source in verdict.get("sources", [])],
            )
        for comment in entry.get("comments", []):
            services.comment_post(span=span, author=users[comment["author"]], body=comment["body"])
        if decision := entry.get("adjudication"):
            services.adjudicate(
                span=span,
                editor=users[decision["editor"]],
                label=decision["label"],
                rationale=decision.get("rationale", ""),
            )


def _source(source: dict) -> services.SourceInput:
    accessed = source.get("accessed_on")
    return services.SourceInput(
        url=source["url"],
        title=source.get("title", ""),
        excerpt=source.get("excerpt", ""),
        stance=source.get("stance", "context"),
        accessed_on=datetime.date.fromisoformat(accessed) if accessed else None,
    )
