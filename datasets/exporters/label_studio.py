"""Label Studio JSON (FORMATS.md §4b): a list of tasks, one per article, and the labelling
config XML as a second artifact (`config`).

Each claim is a region with three results sharing the span's id: `labels` (claim), `choices`
(verdict, per region) and, with a rationale, `textarea` (rationale, per region). Offsets are code
points, as Label Studio's UI writes them. Annotations: label mode `all` gives one per reviewer
(ground_truth false) and one per adjudicating editor (ground_truth true); `adjudicated` only the
latter; `majority` a single one without an author. `completed_by` is left out (Label Studio
rejects the whole import for a user it does not know): the authors' names are in the task's
`meta.reviewers`, in annotation order (null for a majority). With real names and the
`completed_by_email` option, `completed_by` is `{"email": ...}` for a server that has those users.
"""

from collections.abc import Iterator
from xml.sax.saxutils import quoteattr

from annotate.models import Project
from datasets.exporters import Exporter, register
from datasets.exporters.writers import json_list
from datasets.records import ArticleRecord, ExportContext, SpanRecord


def labelling_config(project: Project) -> str:
    """The labelling config matching the export: claim labels, a verdict choice per region."""
    choices = "".join(f"<Choice value={quoteattr(label)}/>" for label in project.labels)
    return (
        "<View>\n"
        '  <Text name="text" value="$text"/>\n'
        '  <Labels name="claim" toName="text"><Label value="Claim"/></Labels>\n'
        '  <Choices name="verdict" toName="text" perRegion="true">'
        f"{choices}</Choices>\n"
        '  <TextArea name="rationale" toName="text" perRegion="true"/>\n'
        "</View>\n"
    )


def _region(span: SpanRecord, label: str, rationale: str) -> list[dict]:
    where = {"start": span.start, "end": span.end}
    results = [
        {
            "id": span.ref,
            "from_name": "claim",
            "to_name": "text",
            "type": "labels",
            "value": {**where, "text": span.quote, "labels": ["Claim"]},
        },
        {
            "id": span.ref,
            "from_name": "verdict",
            "to_name": "text",
            "type": "choices",
            "value": {**where, "choices": [label]},
        },
    ]
    if rationale:
        results.append(
            {
                "id": span.ref,
                "from_name": "rationale",
                "to_name": "text",
                "type": "textarea",
                "value": {**where, "text": [rationale]},
            }
        )
    return results


def format_row(article: ArticleRecord, context: ExportContext) -> Iterator[dict]:
    # (author, ground truth) -> results, in order of first appearance.
    annotations: dict[tuple[str | None, bool], list[dict]] = {}
    for span in article.spans:
        for row in context.label_rows(span):
            if not row.label:
                continue  # an unlabelled draft
            if row.verdict is not None:
                results = _region(span, row.label, row.verdict.rationale)
            elif row.kind == "adjudication":
                results = _region(span, row.label, span.adjudication.rationale)
            else:
                results = _region(span, row.label, "")
            annotations.setdefault((row.author, row.kind == "adjudication"), []).extend(results)
        if context.labels == "all" and span.adjudication is not None:
            adjudication = span.adjudication
            annotations.setdefault((adjudication.editor, True), []).extend(
                _region(span, adjudication.label, adjudication.rationale)
            )
    emails = (
        {person.name: person.email for person in context.people.values()}
        if context.options.completed_by_email
        else {}
    )
    written = []
    for (author, ground_truth), results in annotations.items():
        annotation = {"ground_truth": ground_truth, "was_cancelled": False, "result": results}
        if emails.get(author):
            annotation["completed_by"] = {"email": emails[author]}
        written.append(annotation)
    yield {
        "id": article.number,
        "data": {"text": article.body},
        "meta": {"reviewers": [author for author, _ in annotations]},
        "annotations": written,
    }


register(
    Exporter(
        name="label-studio",
        title="Label Studio (JSON)",
        media_type="application/json; charset=utf-8",
        extension="json",
        format_row=format_row,
        write=json_list,
        config=labelling_config,
        description="Label Studio JSON tasks (+ labelling config XML)",
    )
)
