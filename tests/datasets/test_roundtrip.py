"""Round trips: native export -> import into a database without the project -> export gives the
same bytes; Label Studio and doccano exports read back (by the importers' readers) to the same
claims and labels; the other formats parsed back point at the same text and labels."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from annotate.claims import services as claim_services
from annotate.models import Claim, ClaimLink, MatchDecision, Project, Verdict
from datasets.importers import read_dataset
from datasets.importers.base import ArticleRecord as ImportedArticle
from datasets.importers.label_studio_config import read_label_config
from datasets.importers.offsets import OffsetUnit
from tests.datasets.exports import add_known_claims, export, json_lines
from tests.factories import ArticleFactory, ClaimFactory, ProjectFactory, SpanFactory

pytestmark = pytest.mark.django_db


def _reimport(path: Path, slug: str) -> Project:
    call_command(
        "import_dataset", str(path), "--project", slug, "--format", "native",
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    return Project.objects.get(slug=slug)


@pytest.mark.parametrize(
    "options",
    [
        {"salt": "round trip"},
        {"real_names": True},
        {"salt": "s", "include_drafts": True, "include_orphaned": True},
        {"salt": "s", "articles": "formula"},
    ],
    ids=["pseudonyms", "real-names", "everything", "one-article"],
)
def test_native_export_import_export_is_byte_identical(known, tmp_path, options):
    # A link is restored for an importer who edits the other project too: with real names the
    # importing editor is known-eddie, with pseudonyms a new person (see the next test).
    linked = options.get("real_names", False)
    _with_claims(known, link=linked)
    if options.get("articles") == "formula":
        options = {**options, "articles": (known.formula.pk,)}
    first = export(known.project, "native", **options)
    assert '"type":"claim"' in first and '"appearance":{' in first
    assert ('"settles_claim":true' in first) is ("articles" not in options)  # talks in a-1
    assert ('"links":[{' in first) is linked
    path = tmp_path / "known.jsonl"
    path.write_bytes(first.encode())
    known.project.delete()  # the project goes; articles and users stay, as in a shared corpus

    again = _reimport(path, "known")

    assert export(again, "native", **options) == first
    assert ClaimLink.objects.count() == linked  # restored to the sister project's claim


def test_native_import_notes_a_link_it_may_not_restore(known, tmp_path):
    _with_claims(known, link=True)
    path = tmp_path / "known.jsonl"
    path.write_bytes(export(known.project, "native").encode())  # pseudonyms
    known.project.delete()

    out = io.StringIO()
    call_command(
        "import_dataset", str(path), "--project", "known", "--format", "native", stdout=out,
        stderr=io.StringIO(),
    )  # fmt: skip

    assert "the link to cl-1 of project 'sister' was not restored: you are no editor" in (
        out.getvalue()
    )
    assert "claims: created 2, unchanged 0; appearances 3, match decisions 3" in out.getvalue()
    assert not ClaimLink.objects.exists()


def _with_claims(known, *, link: bool) -> None:
    """The known project's claims (add_known_claims), one settled by an adjudication, with a
    comment, a decision whose span is gone, and a link to a claim of a sister project."""
    claims = add_known_claims(known)
    Claim.objects.filter(pk=claims.talks.pk).update(
        verdict_label="Half True",
        verdict_origin="adjudication",
        verdict_adjudication=known.talks.adjudication,
    )
    claim_services.claim_comment_add(actor=known.rita, claim=claims.talks, body="Seen <twice>.")
    gone = SpanFactory(project=known.project, article=known.formula, created_by=known.rita)
    MatchDecision.objects.create(
        span=gone, claim=claims.envoy, span_text=gone.quote, claim_text="Envoy",
        decision="shown", scores={"score": 0.5},
    )  # fmt: skip
    gone.delete()  # its decision stays, span-less
    if not link:
        return
    sister = ProjectFactory(slug="sister", editors=[known.editor], articles=[ArticleFactory()])
    twin = ClaimFactory(project=sister, created_by=known.editor, text="Talks went well")
    claim_services.claim_link_create(actor=known.editor, claim=claims.talks, other=twin)


def _claims_in_db(project) -> set[tuple]:
    return {
        (v.span.article.body, v.span.start, v.span.end, v.reviewer.username, v.label)
        for v in Verdict.objects.filter(
            span__project=project, status="submitted", span__orphaned=False
        ).select_related("span__article", "reviewer")
    }


def _claims_read(records: list) -> set[tuple]:
    assert all(isinstance(record, ImportedArticle) for record in records), records
    return {
        (record.draft.body, span.start, span.end, str(verdict.reviewer), verdict.label)
        for record in records
        for span in record.spans
        for verdict in span.verdicts
    }


def test_label_studio_export_reads_back(known, tmp_path):
    tasks = tmp_path / "tasks.json"
    tasks.write_bytes(export(known.project, "label-studio", labels="all", real_names=True).encode())
    config = tmp_path / "config.xml"
    call_command(
        "export_dataset", "--project", "known", "--format", "label-studio", "--config",
        "--out", str(config), stdout=io.StringIO(),
    )  # fmt: skip

    records = list(read_dataset(tasks, fmt="label-studio", label_config=read_label_config(config)))

    assert _claims_read(records) == _claims_in_db(known.project)
    # The adjudication is an annotation of its own (ground truth: true), the editor's.
    adjudications = {
        (span.start, span.end, str(span.adjudication.editor), span.adjudication.label)
        for record in records
        for span in record.spans
        if span.adjudication is not None
    }
    assert adjudications == {(16, 31, "known-eddie", "Half True")}


@pytest.mark.parametrize("unit", ["utf16", "codepoints", "graphemes"])
def test_doccano_export_reads_back_in_each_offset_unit(known, tmp_path, unit):
    path = tmp_path / "known.jsonl"
    path.write_bytes(export(known.project, "doccano", real_names=True, offset_unit=unit).encode())

    records = list(read_dataset(path, fmt="doccano", offset_unit=OffsetUnit(unit)))

    # doccano lines name their reviewer in an extra key the reader may or may not use: compare
    # claims and labels.
    assert {claim[:3] + claim[4:] for claim in _claims_read(records)} == {
        claim[:3] + claim[4:] for claim in _claims_in_db(known.project)
    }


def test_csv_w3c_fever_claimreview_point_at_the_same_text(known):
    bodies = {"a-1": known.emoji.body, "a-2": known.formula.body}
    for row in csv.DictReader(io.StringIO(export(known.project, "csv"))):
        quote = row["quote"].removeprefix("'")
        assert bodies[row["article_id"]][int(row["start"]) : int(row["end"])] == quote
    for annotation in json_lines(export(known.project, "w3c")):
        quote, position = annotation["target"]["selector"]
        source = annotation["target"]["source"]
        body = known.emoji.body if source == "https://example.org/a" else known.formula.body
        assert body[position["start"] : position["end"]] == quote["exact"]
    for claim in json_lines(export(known.project, "fever", labels="all")):
        assert bodies[claim["article_id"]][claim["start"] : claim["end"]] == claim["claim"]
    (review,) = json_lines(export(known.project, "claimreview"))
    assert review["claimReviewed"] == known.talks.quote
    assert json.dumps(review["reviewRating"]["alternateName"]) == '"Half True"'
