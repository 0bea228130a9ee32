"""Trusted restores: many articles' annotations written at once, as a dataset file states them.

The other services record what someone does now; a restore records what was done elsewhere
(another tool, an export of this one), so it may set authors, times and versions from the file.
Every rule of the models and of the other services still holds (a label on the scale, a submitted
verdict labelled, the quote at its offsets in the body, one verdict per reviewer and span, one
adjudication per span); what a rule refuses fails its article alone, with a reason.

Restores are batch operations: the articles' existing rows are read in one query per table,
validation is set-based in Python, and new rows are inserted in bulk (COPY on PostgreSQL), with
their history rows (the importing editor, RESTORE_REASON). Only the touched spans' queue flags are
set, and the project's agreement cache is invalidated once, on commit. A re-import finds every
row and writes nothing: spans are matched by (project, article, start, end), verdicts by (span,
reviewer), adjudications by span, comments by (span, author, body, parent), predictions by
(article, start, end, model).
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from annotate.access import require_editor
from annotate.models import (
    Adjudication,
    Assignment,
    Comment,
    Prediction,
    Project,
    Source,
    Span,
    Verdict,
)
from annotate.quality import agreement_invalidate
from annotate.review.anchoring import quote_context
from annotate.review.services.bulk import rows_insert
from corpus.models import Article

RESTORE_REASON = "imported from a dataset file"


@dataclass(frozen=True, slots=True)
class SourceRestore:
    url: str
    title: str = ""
    excerpt: str = ""
    stance: str = Source.Stance.CONTEXT
    accessed_on: datetime.date | None = None


@dataclass(frozen=True, slots=True)
class VerdictRestore:
    reviewer: object  # a User
    label: str
    rationale: str = ""
    status: str = Verdict.Status.SUBMITTED
    confidence: int | None = None
    submitted_at: datetime.datetime | None = None  # None: now, if submitted
    sources: tuple[SourceRestore, ...] = ()
    ref: str = ""  # the file's id, which an adjudication's `considered` names
    version: int = 1
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None
    where: str = ""  # for messages


@dataclass(frozen=True, slots=True)
class CommentRestore:
    author: object  # a User
    body: str
    created_at: datetime.datetime | None = None
    ref: str = ""
    parent: str = ""  # the ref of an earlier comment of the same span


@dataclass(frozen=True, slots=True)
class AdjudicationRestore:
    editor: object  # a User; need not be a member (a restore grants no role)
    label: str
    rationale: str = ""
    decided_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None
    considered: tuple[str, ...] | None = None  # verdict refs; None: every submitted verdict


@dataclass(slots=True)
class SpanRestore:
    """A claim at [start, end) code points of the body; `quote` must be the body there, unless
    the span is orphaned (it lost its place and keeps the selectors it had)."""

    start: int
    end: int
    quote: str
    created_by: object = None  # a User; None: the importing editor
    claimant: str = ""
    note: str = ""
    orphaned: bool = False
    prefix: str | None = None  # None: from the body
    suffix: str | None = None
    anchor_errors: int = 0
    created_at: datetime.datetime | None = None
    verdicts: list[VerdictRestore] = field(default_factory=list)
    comments: list[CommentRestore] = field(default_factory=list)  # parents first
    adjudication: AdjudicationRestore | None = None


@dataclass(frozen=True, slots=True)
class PredictionRestore:
    start: int
    end: int
    model_name: str
    label: str = ""
    score: float | None = None


@dataclass(slots=True)
class ArticleRestore:
    """One article's annotations; the article must be in the project already."""

    article_id: int
    spans: list[SpanRestore] = field(default_factory=list)
    predictions: list[PredictionRestore] = field(default_factory=list)


@dataclass(slots=True)
class RestoreCounts:
    spans: int = 0
    verdicts: int = 0
    predictions: int = 0
    comments: int = 0
    adjudications: int = 0


@dataclass(slots=True)
class RestoreResult:
    """What a restore did with one article: the rows it added, or why it refused the article."""

    created: RestoreCounts = field(default_factory=RestoreCounts)
    error: str = ""


class _Refused(Exception):
    """An article breaks a rule; the message says where and which."""


@transaction.atomic
def annotations_restore(
    *, project: Project, actor, articles: Sequence[ArticleRestore]
) -> list[RestoreResult]:
    """Store many articles' spans, verdicts (sources, assignments), comments, adjudications and
    predictions as given, skipping rows already there; one result per article, in order."""
    require_editor(project, actor, "import annotations")
    state = _State.load(project, actor, articles)
    results: list[RestoreResult] = []
    plans: list[_Plan | None] = []
    for given in articles:
        plan = _Plan(given.article_id)
        try:
            state.plan_article(given, plan)
        except _Refused as refusal:
            results.append(RestoreResult(error=str(refusal)))
            plans.append(None)
            continue
        results.append(RestoreResult(created=plan.counts))
        plans.append(plan)
    good = [plan for plan in plans if plan is not None and not plan.empty]
    if not good:
        return results
    try:
        with transaction.atomic():
            _write(project, actor, good, state)
    except (IntegrityError, DatabaseError):
        # The database refused the batch: store the articles one by one, so that only the one
        # it refuses fails.
        for index, plan in enumerate(plans):
            if plan is None or plan.empty:
                continue
            try:
                with transaction.atomic():
                    _write(project, actor, [plan], state)
            except (IntegrityError, DatabaseError) as error:
                results[index] = RestoreResult(error=f"refused by the database: {error}")
    if any(plan.counts.verdicts or plan.counts.adjudications for plan in good):
        transaction.on_commit(partial(agreement_invalidate, project_id=project.pk))
    return results


# --- planning: what is there, what is new, and the rules -------------------------------------


@dataclass(slots=True)
class _Plan:
    """The new rows of one article, unsaved; parents as objects, so keys come at insert time."""

    article_id: int
    counts: RestoreCounts = field(default_factory=RestoreCounts)
    spans: list[Span] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)  # parents before replies
    adjudications: list[tuple[Adjudication, list[Verdict]]] = field(default_factory=list)
    predictions: list[Prediction] = field(default_factory=list)
    touched_span_ids: set[int] = field(default_factory=set)  # existing spans given new rows

    @property
    def empty(self) -> bool:
        return not (
            self.spans
            or self.verdicts
            or self.assignments
            or self.comments
            or self.adjudications
            or self.predictions
        )


_SpanKey = tuple[int, int, int, bool, str]  # article, start, end, orphaned, quote if orphaned


class _State:
    """The batch's articles and their existing rows, read once, kept up to date as articles
    are planned (a later article of the batch sees what an earlier one adds)."""

    def __init__(self, project: Project, actor) -> None:
        self.project = project
        self.actor = actor
        self.labels = frozenset(project.labels)
        self.now = timezone.now()
        self.bodies: dict[int, str] = {}
        self.spans: dict[_SpanKey, Span] = {}
        self.verdicts: dict[tuple[int, int], Verdict] = {}  # (span id, reviewer id)
        self.submitted: dict[int, list[Verdict]] = {}  # span id -> its submitted verdicts
        self.assigned: dict[int, set[int]] = {}  # span id -> reviewer ids
        self.adjudicated: set[int] = set()  # span ids
        self.comments: dict[tuple[int, int, str, int | None], Comment] = {}
        self.predictions: set[tuple[int, int, int, str]] = set()

    @classmethod
    def load(cls, project: Project, actor, articles: Sequence[ArticleRestore]) -> "_State":
        state = cls(project, actor)
        ids = {given.article_id for given in articles}
        in_project = set(
            project.articles.through.objects.filter(
                project_id=project.pk, article_id__in=ids
            ).values_list("article_id", flat=True)
        )
        with_spans = {given.article_id for given in articles if given.spans} & in_project
        if with_spans:
            state._load_spans(with_spans)
        if any(given.predictions for given in articles):
            state.predictions = set(
                Prediction.objects.filter(project=project, article_id__in=ids).values_list(
                    "article_id", "start", "end", "model_name"
                )
            )
        # Bodies only where something new is anchored: a re-import reads none.
        needs_body = {given.article_id for given in articles if state._adds_anchors(given)}
        state.bodies = {article_id: "" for article_id in in_project}
        state.bodies.update(
            Article.objects.filter(pk__in=needs_body & in_project).values_list("pk", "body")
        )
        return state

    def _adds_anchors(self, given: ArticleRestore) -> bool:
        article_id = given.article_id
        return any(
            _span_key(article_id, span.start, span.end, span.orphaned, span.quote) not in self.spans
            for span in given.spans
        ) or any(
            (article_id, prediction.start, prediction.end, prediction.model_name)
            not in self.predictions
            for prediction in given.predictions
        )

    def _load_spans(self, article_ids: set[int]) -> None:
        spans = Span.objects.filter(project=self.project, article_id__in=article_ids)
        for span in spans.only("pk", "article_id", "start", "end", "orphaned", "quote"):
            key = _span_key(span.article_id, span.start, span.end, span.orphaned, span.quote)
            self.spans[key] = span
        if not self.spans:
            return
        in_batch = {"span__project": self.project, "span__article_id__in": article_ids}
        verdicts = Verdict.objects.filter(**in_batch).only("pk", "span_id", "reviewer_id", "status")
        for verdict in verdicts.order_by("pk"):
            self.verdicts[verdict.span_id, verdict.reviewer_id] = verdict
            if verdict.status == Verdict.Status.SUBMITTED:
                self.submitted.setdefault(verdict.span_id, []).append(verdict)
        for span_id, reviewer_id in Assignment.objects.filter(**in_batch).values_list(
            "span_id", "reviewer_id"
        ):
            self.assigned.setdefault(span_id, set()).add(reviewer_id)
        self.adjudicated = set(
            Adjudication.objects.filter(**in_batch).values_list("span_id", flat=True)
        )
        for comment in Comment.objects.filter(**in_batch).only(
            "pk", "span_id", "author_id", "body", "parent_id"
        ):
            key = (comment.span_id, comment.author_id, comment.body, comment.parent_id)
            self.comments[key] = comment

    # One article ---------------------------------------------------------------------------

    def plan_article(self, given: ArticleRestore, plan: _Plan) -> None:
        body = self.bodies.get(given.article_id)
        if body is None:
            raise _Refused("article: this article is not part of the project")
        # Rules first, for the whole article, so that a refusal leaves the state untouched.
        new_spans = {}
        for number, span in enumerate(given.spans):
            key = _span_key(given.article_id, span.start, span.end, span.orphaned, span.quote)
            if key not in self.spans and key not in new_spans:
                _check_span(span, body, where=f"spans[{number}]")
                new_spans[key] = span
            self._check_span_rows(span, key, where=f"spans[{number}]")
        for number, prediction in enumerate(given.predictions):
            key = (given.article_id, prediction.start, prediction.end, prediction.model_name)
            if key not in self.predictions:
                self._check_prediction(prediction, body, where=f"predictions[{number}]")
        # Then the rows, against what is there.
        for span in given.spans:
            self._plan_span(given.article_id, span, body, plan)
        for prediction in given.predictions:
            key = (given.article_id, prediction.start, prediction.end, prediction.model_name)
            if key in self.predictions:
                continue
            self.predictions.add(key)
            plan.predictions.append(
                Prediction(
                    project=self.project,
                    article_id=given.article_id,
                    start=prediction.start,
                    end=prediction.end,
                    quote=body[prediction.start : prediction.end],
                    label=prediction.label,
                    model_name=prediction.model_name.strip()[:200],
                    score=prediction.score,
                    created_by=self.actor,
                    created_at=self.now,
                )
            )
            plan.counts.predictions += 1

    def _check_span_rows(self, span: SpanRestore, key: _SpanKey, *, where: str) -> None:
        """The rules of the rows a span brings that the file may add to a stored span."""
        for verdict in span.verdicts:
            _check_verdict(verdict, self.labels, where=verdict.where or f"{where}.verdicts")
        for number, comment in enumerate(span.comments):
            if not comment.body.strip():
                raise _Refused(f"{where}.comments[{number}]: body: a comment needs a text")
        decided = span.adjudication
        existing = self.spans.get(key)
        if decided is None or (existing is not None and existing.pk in self.adjudicated):
            return
        if not decided.label or decided.label not in self.labels:
            raise _Refused(f"label: “{decided.label}” is not on this project's scale.")
        if decided.considered is not None:
            refs = {verdict.ref for verdict in span.verdicts}
            if unknown := [ref for ref in decided.considered if ref not in refs]:
                raise _Refused(f"adjudication: considers unknown verdict(s) {unknown}")

    def _check_prediction(self, given: PredictionRestore, body: str, *, where: str) -> None:
        if given.label and given.label not in self.labels:
            raise _Refused(f"{where}: label: “{given.label}” is not on this project's scale.")
        if given.score is not None and not 0 <= given.score <= 1:
            raise _Refused(f"{where}: score: a score is between 0 and 1")
        if not given.model_name.strip():
            raise _Refused(f"{where}: model_name: name the model that made the prediction")
        _check_offsets(body, given.start, given.end, where=where)
        if not body[given.start : given.end].strip():
            raise _Refused(f"{where}: a claim cannot be only whitespace")

    def _plan_span(self, article_id: int, given: SpanRestore, body: str, plan: _Plan) -> None:
        key = _span_key(article_id, given.start, given.end, given.orphaned, given.quote)
        span = self.spans.get(key)
        if span is None:
            span = self._new_span(article_id, given, body)
            self.spans[key] = span
            plan.spans.append(span)
            plan.counts.spans += 1
        verdicts: dict[str, Verdict] = {}
        for given_verdict in given.verdicts:
            verdicts[given_verdict.ref] = self._plan_verdict(span, given_verdict, plan)
        parents: dict[str, Comment] = {}
        for comment in given.comments:
            parents[comment.ref] = self._plan_comment(span, comment, parents, plan)
        if given.adjudication is not None:
            self._plan_adjudication(span, given.adjudication, verdicts, plan)

    def _new_span(self, article_id: int, given: SpanRestore, body: str) -> Span:
        if given.orphaned:
            prefix, suffix = given.prefix or "", given.suffix or ""
        else:
            prefix, suffix = quote_context(body, given.start, given.end)
            prefix = prefix if given.prefix is None else given.prefix
            suffix = suffix if given.suffix is None else given.suffix
        return Span(
            project=self.project,
            article_id=article_id,
            start=given.start,
            end=given.end,
            quote=given.quote if given.orphaned else body[given.start : given.end],
            prefix=prefix,
            suffix=suffix,
            claimant=given.claimant.strip(),
            note=given.note.strip(),
            orphaned=given.orphaned,
            anchor_errors=given.anchor_errors,
            created_by=given.created_by or self.actor,
            created_at=given.created_at or self.now,
        )

    def _plan_verdict(self, span: Span, given: VerdictRestore, plan: _Plan) -> Verdict:
        reviewer_id = given.reviewer.pk
        found = self.verdicts.get((_span_ref(span), reviewer_id))
        if found is not None:
            return found
        submitted = given.status == Verdict.Status.SUBMITTED
        verdict = Verdict(
            span=span,
            reviewer=given.reviewer,
            label=given.label.strip(),
            rationale=given.rationale.strip(),
            confidence=given.confidence,
            status=given.status,
            submitted_at=(given.submitted_at or self.now) if submitted else None,
            version=given.version,
            created_at=given.created_at or self.now,
            updated_at=given.updated_at or given.created_at or self.now,
        )
        self.verdicts[_span_ref(span), reviewer_id] = verdict
        plan.verdicts.append(verdict)
        plan.counts.verdicts += 1
        if submitted:
            self.submitted.setdefault(_span_ref(span), []).append(verdict)
        for position, source in enumerate(given.sources):
            plan.sources.append(
                Source(
                    verdict=verdict,
                    position=position,
                    url=source.url.strip(),
                    title=source.title.strip(),
                    excerpt=source.excerpt.strip(),
                    stance=source.stance,
                    accessed_on=source.accessed_on,
                )
            )
        assigned = self.assigned.setdefault(_span_ref(span), set())
        if reviewer_id not in assigned:
            assigned.add(reviewer_id)
            plan.assignments.append(
                Assignment(span=span, reviewer=given.reviewer, created_at=self.now)
            )
            if span.pk is not None:
                plan.touched_span_ids.add(span.pk)
        return verdict

    def _plan_comment(
        self, span: Span, given: CommentRestore, parents: dict[str, Comment], plan: _Plan
    ) -> Comment:
        parent = parents.get(given.parent) if given.parent else None
        body = given.body.strip()
        key = (_span_ref(span), given.author.pk, body, _row_ref(parent))
        found = self.comments.get(key)
        if found is not None:
            return found
        comment = Comment(
            span=span,
            author=given.author,
            body=body,
            parent=parent,
            created_at=given.created_at or self.now,
        )
        self.comments[key] = comment
        plan.comments.append(comment)
        plan.counts.comments += 1
        return comment

    def _plan_adjudication(
        self, span: Span, given: AdjudicationRestore, verdicts: dict[str, Verdict], plan: _Plan
    ) -> None:
        if _span_ref(span) in self.adjudicated:
            return
        self.adjudicated.add(_span_ref(span))
        if given.considered is None:
            considered = list(self.submitted.get(_span_ref(span), []))
        else:
            considered = [verdicts[ref] for ref in given.considered]
        adjudication = Adjudication(
            span=span,
            editor=given.editor,
            label=given.label,
            rationale=given.rationale.strip(),
            decided_at=given.decided_at or self.now,
            updated_at=given.updated_at or given.decided_at or self.now,
        )
        plan.adjudications.append((adjudication, considered))
        plan.counts.adjudications += 1
        if span.pk is not None:
            plan.touched_span_ids.add(span.pk)


def _span_key(article_id: int, start: int, end: int, orphaned: bool, quote: str) -> _SpanKey:
    # Orphaned spans keep their old offsets, which another span may hold now: the quote tells
    # them apart (and the unique constraint leaves them out).
    return (article_id, start, end, orphaned, quote if orphaned else "")


def _span_ref(span: Span) -> int:
    """A key for a span in the maps above: its pk, or (new spans) the object's identity."""
    return span.pk if span.pk is not None else id(span)


def _row_ref(row) -> int | None:
    if row is None:
        return None
    return row.pk if row.pk is not None else id(row)


def _check_offsets(body: str, start: int, end: int, *, where: str) -> None:
    if start < 0 or start > len(body):
        raise _Refused(f"{where}: start: must be between 0 and {len(body)}")
    if end > len(body):
        raise _Refused(f"{where}: end: must be at most {len(body)}")
    if end <= start:
        raise _Refused(f"{where}: end: must be greater than start")


_SPAN_LIMITS = {"claimant": 200, "prefix": 32, "suffix": 32}


def _check_span(span: SpanRestore, body: str, *, where: str) -> None:
    if span.orphaned:
        if span.start < 0 or span.end <= span.start:
            raise _Refused(f"{where}: needs 0 <= start < end")
        if not span.quote:
            raise _Refused(f"{where}: quote: an orphaned span keeps its quote")
    else:
        _check_offsets(body, span.start, span.end, where=where)
        if body[span.start : span.end] != span.quote:
            raise _Refused(f"{where}: quote: the quote does not match the article text")
        if not span.quote.strip():
            raise _Refused(f"{where}: quote: a claim cannot be only whitespace")
    for name, limit in _SPAN_LIMITS.items():
        value = getattr(span, name)
        if value is not None and len(value.strip() if name == "claimant" else value) > limit:
            raise _Refused(f"{where}: {name}: at most {limit} characters")
    if span.anchor_errors < 0:
        raise _Refused(f"{where}: anchor_errors: may not be negative")


_STATUSES = frozenset(Verdict.Status.values)
_STANCES = frozenset(Source.Stance.values)
_URL_FIELD = Source._meta.get_field("url")
_TITLE_MAX = Source._meta.get_field("title").max_length


def _check_verdict(verdict: VerdictRestore, labels: frozenset[str], *, where: str) -> None:
    label = verdict.label.strip()
    if label and label not in labels:
        raise _Refused(f"label: “{label}” is not on this project's scale.")
    if verdict.status not in _STATUSES:
        raise _Refused(f"{where}: status: {verdict.status!r} is not a verdict status")
    if verdict.status == Verdict.Status.SUBMITTED and not label:
        raise _Refused(f"label: {where}: a submitted verdict needs a label.")
    if verdict.confidence is not None and not 1 <= verdict.confidence <= 5:
        raise _Refused(f"{where}: confidence: between 1 and 5")
    if verdict.version < 0:
        raise _Refused(f"{where}: version: may not be negative")
    for number, source in enumerate(verdict.sources):
        at = f"{where}.sources[{number}]"
        try:
            _URL_FIELD.clean(source.url.strip(), None)
        except ValidationError as error:
            raise _Refused(f"{at}: url: {' '.join(error.messages)}") from None
        if len(source.title.strip()) > _TITLE_MAX:
            raise _Refused(f"{at}: title: at most {_TITLE_MAX} characters")
        if source.stance not in _STANCES:
            raise _Refused(f"{at}: stance: {source.stance!r} is not a stance")


# --- writing -----------------------------------------------------------------------------------


def _write(project: Project, actor, plans: Sequence[_Plan], state: _State) -> None:
    """Insert the plans' rows parents first, with their history, and set the queue flags."""
    spans = [span for plan in plans for span in plan.spans]
    verdicts = [verdict for plan in plans for verdict in plan.verdicts]
    assignments = [row for plan in plans for row in plan.assignments]
    adjudications = [row for plan in plans for row in plan.adjudications]
    # The queue flag of a new span, from the facts (queue_refresh's rule), before it is stored.
    new = {id(span) for span in spans}
    taken: dict[int, int] = {}
    for assignment in assignments:
        if id(assignment.span) in new:
            taken[id(assignment.span)] = taken.get(id(assignment.span), 0) + 1
    decided = {id(adjudication.span) for adjudication, _ in adjudications}
    for span in spans:
        span.queue_open = (
            not span.orphaned
            and id(span) not in decided
            and taken.get(id(span), 0) < project.reviews_per_claim
        )
    # Keys come from the insert (a retried article gets new ones); children copy them.
    rows_insert(Span, spans, history_user=actor, history_reason=RESTORE_REASON)
    _refresh_parents(verdicts, "span")
    rows_insert(Verdict, verdicts, history_user=actor, history_reason=RESTORE_REASON)
    sources = [row for plan in plans for row in plan.sources]
    _refresh_parents(sources, "verdict")
    rows_insert(Source, sources, history_user=actor, history_reason=RESTORE_REASON)
    _refresh_parents(assignments, "span")
    rows_insert(Assignment, assignments)
    _write_comments([row for plan in plans for row in plan.comments])
    _write_adjudications(adjudications, actor)
    rows_insert(Prediction, [row for plan in plans for row in plan.predictions])
    touched = set().union(*(plan.touched_span_ids for plan in plans))
    if touched:
        _queue_settle(project, touched)


def _refresh_parents(rows: Sequence, name: str) -> None:
    """Copy the keys parents got on insert into their children's foreign keys."""
    for row in rows:
        setattr(row, f"{name}_id", getattr(row, name).pk)


def _write_comments(comments: list[Comment]) -> None:
    # A reply needs its parent's key: insert a generation at a time (parents come first).
    new = {id(comment) for comment in comments}
    depth: dict[int, int] = {}
    for comment in comments:
        parent = comment.parent
        depth[id(comment)] = depth[id(parent)] + 1 if id(parent) in new else 0
    for generation in sorted(set(depth.values())):
        ready = [comment for comment in comments if depth[id(comment)] == generation]
        for comment in ready:
            comment.span_id = comment.span.pk
            comment.parent_id = comment.parent.pk if comment.parent is not None else None
        rows_insert(Comment, ready)


def _write_adjudications(adjudications: list[tuple[Adjudication, list[Verdict]]], actor) -> None:
    if not adjudications:
        return
    rows = [adjudication for adjudication, _ in adjudications]
    _refresh_parents(rows, "span")
    histories = rows_insert(Adjudication, rows, history_user=actor, history_reason=RESTORE_REASON)
    through = Adjudication.considered_verdicts.through
    links = [
        through(adjudication_id=adjudication.pk, verdict_id=verdict.pk)
        for adjudication, considered in adjudications
        for verdict in considered
    ]
    rows_insert(through, links)
    # The m2m's history, as simple_history keeps it: the links of each historical record.
    m2m_history = apps.get_model("annotate", "HistoricalAdjudication_considered_verdicts")
    history_of = {history.id: history for history in histories}
    rows_insert(
        m2m_history,
        [
            m2m_history(
                id=link.pk,
                adjudication_id=link.adjudication_id,
                verdict_id=link.verdict_id,
                history_id=history_of[link.adjudication_id].history_id,
            )
            for link in links
        ],
    )


def _queue_settle(project: Project, span_ids: set[int]) -> None:
    """queue_open of stored spans the restore gave assignments or an adjudication, from the
    facts (queue_refresh's rule), in two UPDATEs for the batch."""
    counts = dict(
        Assignment.objects.filter(span_id__in=span_ids)
        .values("span_id")
        .annotate(total=Count("pk"))
        .values_list("span_id", "total")
    )
    decided = set(
        Adjudication.objects.filter(span_id__in=span_ids).values_list("span_id", flat=True)
    )
    closed = {
        span_id
        for span_id in span_ids
        if span_id in decided or counts.get(span_id, 0) >= project.reviews_per_claim
    }
    # Only closing: a restore adds assignments and adjudications, which never reopen a span.
    if closed:
        Span.objects.filter(pk__in=closed, queue_open=True).update(queue_open=False)
