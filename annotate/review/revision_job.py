"""Revising the body of an article with many spans as a background job (kind `article-revision`,
editors): above REVISION_JOB_SPANS spans the API's `revise` answers 202 with the job, which runs
the one re-anchoring service (`article_body_revise`) and reports kept, moved, fuzzy and orphaned
spans. Smaller revisions stay in the request.

The new text is stored through Django's storage under the job's folder by the request, like an
import's files, so no request holds it. The revision and its report commit in one transaction
(`job_result_keep`): a rerun (a worker lost after the commit) finds the report and does nothing;
a rerun of an attempt that did not commit starts over, with nothing applied. The article's hash
when the revision was asked for is kept: a text changed meanwhile fails the job rather than
being overwritten. Cancel and the time limit roll the whole revision back.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from annotate.access import Need, Role
from annotate.jobs.kinds import JobCancelled, JobOutput, register_job_kind
from annotate.jobs.models import Job
from annotate.jobs.services import job_create, job_folder, job_result_keep
from annotate.models import Project, Span
from annotate.review.services.revisions import (
    article_body_revise,
    article_reviser_require,
    revision_body_check,
)
from corpus.models import Article

REVISION_JOB = "article-revision"


def _job_project(*, article: Article, actor) -> Project | None:
    """The project the job belongs to (whose editors see it): the first of the article's
    projects the actor edits; None for a superuser who edits none (they revise in the request)."""
    return (
        Project.objects.filter(
            articles=article, memberships__user=actor, memberships__role=Role.EDITOR
        )
        .order_by("pk")
        .first()
    )


def revision_job_wanted(*, article: Article, actor) -> bool:
    """Whether revising the article runs as a job: more than REVISION_JOB_SPANS spans point
    into it (each is re-anchored), and the actor edits one of its projects."""
    spans = Span.objects.filter(article=article).order_by()
    if spans[: settings.REVISION_JOB_SPANS + 1].count() <= settings.REVISION_JOB_SPANS:
        return False
    return _job_project(article=article, actor=actor) is not None


@transaction.atomic
def article_revision_job_start(
    *, article: Article, body: str, actor, raw_text: str | None = None
) -> Job:
    """A queued revision of the article's body, its text stored for the job.

    PermissionDenied unless the actor edits a project with the article; ValidationError on
    `body` (empty, another article's text) at once rather than in the background.
    """
    article_reviser_require(article=article, actor=actor)
    revision_body_check(article=article, body=body)
    project = _job_project(article=article, actor=actor)
    if project is None:
        raise PermissionDenied(
            gettext("Only an editor of a project with this article may revise it.")
        )
    job = job_create(
        kind=REVISION_JOB,
        project=project,
        actor=actor,
        params={"article": article.pk, "base_hash": article.content_hash},
        total=Span.objects.filter(article=article).count(),
    )
    folder = f"{job_folder(job.pk)}/input"
    stored = {"body": default_storage.save(f"{folder}/body.txt", ContentFile(body.encode()))}
    if raw_text is not None:
        stored["raw_text"] = default_storage.save(
            f"{folder}/raw_text.txt", ContentFile(raw_text.encode())
        )
    job.params = {**job.params, **stored}
    job.save(update_fields=["params"])
    return job


def _read(name: str) -> str:
    with default_storage.open(name, "rb") as stored:
        return stored.read().decode()


def article_revision_job_run(*, job: Job, progress) -> JobOutput:
    """Revise the article as the job's starter, keeping the report with the revision."""
    if job.result.get("revised"):
        # An earlier attempt committed the revision, then lost its worker before finishing.
        return JobOutput(result=job.result)
    params = job.params
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(pk=params["article"]).first()
        if article is None:
            raise ValidationError(gettext("The article was deleted before it could be revised."))
        if article.content_hash != params["base_hash"]:
            kept = Job.objects.filter(pk=job.pk).values_list("result", flat=True).get()
            if kept.get("revised"):  # an attempt that committed while this one waited
                return JobOutput(result=kept)
            raise ValidationError(
                gettext(
                    "The article's text changed after this revision was asked for: "
                    "revise the current text again."
                )
            )
        raw_text = _read(params["raw_text"]) if params.get("raw_text") else None
        report = article_body_revise(
            article=article,
            body=_read(params["body"]),
            actor=job.created_by,
            raw_text=raw_text,
            progress=progress,
        )
        result: dict[str, Any] = {"article": article.pk, "revised": True, **report.as_dict()}
        if not job_result_keep(job=job, result=result):
            raise JobCancelled  # another attempt owns the job: roll this one back
    for name in ("body", "raw_text"):
        if params.get(name):
            default_storage.delete(params[name])
    return JobOutput(result=result)


def revision_summary(result: dict[str, Any]) -> str:
    return gettext(
        "Spans re-anchored: %(kept)s kept, %(moved)s moved, %(fuzzy)s fuzzy, %(orphaned)s orphaned."
    ) % {key: result.get(key, 0) for key in ("kept", "moved", "fuzzy", "orphaned")}


register_job_kind(
    REVISION_JOB,
    article_revision_job_run,
    need=Need.MANAGE,
    label=gettext_lazy("Article revision"),
    summary=revision_summary,
)
