"""Reads of claims across articles: lists with their counts and first appearance, one claim
with its appearances, visibility (membership) applied here for every door."""

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

from annotate.access import Role, caller_role, role_in
from annotate.claims.models import Appearance, Claim, MatchDecision
from annotate.models import Membership, Span, Verdict

ORDERINGS = {
    "appearances": ("appearance_count", "pk"),
    "-appearances": ("-appearance_count", "-pk"),
    "created": ("created_at", "pk"),
    "-created": ("-created_at", "-pk"),
}


def with_first_appearance(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """Claims annotated with their first appearance, derived, never stored: the appearance whose
    article was published first (undated articles last), then the earliest highlighted span.
    `first_appearance_span_id`, `first_appearance_article_id`, `first_appearance_on` (a date
    or None)."""
    first = Appearance.objects.filter(claim=OuterRef("pk")).order_by(
        F("span__article__published_on").asc(nulls_last=True), "span__created_at", "span_id"
    )
    return claims.annotate(
        first_appearance_span_id=Subquery(first.values("span_id")[:1]),
        first_appearance_article_id=Subquery(first.values("span__article_id")[:1]),
        first_appearance_on=Subquery(first.values("span__article__published_on")[:1]),
    )


def claims_for_user(
    *,
    user,
    project_id: int | None = None,
    q: str | None = None,
    ordering: str | None = None,
) -> QuerySet[Claim]:
    """Claims of the user's projects with `appearance_count`, their first appearance and
    `verdict_visible` (blind review); `q`
    looks in the text and the claimant (case-insensitive: full-text search here comes with the
    search slice of issue 15)."""
    if not user.is_authenticated:
        return Claim.objects.none()
    claims = Claim.objects.filter(
        project__in=Membership.objects.filter(user_id=user.pk).values("project")
    )
    if project_id is not None:
        claims = claims.filter(project_id=project_id)
    if q:
        claims = claims.filter(Q(text__icontains=q) | Q(claimant__icontains=q))
    # A subquery, not a join: the count must not multiply with other annotations.
    counts = (
        Appearance.objects.filter(claim=OuterRef("pk"))
        .order_by()
        .values("claim")
        .annotate(total=Count("pk"))
        .values("total")
    )
    claims = claims.annotate(
        appearance_count=Coalesce(Subquery(counts), 0),
        caller_role=caller_role(user),
    ).annotate(verdict_visible=_verdict_visible(user))
    return (
        with_first_appearance(claims)
        .select_related("created_by", "verdict_set_by")
        .order_by(*ORDERINGS.get(ordering or "", ("pk",)))
    )


def _verdict_visible(user) -> Case:
    """Blind review, for a claim's final verdict: a reviewer of a blind project sees it once
    they have submitted their own verdict on one of its appearances (as others' verdicts on a
    span), everyone else who may read the claim always."""
    own_submitted = Verdict.objects.filter(
        span__appearance__claim=OuterRef("pk"),
        reviewer_id=user.pk,
        status=Verdict.Status.SUBMITTED,
    )
    return Case(
        When(Q(project__blind_review=True, caller_role=Role.REVIEWER), then=Exists(own_submitted)),
        default=Value(True),
        output_field=BooleanField(),
    )


def claim_detail(*, claim: Claim, user) -> Claim:
    """One claim (as access_claim found it) with its count, first appearance and appearances:
    spans in reading order of their articles' dates, each with its article and who linked it.
    Orphaned spans only for editors, as everywhere."""
    role = role_in(claim.project, user)  # remembered by access_claim: no query
    project = claim.project
    claim = claims_for_user(user=user).get(pk=claim.pk)
    claim.project = project
    spans = Span.objects.all()
    if role != Role.EDITOR:
        spans = spans.filter(orphaned=False)
    appearances = (
        Appearance.objects.filter(span__in=spans)
        .select_related("span__article", "linked_by")
        .defer("span__article__body", "span__article__raw_text")
        .order_by(F("span__article__published_on").asc(nulls_last=True), "span__created_at", "pk")
    )
    prefetch_related_objects([claim], Prefetch("appearances", queryset=appearances))
    return claim


def claim_of_span(*, span: Span) -> Claim | None:
    """The claim a span appears as, if any."""
    return Claim.objects.filter(appearances__span=span).first()


def match_decisions(*, claim: Claim) -> QuerySet[MatchDecision]:
    """A claim's match decisions, oldest first (the labelled pairs of the later evaluation)."""
    return (
        MatchDecision.objects.filter(claim=claim)
        .select_related("decided_by")
        .order_by("created_at", "pk")
    )
