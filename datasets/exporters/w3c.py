"""W3C Web Annotation JSON-LD (FORMATS.md §4d), one annotation a line.

Label mode `all`: an `assessing` annotation per verdict (creator: its reviewer) and one per
adjudication (creator: the editor); a span without any gets a `highlighting` annotation with no
body (project design). `majority`: one per span with a label, without a creator; `adjudicated`:
the adjudications. Bodies: the label (`assessing`), the rationale (`commenting`) and each source
(`linking`, with its excerpt as a TextQuoteSelector). Targets: the article URL (else
`urn:fc:article:<project>:<article id>`) with TextQuoteSelector and TextPositionSelector (code
points). Stance has no W3C term and stays in the native format. Ids are name-based UUIDs
(uuid5) of project, span and verdict ids: the same export gives the same ids.
"""

import uuid
from collections.abc import Iterator

from datasets.exporters import Exporter, register
from datasets.exporters.writers import jsonl
from datasets.records import ArticleRecord, ExportContext, SpanRecord, iso

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:fc:w3c-annotation")


def _annotation(context: ExportContext, span: SpanRecord, key: str) -> dict:
    name = f"{context.project.slug}/{span.ref}/{key}"
    return {
        "@context": CONTEXT,
        "id": f"urn:uuid:{uuid.uuid5(_NAMESPACE, name)}",
        "type": "Annotation",
    }


def _bodies(label: str, rationale: str, sources=()) -> list[dict]:
    bodies = [{"type": "TextualBody", "purpose": "assessing", "value": label}]
    if rationale:
        bodies.append({"type": "TextualBody", "purpose": "commenting", "value": rationale})
    for source in sources:
        linked = {"type": "SpecificResource", "purpose": "linking", "source": source.url}
        if source.excerpt:
            linked["selector"] = {"type": "TextQuoteSelector", "exact": source.excerpt}
        bodies.append(linked)
    return bodies


def format_row(article: ArticleRecord, context: ExportContext) -> Iterator[dict]:
    source = article.url or f"urn:fc:article:{context.project.slug}:{article.ref}"
    for span in article.spans:
        target = {
            "source": source,
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": span.quote,
                    "prefix": span.prefix,
                    "suffix": span.suffix,
                },
                {"type": "TextPositionSelector", "start": span.start, "end": span.end},
            ],
        }
        written = 0
        for row in context.label_rows(span):
            if not row.label:
                continue  # an unlabelled draft
            annotation = _annotation(context, span, row.verdict.ref if row.verdict else row.kind)
            annotation["motivation"] = "assessing"
            if row.verdict is not None:
                verdict = row.verdict
                annotation["creator"] = f"urn:fc:reviewer:{verdict.reviewer}"
                annotation["created"] = iso(verdict.submitted_at or verdict.created_at)
                annotation["body"] = _bodies(verdict.label, verdict.rationale, verdict.sources)
            elif row.kind == "adjudication":
                adjudication = span.adjudication
                annotation["creator"] = f"urn:fc:reviewer:{adjudication.editor}"
                annotation["created"] = iso(adjudication.decided_at)
                annotation["body"] = _bodies(adjudication.label, adjudication.rationale)
            else:
                annotation["body"] = _bodies(row.label, "")
            annotation["target"] = target
            written += 1
            yield annotation
        if context.labels == "all" and span.adjudication is not None:
            adjudication = span.adjudication
            annotation = _annotation(context, span, "adjudication")
            annotation |= {
                "motivation": "assessing",
                "creator": f"urn:fc:reviewer:{adjudication.editor}",
                "created": iso(adjudication.decided_at),
                "body": _bodies(adjudication.label, adjudication.rationale),
                "target": target,
            }
            written += 1
            yield annotation
        if not written and context.labels == "all":
            annotation = _annotation(context, span, "highlight")
            annotation |= {
                "motivation": "highlighting",
                "creator": f"urn:fc:reviewer:{span.created_by}",
                "created": iso(span.created_at),
                "target": target,
            }
            yield annotation


register(
    Exporter(
        name="w3c",
        title="W3C Web Annotation (JSON-LD)",
        media_type="application/x-ndjson; charset=utf-8",
        extension="jsonl",
        format_row=format_row,
        write=jsonl,
        description="W3C Web Annotation JSON-LD, one annotation a line",
    )
)
