"""Writes to the corpus. `import_articles` is the one way articles enter, whatever the door."""

import enum
import json
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.utils import timezone

from config.database import StatisticsKept
from config.storable_text import unstorable_text_reason
from corpus.importers.base import ArticleDraft, ImportFailure
from corpus.language import language_detect, language_tag_clean
from corpus.models import Article
from corpus.search import (
    STORED_CONFIG_NOTE_SQL,
    STORED_VECTORS,
    StoredVectors,
    search_config_for,
)
from corpus.text import canonical_body, content_hash, one_line

logger = logging.getLogger(__name__)


class ImportStatus(enum.StrEnum):
    CREATED = "created"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What happened to one input: the article it became or matched, or why it failed."""

    location: str
    status: ImportStatus
    article_id: int | None = None
    reason: str = ""
    # By field, for doors that answer with field-level messages (the API).
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass(slots=True)
class ImportReport:
    created: int = 0
    unchanged: int = 0
    failures: list[ImportFailure] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def processed(self) -> int:
        return self.created + self.unchanged + self.failed


ResultHandler = Callable[[ImportResult], None]


def import_articles(
    *,
    items: Iterable[ArticleDraft | ImportFailure],
    dry_run: bool = False,
    batch_size: int = 500,
    on_result: ResultHandler | None = None,
) -> ImportReport:
    """Store new articles, skip ones whose body is already stored, and report each input's fate.

    Inputs are validated and inserted a batch at a time, each batch in one transaction; a batch
    the database refuses is retried one article per savepoint, so a bad input never costs its
    neighbours.
    """
    report = ImportReport()

    def record(result: ImportResult) -> None:
        if result.status is ImportStatus.CREATED:
            report.created += 1
        elif result.status is ImportStatus.UNCHANGED:
            report.unchanged += 1
        else:
            report.failures.append(ImportFailure(result.location, result.reason))
        if on_result is not None:
            on_result(result)

    # Dry runs store nothing, so repeats across batches are caught here instead of by the database.
    seen_in_dry_run: set[str] | None = set() if dry_run else None
    # Without fresh statistics each batch's lookup by content hash scans the whole table.
    statistics = StatisticsKept([Article], first=batch_size)
    for batch in _batches(items, batch_size):
        for result in _import_batch(batch, seen_in_dry_run=seen_in_dry_run):
            record(result)
        statistics.stored(report.created)
    if report.created and not dry_run:
        transaction.on_commit(search_index_soon)
    return report


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _import_batch(
    batch: list[ArticleDraft | ImportFailure], *, seen_in_dry_run: set[str] | None
) -> list[ImportResult]:
    """Results in input order for one batch, stored in one transaction unless this is a dry run."""
    results: list[ImportResult | None] = [None] * len(batch)
    pending, repeats = _validated(batch, results)
    stored = dict(
        Article.objects.filter(content_hash__in=pending).values_list("content_hash", "pk")
    )
    new: list[tuple[int, Article]] = []
    for digest, (index, article) in pending.items():
        location = _location(batch[index])
        if digest in stored:
            results[index] = ImportResult(location, ImportStatus.UNCHANGED, stored[digest])
        elif seen_in_dry_run is not None:
            seen = digest in seen_in_dry_run
            seen_in_dry_run.add(digest)
            results[index] = ImportResult(
                location, ImportStatus.UNCHANGED if seen else ImportStatus.CREATED
            )
        else:
            new.append((index, article))
    if new:
        _languages_detect(new, batch)
        try:
            with transaction.atomic():
                articles_insert([article for _, article in new])
            for index, article in new:
                results[index] = ImportResult(
                    _location(batch[index]), ImportStatus.CREATED, article.pk
                )
        except (IntegrityError, DatabaseError):
            for index, article in new:
                results[index] = _save_one(_location(batch[index]), article)
    for index, digest in repeats:
        first = results[pending[digest][0]]
        article_id = first.article_id if first.status is not ImportStatus.FAILED else None
        results[index] = ImportResult(_location(batch[index]), ImportStatus.UNCHANGED, article_id)
    return [result for result in results if result is not None]


def _languages_detect(
    new: list[tuple[int, Article]], batch: list[ArticleDraft | ImportFailure]
) -> None:
    """New articles whose input stated no language get the detected one (stored ones keep
    theirs: a re-import detects nothing)."""
    for index, article in new:
        if not batch[index].language.strip():
            detected = language_detect(article.body)
            article.language, article.language_confidence = detected.tag, detected.confidence


def _validated(
    batch: list[ArticleDraft | ImportFailure], results: list[ImportResult | None]
) -> tuple[dict[str, tuple[int, Article]], list[tuple[int, str]]]:
    """The batch's valid articles by content hash (index, unsaved article), and the later inputs
    repeating a body seen earlier in the batch (index, hash); failures go into `results`."""
    pending: dict[str, tuple[int, Article]] = {}
    repeats: list[tuple[int, str]] = []
    digests: dict[str, str] = {}  # a body as given -> its content hash, for inputs pending
    for index, item in enumerate(batch):
        if isinstance(item, ImportFailure):
            results[index] = ImportResult(item.location, ImportStatus.FAILED, reason=item.reason)
            continue
        if item.body in digests:
            # Known without canonicalising it again (a doccano file repeats each text once per
            # reviewer); the first input with this body wins, as below.
            repeats.append((index, digests[item.body]))
            continue
        try:
            article = article_from_draft(item)
        except ValidationError as error:
            results[index] = ImportResult(
                _location(item),
                ImportStatus.FAILED,
                reason=_describe(error),
                errors=_by_field(error),
            )
            continue
        if article.content_hash in pending:
            # The same body twice in one input: the first one wins, as on a re-import.
            repeats.append((index, article.content_hash))
            continue
        pending[article.content_hash] = (index, article)
        digests[item.body] = article.content_hash
    return pending, repeats


def _location(item: ArticleDraft | ImportFailure) -> str:
    if isinstance(item, ImportFailure):
        return item.location
    return item.location or item.origin


def articles_insert(articles: list[Article]) -> None:
    """Insert validated articles in one statement and set their primary keys.

    On PostgreSQL this is COPY: an INSERT of a few thousand 3 kB bodies spends more time
    quoting parameters on the client than the server spends storing them.
    """
    if connection.vendor != "postgresql":
        Article.objects.bulk_create(articles)
        return
    now = timezone.now()
    columns = [field.column for field in _COPY_FIELDS] + ["created_at", "updated_at"]
    table = connection.ops.quote_name(Article._meta.db_table)
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(statement) as copy,
    ):
        for article in articles:
            article.created_at = article.updated_at = now
            copy.write_row([_copy_value(article, field) for field in _COPY_FIELDS] + [now, now])
    ids = dict(
        Article.objects.filter(
            content_hash__in=[article.content_hash for article in articles]
        ).values_list("content_hash", "pk")
    )
    for article in articles:
        article.pk = ids[article.content_hash]


_COPY_FIELDS = [
    field
    for field in Article._meta.concrete_fields
    if not field.primary_key and field.name not in {"created_at", "updated_at"}
]


def _copy_value(article: Article, field) -> object:
    value = getattr(article, field.attname)
    return json.dumps(value, ensure_ascii=False) if field.name == "authors" else value


def _save_one(location: str, article: Article) -> ImportResult:
    article.pk = None
    try:
        with transaction.atomic():
            article.save(force_insert=True)
    except IntegrityError:
        existing = Article.objects.filter(content_hash=article.content_hash).first()
        if existing is not None:  # stored meanwhile by a concurrent import
            return ImportResult(location, ImportStatus.UNCHANGED, existing.pk)
        return ImportResult(location, ImportStatus.FAILED, reason="refused by the database")
    except DatabaseError as error:
        return ImportResult(
            location, ImportStatus.FAILED, reason=f"refused by the database: {error}"
        )
    return ImportResult(location, ImportStatus.CREATED, article.pk)


def article_from_draft(draft: ArticleDraft) -> Article:
    """An unsaved, validated Article in canonical form; raises ValidationError by field."""
    texts = {
        "title": draft.title,
        "subtitle": draft.subtitle,
        "body": draft.body,
        # Without its own raw text a draft's is the body: one check, one message.
        **({} if draft.raw_text == draft.body else {"raw_text": draft.raw_text}),
        "publisher": draft.publisher,
        "source_url": draft.source_url,
        "origin": draft.origin,
        "language": draft.language,
        **{f"authors[{i}]": name for i, name in enumerate(draft.authors)},
    }
    # Before anything hashes or stores the text: a lone surrogate cannot be encoded.
    refused = {
        name: reason for name, text in texts.items() if (reason := unstorable_text_reason(text))
    }
    if refused:
        raise ValidationError(refused)
    body = canonical_body(draft.body)
    article = Article(
        title=one_line(draft.title),
        subtitle=one_line(draft.subtitle),
        authors=[one_line(name) for name in draft.authors],
        publisher=one_line(draft.publisher),
        published_on=draft.published_on,
        source_url=draft.source_url.strip(),
        language=draft.language.strip() or settings.CORPUS_DEFAULT_LANGUAGE,
        body=body,
        raw_text=draft.raw_text,
        content_hash=content_hash(body),
        origin=draft.origin[:1000],
    )
    article.full_clean(exclude=["content_hash"], validate_unique=False, validate_constraints=False)
    return article


def _by_field(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {"non_field_errors": error.messages}


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


@transaction.atomic
def article_language_change(*, article: Article, language: str, actor) -> Article:
    """Set the language a person states for an article (a detector's guess corrected). The
    detector's confidence no longer describes it, so it is cleared: empty means stated. The
    change is recorded in the article's history under `actor`."""
    tag = language_tag_clean(language)
    if tag == article.language and article.language_confidence is None:
        return article
    article.language, article.language_confidence = tag, None
    article._history_user = actor
    article.save(update_fields=["language", "language_confidence", "updated_at"])
    return article


def search_index(*, batch_size: int = 500) -> dict[str, int]:
    """Compute the stored search vectors of every row without one (new, or its text changed),
    table by table (corpus.search.STORED_VECTORS: articles, and what upper layers register);
    how many of each. PostgreSQL only: SQLite's triggers keep its FTS5 tables in step."""
    if connection.vendor != "postgresql":
        return {}
    return {stored.label: _vectors_fill(stored, batch_size=batch_size) for stored in STORED_VECTORS}


def _vectors_fill(stored: StoredVectors, *, batch_size: int) -> int:
    done = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            # FOR UPDATE SKIP LOCKED (in rows_sql): two runs at once share the rows out.
            cursor.execute(stored.rows_sql, [batch_size])
            rows = cursor.fetchall()
            by_config: dict[str, list[int]] = defaultdict(list)
            for pk, language in rows:
                by_config[search_config_for(language)].append(pk)
            for config, ids in by_config.items():
                # Searches parse their words in this configuration from this commit on.
                cursor.execute(
                    STORED_CONFIG_NOTE_SQL,
                    [config],
                )
                # The configuration is a name from SEARCH_CONFIGS, never the row's text.
                vector = stored.vector_sql % {"config": f"'{config}'"}
                cursor.execute(
                    f"UPDATE {stored.table} SET search_vector = {vector} WHERE id = ANY(%s)",  # noqa: S608
                    [ids],
                )
        done += len(rows)
        if len(rows) < batch_size:
            return done


def search_index_soon() -> None:
    """Run search_index after a write, off its path: inline (JOBS_RUN_INLINE), on a Celery
    worker (CELERY_BROKER_URL), or in a daemon thread of this process (embedded mode). A lost
    run costs nothing but speed: the search scans rows without a vector, and `manage.py
    search_index` (or the next write that schedules one) computes them."""
    if connection.vendor != "postgresql":
        return
    if settings.JOBS_RUN_INLINE:
        search_index()
    elif settings.CELERY_BROKER_URL:
        from corpus.tasks import search_index_task  # Celery loads only with a broker

        try:
            search_index_task.apply_async(queue=settings.CELERY_TASK_DEFAULT_QUEUE)
        except Exception:  # the search still finds the rows, by scanning them
            logger.exception("Could not queue the search index")
    else:
        global _thread_again, _thread_running
        # One thread at a time: a dataset import asks once per batch of articles.
        with _thread_lock:
            if _thread_running:
                _thread_again = True
                return
            _thread_running = True
        threading.Thread(target=_index_in_thread, name="search-index", daemon=True).start()


_thread_lock = threading.Lock()
_thread_running = False
_thread_again = False


def _index_in_thread() -> None:
    global _thread_again, _thread_running
    try:
        while True:
            try:
                search_index()
            except Exception:
                logger.exception("The search index failed in its thread")
            with _thread_lock:
                if not _thread_again:
                    _thread_running = False
                    return
                _thread_again = False
    finally:
        connections.close_all()  # this thread's connection
