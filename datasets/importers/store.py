"""Storing dataset records: parsing done, this batches them and hands them to the services.

Articles go through `corpus.services.import_articles` (deduplicated by content hash), project
membership through `annotate.projects.services` (`project_articles_import`, `membership_set_role`),
and spans, verdicts, sources, assignments, comments, adjudications and predictions through the
trusted restore service `annotate.review.services.annotations_restore`, which keeps every rule of
the other services and stores a batch of articles at once. What is left here is the file's side:
people named in the file as local users (or placeholders), labels read through `--map-label`,
and an outcome per article (a refused article fails alone, with its location and the reason).

A re-import changes nothing: the restore matches spans by (project, article, start, end),
verdicts by (span, reviewer), adjudications by span, comments by (span, author, body, parent),
predictions by (article, start, end, model).
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from annotate.claims import services as claim_services
from annotate.models import (
    Adjudication,
    Assignment,
    Comment,
    Membership,
    Project,
    Span,
    Verdict,
)
from annotate.projects import services as project_services
from annotate.review import services
from config.database import StatisticsKept
from corpus.models import Article
from corpus.services import ImportStatus, import_articles
from datasets.importers.base import (
    AdjudicationRecord,
    ArticleRecord,
    ClaimRecord,
    DecisionRecord,
    ImportFailure,
    ParseError,
    ReviewerRef,
    SpanRecord,
    VerdictRecord,
)
from datasets.importers.projects import local_user
from datasets.importers.report import (
    ArticleOutcome,
    ArticleStatus,
    DatasetImportReport,
    LabelCheck,
    UnknownLabel,
)

# The tables a batch looks rows up in, kept analyzed as an import grows them.
_LOOKED_UP = (Article, Project.articles.through, Span, Verdict, Assignment, Adjudication, Comment)

# Articles stored per transaction: large enough for set-based queries and COPY to pay off,
# small enough to keep memory flat and a refused batch cheap to retry.
BATCH_ARTICLES = 500


class UnknownLabels(Exception):
    """The file uses labels the project's scale lacks (after the label map): store nothing."""

    def __init__(self, labels: list[UnknownLabel]) -> None:
        super().__init__(", ".join(unknown.label for unknown in labels))
        self.labels = labels


def dataset_import(
    *,
    project: Project,
    actor,
    records: Iterable[ArticleRecord | ClaimRecord | ImportFailure],
    label_map: dict[str, str] | None = None,
    fallback_reviewer: ReviewerRef | None = None,
    add_members: bool = True,
    on_result: Callable[[ArticleOutcome], None] | None = None,
    batch_size: int = BATCH_ARTICLES,
) -> DatasetImportReport:
    """Store the records a batch at a time, in one transaction, and report each one.

    The records are read once. A batch with a label the scale lacks stops the storing: the
    rest is only read for its labels, and UnknownLabels lists them all (the transaction rolled
    back: nothing is stored). People the file names who are not members become reviewers, unless
    `add_members` is off (a project recreated from a native file has exactly its own members).
    Claims (native) are stored once the articles are, through the claims' restore service.
    """
    report = DatasetImportReport()
    people = _People(project, actor, fallback_reviewer, add_members)
    labels = LabelCheck(scale=project.labels, label_map=label_map or {})
    stored, statistics = 0, StatisticsKept(_LOOKED_UP, first=batch_size)
    claims = _Claims()
    # One transaction for the file (a savepoint per batch): an unknown label stores nothing.
    with transaction.atomic():
        for batch in _batches(claims.set_aside(records), batch_size):
            if labels.unknown_in(batch):
                continue
            with transaction.atomic():
                outcomes = _import_batch(batch, project, actor, people, label_map or {}, claims)
            stored += len(batch)
            statistics.stored(stored)
            for outcome in outcomes:
                _tally(report, outcome)
                if on_result is not None:
                    on_result(outcome)
        if labels.unknown:
            raise UnknownLabels(labels.listed())
        if claims:
            claims.restore(project=project, actor=actor, people=people, report=report)
    return report


@dataclass(slots=True)
class _Claims:
    """A native file's claim lines, set aside while the articles are stored, and the spans
    stored with an appearance or match decisions: stored last, when every span exists."""

    lines: list[ClaimRecord] = field(default_factory=list)
    spans: list[tuple[int, SpanRecord]] = field(default_factory=list)  # (article pk, span)

    def __bool__(self) -> bool:
        return bool(self.lines or self.spans)

    def set_aside(self, records: Iterable) -> Iterator:
        for record in records:
            if isinstance(record, ClaimRecord):
                self.lines.append(record)
            else:
                yield record

    def stored(self, article_id: int, record: ArticleRecord) -> None:
        self.spans.extend(
            (article_id, span) for span in record.spans if span.appearance or span.decisions
        )

    def restore(self, *, project: Project, actor, people: "_People", report) -> None:
        placeholders: list[str] = []

        def user(ref, where: str):
            if ref is None:
                return None
            return people.user(ref, where=where, member=False, placeholders=placeholders)

        def decision(given: DecisionRecord, span=None) -> claim_services.DecisionRestore:
            return claim_services.DecisionRestore(
                claim=given.claim,
                decision=given.decision,
                by=user(given.by, "match decision"),
                at=given.at,
                span_text=given.span_text,
                claim_text=given.claim_text,
                scores=given.scores,
                span=span,
            )

        claims = [
            claim_services.ClaimRestore(
                location=line.location,
                ref=line.ref,
                text=line.text,
                claimant=line.claimant,
                language=line.language,
                fresh_reviews=line.fresh_reviews,
                created_by=user(line.created_by, "claim"),
                created_at=line.created_at,
                updated_at=line.updated_at,
                verdict_label=line.verdict_label,
                verdict_rationale=line.verdict_rationale,
                verdict_origin=line.verdict_origin,
                verdict_set_by=user(line.verdict_by, "claim verdict"),
                verdict_set_at=line.verdict_at,
                comments=tuple((user(a, "claim comment"), b, t) for a, b, t in line.comments),
                links=tuple(
                    claim_services.ClaimLinkRestore(
                        project_slug=link.project,
                        claim=link.claim,
                        text=link.text,
                        by=user(link.by, "claim link"),
                        at=link.at,
                    )
                    for link in line.links
                ),
            )
            for line in self.lines
        ]
        decisions = [decision(given) for line in self.lines for given in line.decisions]
        appearances = []
        for article_id, span in self.spans:
            key = (article_id, span.start, span.end)
            decisions.extend(decision(given, key) for given in span.decisions)
            if (given := span.appearance) is not None:
                appearances.append(
                    claim_services.AppearanceRestore(
                        span=key,
                        claim=given.claim,
                        method=given.method,
                        by=user(given.by, "appearance"),
                        at=given.at,
                        score=given.score,
                        reused_by=user(given.reused_by, "appearance"),
                        reused_at=given.reused_at,
                        settles_claim=given.settles_claim,
                    )
                )
        done = claim_services.claims_restore(
            project=project,
            actor=actor,
            claims=claims,
            appearances=appearances,
            decisions=decisions,
        )
        report.placeholders.update(placeholders)
        # A claim that fails is named with its line; the articles are stored all the same.
        report.notes.extend(f"failed: {where}: {reason}" for where, reason in done.failures)
        report.notes.extend(done.notes)
        report.notes.append(
            f"claims: created {done.claims}, unchanged {done.unchanged}; appearances "
            f"{done.appearances}, match decisions {done.decisions}, comments {done.comments}, "
            f"links {done.links}"
        )


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


def _batches(records: Iterable, size: int) -> Iterator[list]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


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


@dataclass(slots=True)
class _Pending:
    """One record on its way through the batch."""

    record: ArticleRecord
    outcome: ArticleOutcome
    article_id: int | None = None
    created: bool = False
    restore: services.ArticleRestore | None = None


def _import_batch(
    batch: list[ArticleRecord | ImportFailure],
    project: Project,
    actor,
    people: "_People",
    label_map: dict[str, str],
    claims: _Claims,
) -> list[ArticleOutcome]:
    outcomes: list[ArticleOutcome] = []
    pending: list[_Pending] = []
    for record in batch:
        if isinstance(record, ImportFailure):
            outcomes.append(
                ArticleOutcome(record.location, ArticleStatus.FAILED, reason=record.reason)
            )
            continue
        outcome = ArticleOutcome(record.location, ArticleStatus.UNCHANGED)
        outcome.notes.extend(record.notes)
        outcomes.append(outcome)
        try:
            people.check_named(record)
        except ParseError as error:
            _fail(outcome, str(error))
            continue
        pending.append(_Pending(record, outcome))
    pending = _store_articles(pending)
    pending = _add_to_project(pending, project, actor)
    for item in pending:
        try:
            item.restore = _restore_input(item, people, label_map)
        except (ParseError, PermissionDenied) as error:
            _fail(item.outcome, str(error))
        except ValidationError as error:
            _fail(item.outcome, _describe(error))
    pending = [item for item in pending if item.restore is not None]
    results = services.annotations_restore(
        project=project, actor=actor, articles=[item.restore for item in pending]
    )
    for item, result in zip(pending, results, strict=True):
        if result.error:
            _fail(item.outcome, result.error)
            continue
        claims.stored(item.article_id, item.record)
        for name in item.outcome.created.__slots__:
            setattr(item.outcome.created, name, getattr(result.created, name))
        if item.created:
            item.outcome.status = ArticleStatus.CREATED
        elif item.outcome.created:
            item.outcome.status = ArticleStatus.UPDATED
    return outcomes


def _fail(outcome: ArticleOutcome, reason: str) -> None:
    outcome.status = ArticleStatus.FAILED
    outcome.reason = reason
    outcome.placeholders.clear()


def _store_articles(pending: list[_Pending]) -> list[_Pending]:
    results = []
    import_articles(items=[item.record.draft for item in pending], on_result=results.append)
    kept = []
    for item, result in zip(pending, results, strict=True):
        if result.status is ImportStatus.FAILED:
            _fail(item.outcome, _("article: %(reason)s") % {"reason": result.reason})
            continue
        item.article_id = result.article_id
        item.created = result.status is ImportStatus.CREATED
        kept.append(item)
    return kept


def _add_to_project(pending: list[_Pending], project: Project, actor) -> list[_Pending]:
    """Put the batch's articles in the project: the file holds their text, so one already
    stored elsewhere joins the project too (project_articles_import)."""
    project_services.project_articles_import(
        project=project, actor=actor, articles=_articles(item.article_id for item in pending)
    )
    return pending


def _articles(ids: Iterable[int]) -> list[Article]:
    return list(Article.objects.filter(pk__in=set(ids)).only("pk"))


def _restore_input(item: _Pending, people: "_People", label_map: dict[str, str]):
    """The record as the restore service takes it: people as users, labels on the scale."""
    outcome = item.outcome

    def user(ref, *, where: str, member: bool = True):
        return people.user(ref, where=where, member=member, placeholders=outcome.placeholders)

    def label(given: str) -> str:
        return label_map.get(given, given)

    spans = [_span_input(span, user, label) for span in item.record.spans]
    predictions = [
        services.PredictionRestore(
            start=given.start,
            end=given.end,
            model_name=given.model_name,
            label=label(given.label),
            score=given.score,
        )
        for given in item.record.predictions
    ]
    return services.ArticleRestore(article_id=item.article_id, spans=spans, predictions=predictions)


def _span_input(record: SpanRecord, user, label) -> services.SpanRestore:
    creator = user(record.created_by, where="span") if record.created_by is not None else None
    return services.SpanRestore(
        start=record.start,
        end=record.end,
        quote=record.quote,
        created_by=creator,
        claimant=record.claimant,
        note=record.note,
        orphaned=record.orphaned,
        prefix=record.prefix,
        suffix=record.suffix,
        anchor_errors=record.anchor_errors,
        created_at=record.created_at,
        verdicts=[_verdict_input(given, user, label) for given in record.verdicts],
        comments=[
            services.CommentRestore(
                author=user(given.author, where="comment"),
                body=given.body,
                created_at=given.created_at,
                ref=given.ref,
                parent=given.parent,
            )
            for given in record.comments
        ],
        adjudication=_adjudication_input(record.adjudication, user, label),
    )


def _verdict_input(given: VerdictRecord, user, label) -> services.VerdictRestore:
    return services.VerdictRestore(
        reviewer=user(given.reviewer, where=given.where or "verdict"),
        label=label(given.label.strip()),
        rationale=given.rationale,
        status=given.status,
        confidence=given.confidence,
        submitted_at=given.submitted_at,
        sources=tuple(
            services.SourceRestore(
                url=source.url,
                title=source.title,
                excerpt=source.excerpt,
                stance=source.stance,
                accessed_on=source.accessed_on,
            )
            for source in given.sources
        ),
        ref=given.ref,
        version=given.version,
        created_at=given.created_at,
        updated_at=given.updated_at,
        where=given.where,
    )


def _adjudication_input(
    decided: AdjudicationRecord | None, user, label
) -> services.AdjudicationRestore | None:
    if decided is None:
        return None
    return services.AdjudicationRestore(
        editor=user(decided.editor, where="adjudication", member=False),
        label=label(decided.label),
        rationale=decided.rationale,
        decided_at=decided.decided_at,
        updated_at=decided.updated_at,
        considered=decided.considered,
    )


@dataclass(slots=True)
class _People:
    """The local users a file's people stand for, resolved once per import."""

    project: Project
    actor: object
    fallback: ReviewerRef | None
    add_members: bool
    users: dict = field(default_factory=dict)
    members: set[int] | None = None

    def check_named(self, record: ArticleRecord) -> None:
        """Fail a record that leaves a verdict's reviewer unnamed when no --reviewer is given."""
        if self.fallback is not None:
            return
        for span in record.spans:
            for verdict in span.verdicts:
                if verdict.reviewer is None:
                    raise ParseError(
                        _("%(value)s: the file names no reviewer; pass --reviewer USERNAME")
                        % {"value": verdict.where or "verdict"}
                    )

    def user(self, ref: ReviewerRef | None, *, where: str, member: bool, placeholders: list):
        """The local user a file's person stands for; made a project reviewer if `member`."""
        ref = ref or self.fallback
        if ref is None:
            raise ParseError(
                _("%(where)s: the file names no reviewer; pass --reviewer USERNAME")
                % {"where": where}
            )
        user = self.users.get(ref)
        if user is None:
            user, created = local_user(ref, where=where)
            if created:
                placeholders.append(user.username)
            self.users[ref] = user
        if member and self.add_members:
            if self.members is None:
                self.members = set(
                    Membership.objects.filter(project=self.project).values_list(
                        "user_id", flat=True
                    )
                )
            if user.pk not in self.members:
                project_services.membership_set_role(
                    project=self.project,
                    actor=self.actor,
                    user=user,
                    role=Membership.Role.REVIEWER,
                )
                self.members.add(user.pk)
        return user


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)
