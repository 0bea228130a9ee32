"""The selector every export format shares: a project's articles, each with its spans, verdicts,
sources, comments and adjudication, streamed as plain records (doccano's "records" step).

Streaming: one query per relation for the whole export (articles, spans, verdicts, sources,
comments, adjudications, the verdicts they considered), each sorted by span position and read
through a server-side cursor (`iterator(chunk_size=...)`), merged here article by article. So the
number of queries is constant whatever the size, the database sorts each table once (per-chunk
joins made PostgreSQL rescan the million verdicts for every chunk), and memory holds one
article. Rows are read with `values_list` (tuples: 1M model instances would cost seconds),
timestamps come formatted by the database (psycopg's datetime loader was 90% of a verdict row's
cost) and the span status is derived from the verdicts read (`span_status`,
annotate.review.status's rule;
in SQL it was a GROUP BY over every verdict).

Identifiers in every format are per-export and derived from order, never database pks: articles
`a-1, a-2, ...` by pk, spans `s-N` by (article, start, end, pk), verdicts `v-N`, sources `src-N`,
comments `c-N` by pk within their parent. An import that creates rows in file order into an empty
database therefore exports to the same identifiers.

People: the project's members and everyone who wrote anything in it, ranked by user pk. Each is
named by their username (`real_names`) or by a pseudonym `r-` + 10 hex digits of
HMAC-SHA256(salt, "<project slug>:<rank>"): stable for the same salt, unrelated for another, and,
because it hides the rank rather than the database id, the same again after an import that creates
the people in the order of the export's `people` list.

Modules: `shapes` (the records and the rules derived from them), `context` (one export's
project, options and people) and `reading` (the streamed queries and their merge).
"""

from annotate.review.status import SpanStatus
from datasets.records.context import (
    ExportContext,
    project_memberships,
    project_people,
    pseudonym,
    pseudonym_salt,
)
from datasets.records.reading import article_records, export_articles
from datasets.records.shapes import (
    NATIVE_STANCES,
    SCHEMA,
    SUBMITTED,
    AdjudicationRecord,
    ArticleRecord,
    CommentRecord,
    ExportStats,
    LabelRow,
    Person,
    SourceRecord,
    SpanRecord,
    VerdictRecord,
    iso,
    label_rows,
    majority_label,
    span_status,
)

__all__ = [
    "NATIVE_STANCES",
    "SCHEMA",
    "SUBMITTED",
    "AdjudicationRecord",
    "ArticleRecord",
    "CommentRecord",
    "ExportContext",
    "ExportStats",
    "LabelRow",
    "Person",
    "SourceRecord",
    "SpanRecord",
    "SpanStatus",
    "VerdictRecord",
    "article_records",
    "export_articles",
    "iso",
    "label_rows",
    "majority_label",
    "project_memberships",
    "project_people",
    "pseudonym",
    "pseudonym_salt",
    "span_status",
]
