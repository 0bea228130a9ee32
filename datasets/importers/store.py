"""Storing dataset records: one transaction per article, idempotent, through the services.

Articles go through `corpus.services.import_articles` (deduplicated by content hash), project
membership, spans and predictions through `annotate.review.services`. Verdicts, comments and
adjudications are written as rows (see `_verdict_store`): the services stamp the current time
and demand sources that peer tools never had, so they cannot express an import; timestamps the
models set themselves (`auto_now`) are put back with an UPDATE after the row is saved.

A re-import changes nothing: spans are matched by (project, article, start, end), verdicts by
(span, reviewer), adjudications by span, comments by (span, author, body), predictions by
(article, start, end, model).
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from annotate.access import WRITERS, role_in
from annotate.models import Adjudication, Assignment, Comment, Membership, Project, Source, Span
from annotate.models import Verdict as VerdictModel
from annotate.projects import services as project_services
from annotate.review import services
from corpus.models import Article
from corpus.services import ImportStatus, import_articles
from datasets.importers.base import (
    ArticleRecord,
    CommentRecord,
    ImportFailure,
    ParseError,
    ReviewerRef,
    SpanRecord,
    VerdictRecord,
)
from datasets.importers.projects import local_user, restore_times
from datasets.importers.report import ArticleOutcome, ArticleStatus, DatasetImportReport

CHANGE_REASON = "imported from a dataset file"


def dataset_import(
    *,
    project: Project,
    actor,
    records: Iterable[ArticleRecord | ImportFailure],
    label_map: dict[str, str] | None = None,
    fallback_reviewer: ReviewerRef | None = None,
    dry_run: bool = False,
    add_members: bool = True,
    on_result: Callable[[ArticleOutcome], None] | None = None,
) -> DatasetImportReport:
    """Store each record in its own transaction (rolled back on a dry run) and report each one.

    People the file names who are not members become reviewers, unless `add_members` is off
    (a project recreated from a native file has its members already, and exactly those).
    """
    report = DatasetImportReport()
    context = _Context(project, actor, label_map or {}, fallback_reviewer, add_members)
    # A dry run stores everything in one transaction and rolls it back at the end, so that
    # later articles see the users and spans earlier ones would have created.
    with rolled_back(dry_run):
        for record in records:
            if isinstance(record, ImportFailure):
                outcome = ArticleOutcome(
                    record.location, ArticleStatus.FAILED, reason=record.reason
                )
            else:
                outcome = _import_one(record, context)
            _tally(report, outcome)
            if on_result is not None:
                on_result(outcome)
    return report


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back(enabled: bool = True) -> Iterator[None]:
    """Run the block in a transaction that is rolled back at its end (no-op if not enabled)."""
    if not enabled:
        yield
        return
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def _tally(report: DatasetImportReport, outcome: ArticleOutcome) -> None:
    if outcome.status is ArticleStatus.FAILED:
        report.failures.append(ImportFailure(outcome.location, outcome.reason))
        return
    if outcome.status is ArticleStatus.CREATED:
        report.created += 1
    elif outcome.status is ArticleStatus.UPDATED:
        report.updated += 1
    else:
        report.unchanged += 1
    report.new.add(outcome.created)
    report.placeholders.update(outcome.placeholders)


def _import_one(record: ArticleRecord, context: "_Context") -> ArticleOutcome:
    try:
        with transaction.atomic():
            return _ArticleWriter(record, context).store()
    except (ParseError, PermissionDenied) as error:
        reason = str(error)
    except ValidationError as error:
        reason = _describe(error)
    except DatabaseError as error:
        reason = f"refused by the database: {error}"
    return ArticleOutcome(record.location, ArticleStatus.FAILED, reason=reason, notes=record.notes)


@dataclass(frozen=True, slots=True)
class _Context:
    project: Project
    actor: object
    label_map: dict[str, str]
    fallback_reviewer: ReviewerRef | None
    add_members: bool


class _ArticleWriter:
    """Stores one record; lives inside that record's transaction."""

    def __init__(self, record: ArticleRecord, context: _Context) -> None:
        self.record = record
        self.context = context
        self.project = context.project
        self.actor = context.actor
        self.outcome = ArticleOutcome(record.location, ArticleStatus.UNCHANGED)
        self.outcome.notes.extend(record.notes)
        # Per article, not per import: a failed article rolls back the users it created.
        self._users: dict[ReviewerRef, object] = {}
        self._members: set[int] = set()

    def store(self) -> ArticleOutcome:
        article, created = self._article()
        try:
            project_services.project_articles_add(
                project=self.project, actor=self.actor, articles=[article]
            )
        except ValidationError as error:
            raise ParseError(
                f"the article is already stored (#{article.pk}) in a project that "
                f"{self.actor.get_username()}, the editor importing, cannot read: "
                f"{_describe(error)}"
            ) from error
        for span_record in self.record.spans:
            self._span(article, span_record)
        if self.record.spans:  # imported assignments and adjudications close spans
            services.queue_refresh(
                project=self.project,
                span_ids=Span.objects.filter(project=self.project, article=article).values("pk"),
            )
        self._predictions(article)
        if created:
            self.outcome.status = ArticleStatus.CREATED
        elif self.outcome.created:
            self.outcome.status = ArticleStatus.UPDATED
        return self.outcome

    def _article(self) -> tuple[Article, bool]:
        results = []
        import_articles(items=[self.record.draft], on_result=results.append)
        (result,) = results
        if result.status is ImportStatus.FAILED:
            raise ParseError(f"article: {result.reason}")
        article = Article.objects.get(pk=result.article_id)
        return article, result.status is ImportStatus.CREATED

    # People ----------------------------------------------------------------------------------

    def _user(self, ref: ReviewerRef | None, *, where: str, member: bool = True):
        """The local user a file's person stands for; made a project reviewer if `member`."""
        ref = ref or self.context.fallback_reviewer
        if ref is None:
            raise ParseError(f"{where}: the file names no reviewer; pass --reviewer USERNAME")
        user = self._users.get(ref)
        if user is None:
            user, created = local_user(ref, where=where)
            if created:
                self.outcome.placeholders.append(user.username)
            self._users[ref] = user
        if member and self.context.add_members and user.pk not in self._members:
            if not Membership.objects.filter(project=self.project, user=user).exists():
                project_services.membership_set_role(
                    project=self.project, actor=self.actor, user=user, role=Membership.Role.REVIEWER
                )
            self._members.add(user.pk)
        return user

    # Claims ----------------------------------------------------------------------------------

    def _label(self, label: str) -> str:
        return self.context.label_map.get(label, label)

    def _span(self, article: Article, record: SpanRecord) -> None:
        creator = self.actor
        if record.created_by is not None:
            creator = self._user(record.created_by, where="span")
        found = Span.objects.filter(
            project=self.project, article=article, start=record.start, end=record.end
        )
        if record.orphaned:
            found = found.filter(orphaned=True, quote=record.quote)
        else:
            found = found.filter(orphaned=False)
        span = found.first()
        if span is None:
            span = self._span_create(article, record, creator)
            self.outcome.created.spans += 1
        verdicts = {}
        for verdict_record in record.verdicts:
            verdicts[verdict_record.ref] = self._verdict(span, verdict_record)
        parents: dict[str, Comment] = {}
        for comment in record.comments:
            parents[comment.ref] = self._comment(span, comment, parent=parents.get(comment.parent))
        if record.adjudication is not None:
            self._adjudication(span, record, verdicts)

    def _span_create(self, article: Article, record: SpanRecord, creator) -> Span:
        if record.orphaned:
            # span_create anchors in the current body; an orphaned span keeps the selectors it
            # lost its place with (FORMATS.md §2), which only a row can hold.
            span = Span(
                project=self.project,
                article=article,
                start=record.start,
                end=record.end,
                quote=record.quote,
                prefix=record.prefix or "",
                suffix=record.suffix or "",
                claimant=record.claimant.strip(),
                note=record.note.strip(),
                orphaned=True,
                anchor_errors=record.anchor_errors,
                created_by=creator,
            )
            span.full_clean(validate_unique=False, validate_constraints=False)
            self._save(span)
        else:
            # A creator who is no longer a writer here (a member who left, an editor's
            # placeholder) cannot pass span_create's role check: the importing editor creates
            # the span and the creator is put back below.
            writer = creator if role_in(self.project, creator) in WRITERS else self.actor
            span = services.span_create(
                project=self.project,
                article=article,
                actor=writer,
                start=record.start,
                end=record.end,
                quote=record.quote,
                claimant=record.claimant,
                note=record.note,
            )
        kept = {
            "created_by": creator,
            "created_at": record.created_at,
            "anchor_errors": record.anchor_errors,
            "prefix": record.prefix,
            "suffix": record.suffix,
        }
        changes = {
            name: value
            for name, value in kept.items()
            if value is not None and getattr(span, name) != value
        }
        if changes:
            Span.objects.filter(pk=span.pk).update(**changes)
        return span

    def _verdict(self, span: Span, record: VerdictRecord) -> VerdictModel:
        reviewer = self._user(record.reviewer, where=record.where or "verdict")
        verdict = VerdictModel.objects.filter(span=span, reviewer=reviewer).first()
        if verdict is None:
            verdict = self._verdict_store(span, reviewer, record)
            self.outcome.created.verdicts += 1
        return verdict

    def _verdict_store(self, span: Span, reviewer, record: VerdictRecord) -> VerdictModel:
        # Rows, not verdict_submit(): the service stamps submitted_at with now() and requires
        # sources for most labels, while peer tools keep no sources and an export keeps times.
        # Its other checks are repeated here: a label from the scale, a label when submitted.
        label = self._label(record.label.strip())
        if label and label not in self.project.labels:
            raise ValidationError({"label": f"“{label}” is not on this project's scale."})
        submitted = record.status == VerdictModel.Status.SUBMITTED
        if submitted and not label:
            raise ValidationError({"label": f"{record.where}: a submitted verdict needs a label."})
        verdict = VerdictModel(
            span=span,
            reviewer=reviewer,
            label=label,
            rationale=record.rationale.strip(),
            confidence=record.confidence,
            status=record.status,
            submitted_at=(record.submitted_at or timezone.now()) if submitted else None,
            version=record.version,
        )
        # The table's constraints are left to the database (each would cost a query here).
        verdict.full_clean(
            exclude=["span", "reviewer"], validate_unique=False, validate_constraints=False
        )
        self._save(verdict)
        for position, given in enumerate(record.sources):
            source = Source(
                verdict=verdict,
                position=position,
                url=given.url.strip(),
                title=given.title.strip(),
                excerpt=given.excerpt.strip(),
                stance=given.stance,
                accessed_on=given.accessed_on,
            )
            source.full_clean(exclude=["verdict"], validate_constraints=False)
            self._save(source)
        Assignment.objects.get_or_create(span=span, reviewer=reviewer)
        restore_times(verdict, created_at=record.created_at, updated_at=record.updated_at)
        return verdict

    def _comment(self, span: Span, record: CommentRecord, *, parent: Comment | None) -> Comment:
        author = self._user(record.author, where="comment")
        body = record.body.strip()
        comment = Comment.objects.filter(span=span, author=author, body=body, parent=parent).first()
        if comment is None:
            # A row rather than comment_post(): the discussion keeps its original times.
            comment = Comment(span=span, author=author, body=body, parent=parent)
            comment.full_clean(exclude=["span", "author", "parent"])
            comment.save()
            restore_times(comment, created_at=record.created_at)
            self.outcome.created.comments += 1
        return comment

    def _adjudication(
        self, span: Span, record: SpanRecord, verdicts: dict[str, VerdictModel]
    ) -> None:
        decision = record.adjudication
        assert decision is not None  # noqa: S101  # checked by the caller
        if Adjudication.objects.filter(span=span).exists():
            return
        # A row rather than adjudicate(): the decision keeps its times and its editor, who need
        # not be an editor here (an import never grants that role).
        editor = self._user(decision.editor, where="adjudication", member=False)
        label = self._label(decision.label)
        if label not in self.project.labels:
            raise ValidationError({"label": f"“{label}” is not on this project's scale."})
        submitted = VerdictModel.objects.filter(span=span, status=VerdictModel.Status.SUBMITTED)
        if decision.considered is None:
            considered = list(submitted)
        else:
            unknown = [ref for ref in decision.considered if ref not in verdicts]
            if unknown:
                raise ParseError(f"adjudication: considers unknown verdict(s) {unknown}")
            considered = [verdicts[ref] for ref in decision.considered]
        adjudication = Adjudication(
            span=span, editor=editor, label=label, rationale=decision.rationale.strip()
        )
        adjudication.full_clean(exclude=["span", "editor"], validate_unique=False)
        self._save(adjudication)
        adjudication.considered_verdicts.set(considered)
        restore_times(adjudication, decided_at=decision.decided_at, updated_at=decision.updated_at)
        self.outcome.created.adjudications += 1

    def _predictions(self, article: Article) -> None:
        if not self.record.predictions:
            return
        created = services.predictions_bulk_create(
            project=self.project,
            actor=self.actor,
            predictions=[
                services.PredictionInput(
                    article_id=article.pk,
                    model_name=given.model_name,
                    start=given.start,
                    end=given.end,
                    label=self._label(given.label),
                    score=given.score,
                )
                for given in self.record.predictions
            ],
        )
        self.outcome.created.predictions += len(created)

    def _save(self, row) -> None:
        """Save with the importing editor and a reason in the audit history."""
        row._history_user = self.actor
        row._change_reason = CHANGE_REASON
        row.save()


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)
