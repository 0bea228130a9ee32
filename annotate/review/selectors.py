"""Reads of annotation data. Visibility (membership, blind review) is applied here, once."""

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    When,
    prefetch_related_objects,
)

from annotate.access import Capabilities, Role, caller_role, remember_role, role_in
from annotate.models import (
    Adjudication,
    Assignment,
    Comment,
    Membership,
    Prediction,
    Project,
    Skip,
    Source,
    Span,
    Verdict,
)
from annotate.review.queue import held_by_settled_claim
from annotate.review.status import SpanStatus, span_status_annotations, span_status_expression

__all__ = ["SpanStatus"]  # re-exported: callers imported it from here before annotate.review.status

SUBMITTED = Verdict.Status.SUBMITTED


def with_status(spans: QuerySet[Span], *, viewer=None) -> QuerySet[Span]:
    """Spans annotated with verdict counts (`verdict_count`, `submitted_count`) and their derived
    `status` (never stored), by the rule of annotate.review.status.

    With a `viewer`, status and counts follow blind review: until a reviewer of a blind project
    has submitted on a span, its outcome (contested or agreed) reads as in review for them and
    the counts are of their own verdicts only, as the verdicts behind them stay hidden. The
    viewer's role comes along as `caller_role`.
    """
    spans = spans.annotate(**span_status_annotations())
    if viewer is None:
        return spans.annotate(
            verdict_count=F("all_verdict_count"),
            submitted_count=F("all_submitted_count"),
            status=span_status_expression(),
        )
    # Counted in the same pass over the joined verdicts: an EXISTS here was planned as a hash of
    # every verdict the viewer ever submitted, rebuilt for each page.
    own = Q(verdicts__reviewer_id=viewer.pk)
    spans = spans.annotate(caller_role=caller_role(viewer)).alias(
        viewer_verdicts=Count("verdicts", filter=own, distinct=True),
        viewer_submitted=Count(
            "verdicts", filter=own & Q(verdicts__status=SUBMITTED), distinct=True
        ),
    )
    blind_for_viewer = Q(project__blind_review=True, caller_role=Role.REVIEWER) & Q(
        viewer_submitted=0
    )
    return spans.annotate(
        verdict_count=Case(
            When(blind_for_viewer, then=F("viewer_verdicts")), default=F("all_verdict_count")
        ),
        submitted_count=Case(
            When(blind_for_viewer, then=F("viewer_submitted")), default=F("all_submitted_count")
        ),
        status=span_status_expression(blind_for_viewer=blind_for_viewer),
    )


def visible_verdicts(*, project: Project, user, role: str | None) -> QuerySet[Verdict]:
    """The verdicts this user may read in the project, for use in a span prefetch.

    Everyone sees their own. Others' drafts stay private. Others' submitted verdicts are shown
    to editors and viewers, and to reviewers once they submitted their own verdict on the same
    span, or always when the project does not review blind.
    """
    own = Q(reviewer_id=user.pk)
    if role is None:
        others = Q(pk__in=[])
    elif Capabilities.of(role, blind_review=project.blind_review).may_see_verdicts:
        others = Q(status=SUBMITTED)
    else:
        reviewed_by_user = Verdict.objects.filter(
            span=OuterRef("span"), reviewer_id=user.pk, status=SUBMITTED
        )
        others = Q(status=SUBMITTED) & Q(Exists(reviewed_by_user))
    return (
        Verdict.objects.filter(own | others)
        .select_related("reviewer")
        .prefetch_related(Prefetch("sources", queryset=Source.objects.order_by("position", "pk")))
        .order_by("submitted_at", "pk")
    )


def project_spans(*, project: Project, user, **filters) -> QuerySet[Span]:
    """A project's spans with counts and status; orphaned ones only for editors."""
    if role_in(project, user) is None:
        return Span.objects.none()
    return spans_for_user(user=user, project_id=project.pk, **filters)


def spans_for_user(
    *,
    user,
    project_id: int | None = None,
    status: str | None = None,
    article_id: int | None = None,
    label: str | None = None,
    reviewer_id: int | None = None,
    orphaned: bool | None = None,
) -> QuerySet[Span]:
    """Spans of the user's projects with counts and status; orphaned ones only for editors."""
    spans = spans_filtered(
        user=user,
        project_id=project_id,
        article_id=article_id,
        label=label,
        reviewer_id=reviewer_id,
        orphaned=orphaned,
    )
    spans = with_status(spans, viewer=user)
    if status:
        spans = spans.filter(status=status)
    return spans.select_related("created_by").order_by("article_id", "start", "end", "pk")


def spans_filtered(
    *,
    user,
    project_id: int | None = None,
    article_id: int | None = None,
    label: str | None = None,
    reviewer_id: int | None = None,
    orphaned: bool | None = None,
) -> QuerySet[Span]:
    """spans_for_user's rows without their counts and status, for lists that read a page of ids
    first: the filters on verdicts see only what the user may read (blind review)."""
    memberships = Membership.objects.filter(user_id=user.pk)
    spans = Span.objects.filter(
        Q(project__in=memberships.values("project"), orphaned=False)
        | Q(project__in=memberships.filter(role=Role.EDITOR).values("project"))
    )
    if project_id is not None:
        spans = spans.filter(project_id=project_id)
    if orphaned is not None:
        spans = spans.filter(orphaned=orphaned)
    if article_id is not None:
        spans = spans.filter(article_id=article_id)
    # Subqueries, not joins: a join on verdicts here would be reused by with_status()'s counts.
    submitted_here = Verdict.objects.filter(span=OuterRef("pk"), status=SUBMITTED)
    # Only verdicts the user may read count, or a filter would unblind a reviewer: one rule for
    # every filter that looks at verdicts.
    readable = submitted_here.filter(_readable_by(user, memberships))
    if label:
        spans = spans.filter(Exists(readable.filter(label=label)) | Q(adjudication__label=label))
    if reviewer_id is not None:
        spans = spans.filter(Exists(readable.filter(reviewer_id=reviewer_id)))
    return spans


def span_in_reach(*, user, pk: int) -> Span:
    """A span (with its project) the user may open, for writes that need no verdicts loaded;
    `caller_role` is set. Span.DoesNotExist for other projects' spans and, for non-editors,
    orphaned ones."""
    return _reachable(Span.objects.select_related("project"), user=user, pk=pk)


def span_for_user(*, user, pk: int) -> Span:
    """One span with the verdicts, sources, comments and adjudication this user may see.

    Raises Span.DoesNotExist for spans of projects the user is not a member of.
    """
    span = _reachable(
        with_status(Span.objects.all(), viewer=user)
        .select_related("article", "project", "created_by", "adjudication__editor")
        .defer("article__body", "article__raw_text"),
        user=user,
        pk=pk,
    )
    visible = visible_verdicts(project=span.project, user=user, role=span.caller_role)
    prefetch_related_objects(
        [span],
        Prefetch("verdicts", queryset=visible, to_attr="visible_verdicts"),
        Prefetch(
            "comments",
            queryset=Comment.objects.select_related("author").order_by("created_at", "pk"),
        ),
        # The same blind-review rule: an adjudication must not reveal hidden verdicts.
        Prefetch("adjudication__considered_verdicts", queryset=visible),
    )
    return span


def _reachable(spans: QuerySet[Span], *, user, pk: int) -> Span:
    """The span, read with the caller's role in its project in the same query."""
    if not user.is_authenticated:
        raise Span.DoesNotExist
    if "caller_role" not in spans.query.annotations:  # with_status(viewer=user) has it
        spans = spans.annotate(caller_role=caller_role(user))
    span = spans.get(pk=pk)
    role = span.caller_role
    if role is None or (span.orphaned and role != Role.EDITOR):
        raise Span.DoesNotExist
    remember_role(span.project, user, role)
    return span


def reviewer_queue(*, project: Project, reviewer) -> QuerySet[Span]:
    """Spans assigned to the reviewer that still await their submitted verdict, oldest first."""
    submitted = Verdict.objects.filter(span=OuterRef("pk"), reviewer=reviewer, status=SUBMITTED)
    return (
        Span.objects.filter(
            project=project,
            orphaned=False,
            adjudication__isnull=True,
            assignments__reviewer=reviewer,
        )
        .exclude(Exists(submitted))
        .exclude(held_by_settled_claim())
        .select_related("article")
        .order_by("assignments__created_at", "pk")
    )


def reviewer_queue_left(*, project: Project, reviewer) -> int:
    """How many claims the queue may still hand this reviewer, the one in hand included: their
    unfinished assignments and the open spans they have neither taken, judged nor skipped.
    One query. An upper bound: others may take an open span's last slot first."""
    taken = Assignment.objects.filter(span=OuterRef("pk"), reviewer=reviewer)
    judged = Verdict.objects.filter(span=OuterRef("pk"), reviewer=reviewer, status=SUBMITTED)
    skipped = Skip.objects.filter(span=OuterRef("pk"), reviewer=reviewer)
    return (
        Span.objects.filter(project=project, orphaned=False, adjudication__isnull=True)
        .filter(Q(queue_open=True) | Exists(taken))
        .exclude(Exists(judged))
        .exclude(Exists(skipped))
        .exclude(held_by_settled_claim())
        .count()
    )


def reviewer_progress(*, project: Project, reviewer) -> dict[str, int]:
    """How far the reviewer is: assigned, submitted, drafts and what is left of the assignments."""
    assigned = Assignment.objects.filter(span__project=project, reviewer=reviewer).count()
    remaining = reviewer_queue(project=project, reviewer=reviewer).count()
    verdicts = Verdict.objects.filter(span__project=project, reviewer=reviewer).aggregate(
        submitted=Count("pk", filter=Q(status=SUBMITTED)),
        drafts=Count("pk", filter=Q(status=Verdict.Status.DRAFT)),
    )
    return {
        "assigned": assigned,
        "submitted": verdicts["submitted"],
        "drafts": verdicts["drafts"],
        "remaining": remaining,
    }


def contested_spans(*, project: Project, user) -> QuerySet[Span]:
    """Spans whose submitted verdicts disagree and that await adjudication (editors only)."""
    if role_in(project, user) != Role.EDITOR:
        return Span.objects.none()
    return project_spans(project=project, user=user, status=SpanStatus.CONTESTED)


def _readable_by(user, memberships: QuerySet[Membership]) -> Q:
    """The blind-review rule of visible_verdicts as a condition on Verdict rows, for queries
    that span several projects: own verdicts, and submitted ones where the user's role or the
    project's settings show them, or where the user has submitted on the same span."""
    sees_all_submitted = memberships.filter(
        Q(role__in=[Role.EDITOR, Role.VIEWER]) | Q(project__blind_review=False)
    ).values("project")
    reviewed_by_user = Verdict.objects.filter(
        span=OuterRef("span"), reviewer_id=user.pk, status=SUBMITTED
    )
    return (
        Q(reviewer_id=user.pk)
        | Q(status=SUBMITTED, span__project__in=sees_all_submitted)
        | (Q(status=SUBMITTED) & Q(Exists(reviewed_by_user)))
    )


def verdicts_for_user(
    *,
    user,
    project_id: int | None = None,
    span_id: int | None = None,
    reviewer_id: int | None = None,
    status: str | None = None,
    label: str | None = None,
) -> QuerySet[Verdict]:
    """Verdicts of the user's projects that the user may read (the rule of visible_verdicts,
    applied per project across all of them), with reviewer and sources."""
    memberships = Membership.objects.filter(user_id=user.pk)
    verdicts = Verdict.objects.filter(span__project__in=memberships.values("project")).filter(
        _readable_by(user, memberships)
    )
    # Orphaned spans are for editors only, and so are their verdicts.
    verdicts = verdicts.filter(
        Q(span__orphaned=False)
        | Q(span__project__in=memberships.filter(role=Role.EDITOR).values("project"))
    )
    for field, value in (
        ("span__project_id", project_id),
        ("span_id", span_id),
        ("reviewer_id", reviewer_id),
        ("status", status),
        ("label", label),
    ):
        if value not in (None, ""):
            verdicts = verdicts.filter(**{field: value})
    return verdicts.select_related("reviewer").prefetch_related(
        Prefetch("sources", queryset=Source.objects.order_by("position", "pk"))
    )


def own_verdict(*, user, pk: int) -> Verdict:
    """The user's own verdict with its sources, as just written; Verdict.DoesNotExist for
    anyone else's."""
    return (
        Verdict.objects.select_related("reviewer")
        .prefetch_related(Prefetch("sources", queryset=Source.objects.order_by("position", "pk")))
        .get(pk=pk, reviewer_id=user.pk)
    )


def project_predictions(
    *,
    project: Project,
    user,
    article_id: int | None = None,
    accepted: bool | None = None,
    open_only: bool = False,
) -> QuerySet[Prediction]:
    """A project's machine predictions, for its members; `open_only`: neither accepted nor
    rejected (what the reader offers)."""
    if role_in(project, user) is None:
        return Prediction.objects.none()
    predictions = Prediction.objects.filter(project=project)
    if article_id is not None:
        predictions = predictions.filter(article_id=article_id)
    if accepted is not None:
        predictions = predictions.filter(accepted_span__isnull=not accepted)
    if open_only:
        predictions = predictions.filter(accepted_span__isnull=True, rejected_at__isnull=True)
    return predictions.order_by("article_id", "start", "end", "pk")


def project_progress(*, project: Project) -> dict[str, int]:
    """Spans, verdicts submitted of k × spans, contested and adjudicated, for dashboards."""
    counts = with_status(Span.objects.filter(project=project, orphaned=False)).aggregate(
        spans=Count("pk"),
        contested=Count("pk", filter=Q(status=SpanStatus.CONTESTED)),
        adjudicated=Count("pk", filter=Q(status=SpanStatus.ADJUDICATED)),
        agreed=Count("pk", filter=Q(status=SpanStatus.AGREED)),
    )
    submitted = Verdict.objects.filter(
        span__project=project, span__orphaned=False, status=SUBMITTED
    ).count()
    return {
        **counts,
        "verdicts_submitted": submitted,
        "verdicts_wanted": counts["spans"] * project.reviews_per_claim,
    }


def span_comments(*, span: Span) -> QuerySet[Comment]:
    """A span's discussion, oldest first, with authors (the caller already sees the span)."""
    return Comment.objects.filter(span=span).select_related("author").order_by("created_at", "pk")


def with_submitted_verdicts(spans: QuerySet[Span]) -> QuerySet[Span]:
    """Spans with their submitted verdicts (reviewer, sources) as `submitted_verdicts`, for
    editors comparing reviewers side by side."""
    submitted = (
        Verdict.objects.filter(status=SUBMITTED)
        .select_related("reviewer")
        .prefetch_related(Prefetch("sources", queryset=Source.objects.order_by("position", "pk")))
        .order_by("submitted_at", "pk")
    )
    return spans.select_related("article").prefetch_related(
        Prefetch("verdicts", queryset=submitted, to_attr="submitted_verdicts")
    )


def span_history(*, span: Span) -> list:
    """Every recorded change to the span, its verdicts, their sources and its adjudication,
    newest first: (when, who, what, the historical record)."""
    verdict_ids = list(Verdict.history.filter(span_id=span.pk).values_list("id", flat=True))
    records = [
        *Span.history.filter(id=span.pk).select_related("history_user"),
        *Verdict.history.filter(span_id=span.pk).select_related("history_user", "reviewer"),
        *Source.history.filter(verdict_id__in=set(verdict_ids)).select_related("history_user"),
        *Adjudication.history.filter(span_id=span.pk).select_related("history_user"),
    ]
    return sorted(records, key=lambda record: record.history_date, reverse=True)
