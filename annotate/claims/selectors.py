"""Reads of claims across articles: lists with their counts and first appearance, one claim
with its appearances, visibility (membership) applied here for every door."""

from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Func,
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
from annotate.claims.matching import Candidate, claim_candidates
from annotate.claims.models import Appearance, Claim, ClaimComment, ClaimLink, MatchDecision
from annotate.models import Membership, Span, Verdict
from annotate.review.selectors import project_spans, visible_verdicts
from corpus.search import TextIndex, search_vector, text_search

# The text in its language (A), the claimant's name as written (B): the expression of the index
# claim_text_search_idx (migration 0016).
CLAIM_INDEX = TextIndex(
    fts_table="annotate_claim_text_fts",
    fts_weights=(4.0, 1.0),
    vector=lambda: Func(
        search_vector(F("search_config"), F("text"), "A"),
        search_vector("simple", F("claimant"), "B"),
        template="(%(expressions)s)",
        arg_joiner=" || ",
    ),
)

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
    `verdict_visible` (blind review); `q` searches the text and the claimant (full text,
    accents ignored, corpus.search), best match first unless an `ordering` is given."""
    if not user.is_authenticated:
        return Claim.objects.none()
    claims = Claim.objects.filter(
        project__in=Membership.objects.filter(user_id=user.pk).values("project")
    )
    if project_id is not None:
        claims = claims.filter(project_id=project_id)
    default_order: tuple = ("pk",)
    if q and q.strip():
        claims = text_search(claims, text=q, index=CLAIM_INDEX)
        default_order = (F("search_rank").desc(), "pk")
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
        .order_by(*ORDERINGS.get(ordering or "", default_order))
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


@dataclass(frozen=True, slots=True)
class LinkedClaim:
    """A claim of another project linked as the same statement, with the link."""

    link: ClaimLink
    claim: Claim  # as claims_for_user reads it: its project, count and `verdict_visible`


def linked_claims(*, claim: Claim, user) -> list[LinkedClaim]:
    """The claims of other projects linked to this one that the user may see (those of projects
    they are a member of; the others are left out without a trace), by link. Two queries."""
    links = list(
        ClaimLink.objects.filter(Q(claim_low_id=claim.pk) | Q(claim_high_id=claim.pk))
        .select_related("created_by")
        .order_by("created_at", "pk")
    )
    other_of = {
        link.pk: link.claim_high_id if link.claim_low_id == claim.pk else link.claim_low_id
        for link in links
    }
    if not links:
        return []
    visible = (
        claims_for_user(user=user)
        .filter(pk__in=other_of.values())
        .select_related("project")
        .in_bulk()
    )
    return [
        LinkedClaim(link, visible[other_of[link.pk]])
        for link in links
        if other_of[link.pk] in visible
    ]


def link_of_claim(*, claim: Claim, link_id: object) -> ClaimLink | None:
    """One of the claim's cross-project links by id; None for another's or a malformed id."""
    if not str(link_id).isdigit():
        return None
    return (
        ClaimLink.objects.filter(pk=int(str(link_id)))
        .filter(Q(claim_low_id=claim.pk) | Q(claim_high_id=claim.pk))
        .first()
    )


def claim_comments(*, claim: Claim) -> QuerySet[ClaimComment]:
    """A claim's comments, oldest first, with their authors."""
    return (
        ClaimComment.objects.filter(claim=claim)
        .select_related("author")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A candidate claim as the reader's claim box shows it: the claim (with claims_for_user's
    count and `verdict_visible`), its score and why (shared words and numbers)."""

    claim: Claim
    score: float
    why: dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class ClaimBox:
    """What the reader shows of a span's claim: its appearance and claim if linked (then no
    suggestions), else the suggested claims, best first."""

    appearance: Appearance | None
    claim: Claim | None
    suggestions: list[Suggestion]
    # Suggestions not offered for this span before (the door records them as shown).
    new_candidates: list[Candidate]


def span_claim_box(
    *, span: Span, user, language: str, suggest: bool = True, limit: int = 5
) -> ClaimBox:
    """The claim box of a span (its article in `language`): a constant number of queries
    whatever the project holds; `suggest=False`: the linked claim only.
    Suggestions are the lexical candidates above the project's suggest threshold, without the
    claims already rejected for this span."""
    appearance = (
        Appearance.objects.filter(span_id=span.pk)
        .select_related("linked_by", "verdict_reused_by")
        .first()
    )
    if appearance is not None:
        claim = claims_for_user(user=user).filter(pk=appearance.claim_id).first()
        return ClaimBox(appearance, claim, [], [])
    if span.orphaned or not suggest:
        return ClaimBox(None, None, [], [])
    decided: dict[int, set[str]] = {}
    for claim_id, decision in MatchDecision.objects.filter(span_id=span.pk).values_list(
        "claim_id", "decision"
    ):
        decided.setdefault(claim_id, set()).add(decision)
    rejected = {
        pk for pk, decisions in decided.items() if MatchDecision.Decision.REJECTED in decisions
    }
    threshold = span.project.match_suggest_threshold
    candidates = [
        candidate
        for candidate in claim_candidates(
            project=span.project,
            text=span.quote,
            language=language,
            limit=limit,
            exclude=rejected,
        )
        if candidate.score >= threshold
    ]
    if not candidates:
        return ClaimBox(None, None, [], [])
    claims = claims_for_user(user=user).in_bulk([c.claim.pk for c in candidates])
    suggestions = [
        Suggestion(claims[c.claim.pk], c.score, c.why) for c in candidates if c.claim.pk in claims
    ]
    new = [c for c in candidates if c.claim.pk not in decided]
    return ClaimBox(None, None, suggestions, new)


def claim_appearance_spans(*, claim: Claim, user) -> list[Span]:
    """The spans a claim appears as, in the order of their articles' dates, each with its
    article, appearance, status and the verdicts this user may see (blind review, as in the
    reader: review.selectors' rules). Orphaned spans only for editors. A constant number of
    queries."""
    project = claim.project
    role = role_in(project, user)
    visible = visible_verdicts(project=project, user=user, role=role)
    return list(
        project_spans(project=project, user=user)
        .filter(appearance__claim=claim)
        .select_related("article", "appearance__linked_by", "appearance__verdict_reused_by")
        .select_related("adjudication__editor")
        .defer("article__body", "article__raw_text")
        .prefetch_related(Prefetch("verdicts", queryset=visible, to_attr="visible_verdicts"))
        .order_by(F("article__published_on").asc(nulls_last=True), "created_at", "pk")
    )


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    when: object  # a datetime
    who: object  # a user or None (automatic)
    what: str


def claim_timeline(*, claim: Claim, verdict_visible: bool) -> list[TimelineEvent]:
    """A claim's story from its history, oldest first: founded, edited, final verdict set,
    fresh reviews asked, spans linked, unlinked, closed with its verdict, claims merged in.
    The verdict's label only where `verdict_visible` (blind review). Two queries."""
    events = []
    previous = None
    for record in claim.history.select_related("history_user").order_by("history_date", "pk"):
        who, when = record.history_user, record.history_date
        if previous is None:
            events.append(TimelineEvent(when, who, "claim founded"))
        else:
            if record.history_change_reason:
                events.append(TimelineEvent(when, who, record.history_change_reason))
            if record.text != previous.text:
                events.append(TimelineEvent(when, who, "canonical text edited"))
            if record.verdict_set_at != previous.verdict_set_at and record.verdict_label:
                label = f": {record.verdict_label}" if verdict_visible else ""
                events.append(TimelineEvent(when, who, f"final verdict set{label}"))
            if record.fresh_reviews != previous.fresh_reviews:
                asked = "asked for" if record.fresh_reviews else "no longer asks for"
                events.append(TimelineEvent(when, who, f"{asked} fresh reviews"))
        previous = record
    appearances = Appearance.history.filter(claim_id=claim.pk).select_related("history_user")
    for record in appearances.order_by("history_date", "pk"):
        who, when, span = record.history_user, record.history_date, f"span #{record.span_id}"
        if record.history_type == "+":
            how = Appearance.LinkMethod(record.link_method).label.lower()
            events.append(TimelineEvent(when, who, f"{span} linked ({how})"))
        elif record.history_type == "-":
            events.append(TimelineEvent(when, who, f"{span} unlinked"))
        elif record.history_change_reason:
            events.append(TimelineEvent(when, who, f"{span}: {record.history_change_reason}"))
    events.sort(key=lambda event: event.when)
    return events


LIST_ORDERINGS = {
    "-appearances": "most appearances",
    "appearances": "fewest appearances",
    "-created": "newest first",
    "created": "oldest first",
}


def checked_claims(
    *,
    project,
    user,
    q: str = "",
    has_verdict: bool | None = None,
    label: str = "",
    ordering: str = "",
) -> QuerySet[Claim]:
    """A project's claims for its list page: claims_for_user's rows (count, first appearance,
    `verdict_visible`), searched in the text and claimant (best match first unless `ordering`
    says otherwise), filtered by final verdict. The
    verdict filters see only the verdicts the user may see (blind review), so a filter never
    reveals a hidden one."""
    # Without a sort asked for: the best match first when searching, else the most seen.
    claims = claims_for_user(
        user=user,
        project_id=project.pk,
        q=q or None,
        ordering=ordering or (None if q.strip() else "-appearances"),
    )
    shown = Q(verdict_visible=True) & ~Q(verdict_label="")
    if has_verdict is True:
        claims = claims.filter(shown)
    elif has_verdict is False:
        claims = claims.exclude(shown)
    if label:
        claims = claims.filter(shown, verdict_label=label)
    return claims
