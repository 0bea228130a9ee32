"""Projects, their articles and their members."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from annotate.access import Role, forget_roles, require_editor
from annotate.models import Membership, Project
from annotate.projects.scales import PRESETS
from annotate.review.services.moderation import require_moderator
from annotate.review.services.review import queue_refresh
from corpus.importers.base import ArticleDraft, ImportFailure
from corpus.models import Article
from corpus.services import ImportReport, ImportResult, ResultHandler, import_articles

# Stored articles join the project this many at a time, as the import service stores them.
JOIN_EVERY = 500


@transaction.atomic
def project_create(
    *,
    actor,
    name: str,
    slug: str,
    description: str = "",
    scale_preset: str = "plain",
    scale: list[dict] | None = None,
    scale_is_ordinal: bool | None = None,
    reviews_per_claim: int = 2,
    blind_review: bool = True,
    sources_required: bool = True,
) -> Project:
    """A new project with a preset or custom scale; its creator becomes its first editor."""
    if not (actor.is_staff or actor.has_perm("annotate.add_project")):
        raise PermissionDenied("Only staff may create projects.")
    if scale is None:
        preset = PRESETS.get(scale_preset)
        if preset is None:
            raise ValidationError(
                {"scale_preset": f"Unknown preset; choose one of {', '.join(PRESETS)}."}
            )
        scale = preset.as_scale()
        scale_is_ordinal = preset.ordinal if scale_is_ordinal is None else scale_is_ordinal
    else:
        scale_preset = ""
        scale = [
            {
                "label": str(entry.get("label", "")).strip(),
                "description": str(entry.get("description", "")),
                "needs_sources": bool(entry.get("needs_sources", True)),
            }
            for entry in scale
            if isinstance(entry, dict)
        ]
    project = Project(
        name=name.strip(),
        slug=slug,
        description=description,
        scale_preset=scale_preset,
        scale=scale,
        scale_is_ordinal=bool(scale_is_ordinal),
        reviews_per_claim=reviews_per_claim,
        blind_review=blind_review,
        sources_required=sources_required,
    )
    project.full_clean()
    project.save()
    Membership.objects.create(project=project, user=actor, role=Role.EDITOR)
    return project


@transaction.atomic
def project_save(*, project: Project, actor, changed: Iterable[str] = ()) -> Project:
    """Save a project edited as a whole (the admin's form). A new one gets its creator as first
    editor, as project_create does; a changed reviews_per_claim reopens or closes queue slots."""
    is_new = project.pk is None
    if is_new:
        if not (actor.is_staff or actor.has_perm("annotate.add_project")):
            raise PermissionDenied("Only staff may create projects.")
    else:
        require_moderator(project, actor, "annotate.change_project", "edit the project")
    project.full_clean()
    project.save()
    if is_new:
        Membership.objects.create(project=project, user=actor, role=Role.EDITOR)
    elif "reviews_per_claim" in changed:
        queue_refresh(project=project)
    return project


@transaction.atomic
def project_articles_add(*, project: Project, actor, articles: Iterable[Article]) -> None:
    """Put articles chosen by id in the project (an article may be in several projects)."""
    require_editor(project, actor, "add articles to the project")
    articles = list(articles)
    if not actor.is_staff:
        # Editors take articles from the shared corpus or from their own projects. One of a
        # project they cannot read is refused as if it did not exist, in the words a missing id
        # gets: which ids exist there is not theirs to learn.
        allowed = set(
            Article.objects.filter(pk__in=[a.pk for a in articles])
            .filter(Q(projects__isnull=True) | Q(projects__memberships__user=actor))
            .values_list("pk", flat=True)
        )
        if refused := sorted(a.pk for a in articles if a.pk not in allowed):
            raise ValidationError({"articles": [f"No such article: {refused}"]})
    project.articles.add(*articles)


@transaction.atomic
def project_articles_import(*, project: Project, actor, articles: Iterable[Article]) -> None:
    """Put articles whose full text the actor has just sent (an import) in the project.

    Holding an article's text is the right to it: a text already stored, even only in projects
    the actor cannot read, brings that article into this project. Refusing it instead would
    answer with what the actor may not know: that article's id and whereabouts.
    """
    require_editor(project, actor, "add articles to the project")
    project.articles.add(*articles)


def project_import_articles(
    *,
    project: Project,
    actor,
    items: Iterable[ArticleDraft | ImportFailure],
    dry_run: bool = False,
    on_result: ResultHandler | None = None,
) -> ImportReport:
    """Import articles (corpus's import service) and put every one stored, new or already there,
    in the project: the import of the command, the upload page and the URL form.

    Not one transaction: like the corpus import, each batch is stored on its own, and the
    articles stored so far join the project as the import goes, so an import cut short keeps
    what it stored in the project and a rerun completes it.
    """
    require_editor(project, actor, "add articles to the project")
    waiting: list[int] = []

    def join_waiting() -> None:
        if waiting:
            project_articles_import(
                project=project,
                actor=actor,
                articles=Article.objects.filter(pk__in=waiting).only("pk"),
            )
            waiting.clear()

    def collect(result: ImportResult) -> None:
        if result.article_id is not None and not dry_run:
            waiting.append(result.article_id)
            if len(waiting) >= JOIN_EVERY:
                join_waiting()
        if on_result is not None:
            on_result(result)

    report = import_articles(items=items, dry_run=dry_run, on_result=collect)
    join_waiting()
    return report


@transaction.atomic
def membership_set_role(*, project: Project, actor, user, role: str | None) -> Membership | None:
    """Give `user` a role in the project, change it, or (role None) remove them.

    Editors manage members; a superuser may too, so that a project can get its first editor.
    The last editor cannot be demoted or removed: a project without one cannot be managed.
    """
    if not actor.is_superuser:
        require_editor(project, actor, "manage members")
    if role is not None and role not in Role.values:
        raise ValidationError({"role": f"Choose one of {', '.join(Role.values)}."})
    # Lock the project's memberships so two editors demoting each other cannot both succeed.
    editors = list(
        Membership.objects.select_for_update()
        .filter(project=project, role=Role.EDITOR)
        .values_list("user_id", flat=True)
    )
    if editors == [user.pk] and role != Role.EDITOR:
        raise ValidationError({"role": "A project needs at least one editor."})
    forget_roles(project)
    if role is None:
        Membership.objects.filter(project=project, user=user).delete()
        return None
    membership, _ = Membership.objects.update_or_create(
        project=project, user=user, defaults={"role": role}
    )
    return membership
