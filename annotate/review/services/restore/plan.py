"""Planning a restore: what the batch's articles hold already, which of the file's rows are
new, and the rules they keep; nothing is written here (see `write`)."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from annotate.models import Adjudication, Assignment, Comment, Prediction, Project, Span, Verdict
from annotate.review.anchoring import quote_context
from annotate.review.services.restore.inputs import (
    AdjudicationRestore,
    ArticleRestore,
    CommentRestore,
    RestoreCounts,
    SpanRestore,
    VerdictRestore,
)
from annotate.review.services.restore.rows import (
    NewAdjudication,
    NewAssignment,
    NewComment,
    NewPrediction,
    NewSource,
    NewSpan,
    NewVerdict,
    Stored,
)
from annotate.review.services.restore.rules import (
    Refused,
    check_length,
    check_prediction,
    check_span,
    check_verdict,
)
from corpus.models import Article


@dataclass(slots=True)
class Plan:
    """The new rows of one article, unsaved; parents as objects, so keys come at insert time."""

    article_id: int
    counts: RestoreCounts = field(default_factory=RestoreCounts)
    spans: list[NewSpan] = field(default_factory=list)
    verdicts: list[NewVerdict] = field(default_factory=list)
    sources: list[NewSource] = field(default_factory=list)
    assignments: list[NewAssignment] = field(default_factory=list)
    comments: list[NewComment] = field(default_factory=list)  # parents before replies
    adjudications: list[NewAdjudication] = field(default_factory=list)
    predictions: list[NewPrediction] = field(default_factory=list)
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


class State:
    """The batch's articles and their existing rows, read once, kept up to date as articles
    are planned (a later article of the batch sees what an earlier one adds)."""

    def __init__(self, project: Project, actor) -> None:
        self.project = project
        self.actor = actor
        self.labels = frozenset(project.labels)
        self.now = timezone.now()
        self.bodies: dict[int, str] = {}
        # Stored rows as model instances, new ones as restore rows; maps keyed by span id (new
        # spans: by object identity, see _span_ref).
        self.spans: dict[_SpanKey, Stored | NewSpan] = {}
        self.verdicts: dict[tuple[int, int], Stored | NewVerdict] = {}  # (span, reviewer id)
        self.submitted: dict[int, list[Stored | NewVerdict]] = {}  # span -> submitted verdicts
        self.assigned: dict[int, set[int]] = {}  # span id -> reviewer ids
        self.adjudicated: set[int] = set()  # span ids
        self.comments: dict[tuple[int, int, str, int | None], Stored | NewComment] = {}
        self.predictions: set[tuple[int, int, int, str]] = set()

    @classmethod
    def load(cls, project: Project, actor, articles: Sequence[ArticleRestore]) -> "State":
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
        # Stored rows as their keys (Stored), not model instances: a re-import reads every
        # verdict of the batch, and instances cost more than the query.
        spans = Span.objects.filter(project=self.project, article_id__in=article_ids)
        for pk, article_id, start, end, orphaned, quote in spans.values_list(
            "pk", "article_id", "start", "end", "orphaned", "quote"
        ):
            self.spans[_span_key(article_id, start, end, orphaned, quote)] = Stored(pk)
        if not self.spans:
            return
        in_batch = {"span__project": self.project, "span__article_id__in": article_ids}
        verdicts = Verdict.objects.filter(**in_batch).order_by("pk")
        for pk, span_id, reviewer_id, status in verdicts.values_list(
            "pk", "span_id", "reviewer_id", "status"
        ):
            verdict = self.verdicts[span_id, reviewer_id] = Stored(pk)
            if status == Verdict.Status.SUBMITTED:
                self.submitted.setdefault(span_id, []).append(verdict)
        for span_id, reviewer_id in Assignment.objects.filter(**in_batch).values_list(
            "span_id", "reviewer_id"
        ):
            self.assigned.setdefault(span_id, set()).add(reviewer_id)
        self.adjudicated = set(
            Adjudication.objects.filter(**in_batch).values_list("span_id", flat=True)
        )
        for pk, span_id, author_id, body, parent_id in Comment.objects.filter(
            **in_batch
        ).values_list("pk", "span_id", "author_id", "body", "parent_id"):
            self.comments[span_id, author_id, body, parent_id] = Stored(pk)

    # One article ---------------------------------------------------------------------------

    def plan_article(self, given: ArticleRestore, plan: Plan) -> None:
        body = self.bodies.get(given.article_id)
        if body is None:
            raise Refused(_("article: this article is not part of the project"))
        # Rules first, for the whole article, so that a refusal leaves the state untouched.
        new_spans = {}
        for number, span in enumerate(given.spans):
            key = _span_key(given.article_id, span.start, span.end, span.orphaned, span.quote)
            if key not in self.spans and key not in new_spans:
                check_span(span, body, where=f"spans[{number}]")
                new_spans[key] = span
            self._check_span_rows(span, key, where=f"spans[{number}]")
        for number, prediction in enumerate(given.predictions):
            key = (given.article_id, prediction.start, prediction.end, prediction.model_name)
            if key not in self.predictions:
                check_prediction(prediction, self.labels, body, where=f"predictions[{number}]")
        # Then the rows, against what is there.
        for span in given.spans:
            self._plan_span(given.article_id, span, body, plan)
        for prediction in given.predictions:
            key = (given.article_id, prediction.start, prediction.end, prediction.model_name)
            if key in self.predictions:
                continue
            self.predictions.add(key)
            plan.predictions.append(
                NewPrediction(
                    project_id=self.project.pk,
                    article_id=given.article_id,
                    start=prediction.start,
                    end=prediction.end,
                    quote=body[prediction.start : prediction.end],
                    label=prediction.label,
                    model_name=prediction.model_name.strip()[:200],
                    score=prediction.score,
                    created_by_id=self.actor.pk,
                    created_at=self.now,
                )
            )
            plan.counts.predictions += 1

    def _check_span_rows(self, span: SpanRestore, key: _SpanKey, *, where: str) -> None:
        """The rules of the rows a span brings that the file may add to a stored span."""
        for verdict in span.verdicts:
            check_verdict(verdict, self.labels, where=verdict.where or f"{where}.verdicts")
        for number, comment in enumerate(span.comments):
            if not comment.body.strip():
                raise Refused(
                    _("%(where)s.comments[%(number)s]: body: a comment needs a text")
                    % {"where": where, "number": number}
                )
            check_length("comment", "body", comment.body, where=f"{where}.comments[{number}]")
        decided = span.adjudication
        existing = self.spans.get(key)
        if decided is None or (existing is not None and existing.pk in self.adjudicated):
            return
        if not decided.label or decided.label not in self.labels:
            raise Refused(
                _("label: “%(label)s” is not on this project's scale.") % {"label": decided.label}
            )
        check_length("adjudication", "rationale", decided.rationale, where=f"{where}.adjudication")
        if decided.considered is not None:
            refs = {verdict.ref for verdict in span.verdicts}
            if unknown := [ref for ref in decided.considered if ref not in refs]:
                raise Refused(
                    _("adjudication: considers unknown verdict(s) %(unknown)s")
                    % {"unknown": unknown}
                )

    def _plan_span(self, article_id: int, given: SpanRestore, body: str, plan: Plan) -> None:
        key = _span_key(article_id, given.start, given.end, given.orphaned, given.quote)
        span = self.spans.get(key)
        if span is None:
            span = self._new_span(article_id, given, body)
            self.spans[key] = span
            plan.spans.append(span)
            plan.counts.spans += 1
        verdicts: dict[str, NewVerdict | Stored] = {}
        for given_verdict in given.verdicts:
            verdicts[given_verdict.ref] = self._plan_verdict(span, given_verdict, plan)
        parents: dict[str, NewComment | Stored] = {}
        for comment in given.comments:
            parents[comment.ref] = self._plan_comment(span, comment, parents, plan)
        if given.adjudication is not None:
            self._plan_adjudication(span, given.adjudication, verdicts, plan)

    def _new_span(self, article_id: int, given: SpanRestore, body: str) -> NewSpan:
        if given.orphaned:
            prefix, suffix = given.prefix or "", given.suffix or ""
        else:
            prefix, suffix = quote_context(body, given.start, given.end)
            prefix = prefix if given.prefix is None else given.prefix
            suffix = suffix if given.suffix is None else given.suffix
        return NewSpan(
            project_id=self.project.pk,
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
            created_by_id=(given.created_by or self.actor).pk,
            created_at=given.created_at or self.now,
        )

    def _plan_verdict(self, span: NewSpan | Stored, given: VerdictRestore, plan: Plan):
        reviewer_id = given.reviewer.pk
        span_ref = _span_ref(span)
        found = self.verdicts.get((span_ref, reviewer_id))
        if found is not None:
            return found
        submitted = given.status == Verdict.Status.SUBMITTED
        created_at = given.created_at or self.now
        verdict = NewVerdict(
            span=span,
            reviewer_id=reviewer_id,
            label=given.label.strip(),
            rationale=given.rationale.strip(),
            confidence=given.confidence,
            status=str(given.status),
            submitted_at=(given.submitted_at or self.now) if submitted else None,
            version=given.version,
            created_at=created_at,
            updated_at=given.updated_at or created_at,
        )
        self.verdicts[span_ref, reviewer_id] = verdict
        plan.verdicts.append(verdict)
        plan.counts.verdicts += 1
        if submitted:
            self.submitted.setdefault(span_ref, []).append(verdict)
        for position, source in enumerate(given.sources):
            plan.sources.append(
                NewSource(
                    verdict=verdict,
                    position=position,
                    url=source.url.strip(),
                    title=source.title.strip(),
                    excerpt=source.excerpt.strip(),
                    stance=str(source.stance),
                    accessed_on=source.accessed_on,
                )
            )
        assigned = self.assigned.setdefault(span_ref, set())
        if reviewer_id not in assigned:
            assigned.add(reviewer_id)
            plan.assignments.append(
                NewAssignment(span=span, reviewer_id=reviewer_id, created_at=self.now)
            )
            if span.pk is not None:
                plan.touched_span_ids.add(span.pk)
        return verdict

    def _plan_comment(
        self,
        span: NewSpan | Stored,
        given: CommentRestore,
        parents: dict[str, NewComment | Stored],
        plan: Plan,
    ):
        parent = parents.get(given.parent) if given.parent else None
        body = given.body.strip()
        key = (_span_ref(span), given.author.pk, body, _row_ref(parent))
        found = self.comments.get(key)
        if found is not None:
            return found
        comment = NewComment(
            span=span,
            author_id=given.author.pk,
            body=body,
            parent=parent,
            created_at=given.created_at or self.now,
        )
        self.comments[key] = comment
        plan.comments.append(comment)
        plan.counts.comments += 1
        return comment

    def _plan_adjudication(
        self,
        span: NewSpan | Stored,
        given: AdjudicationRestore,
        verdicts: dict[str, NewVerdict | Stored],
        plan: Plan,
    ) -> None:
        if _span_ref(span) in self.adjudicated:
            return
        self.adjudicated.add(_span_ref(span))
        if given.considered is None:
            considered = list(self.submitted.get(_span_ref(span), []))
        else:
            considered = [verdicts[ref] for ref in given.considered]
        decided_at = given.decided_at or self.now
        plan.adjudications.append(
            NewAdjudication(
                span=span,
                editor_id=given.editor.pk,
                label=given.label,
                rationale=given.rationale.strip(),
                decided_at=decided_at,
                updated_at=given.updated_at or decided_at,
                considered=considered,
            )
        )
        plan.counts.adjudications += 1
        if span.pk is not None:
            plan.touched_span_ids.add(span.pk)


def _span_key(article_id: int, start: int, end: int, orphaned: bool, quote: str) -> _SpanKey:
    # Orphaned spans keep their old offsets, which another span may hold now: the quote tells
    # them apart (and the unique constraint leaves them out).
    return (article_id, start, end, orphaned, quote if orphaned else "")


def _span_ref(span: NewSpan | Stored) -> int:
    """A key for a span in the maps above: its pk, or (new spans) the object's identity."""
    return span.pk if span.pk is not None else id(span)


def _row_ref(row) -> int | None:
    if row is None:
        return None
    return row.pk if row.pk is not None else id(row)
