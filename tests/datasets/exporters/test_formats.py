"""Each format's output on the small known project (FORMATS.md §4b-4g), parsed back."""

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError

from annotate.models import Span
from datasets.exporters.csv import COLUMNS
from datasets.exporters.doccano import offset_converter
from datasets.exporters.label_studio import labelling_config
from datasets.options import parse_fever_map
from tests.datasets.exports import EMOJI_BODY, build_known_project, export, json_lines
from tests.factories import ArticleFactory, ProjectFactory, SpanFactory, VerdictFactory

pytestmark = pytest.mark.django_db


# --- CSV ------------------------------------------------------------------------------------------


def csv_rows(text: str) -> list[dict]:
    assert "\r\n" in text  # RFC 4180 line ends
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_has_the_documented_columns_and_a_row_per_verdict(known):
    text = export(known.project, "csv", real_names=True)

    assert text.split("\r\n", 1)[0] == ",".join(COLUMNS)
    rows = csv_rows(text)
    assert [(r["span_id"], r["verdict_id"], r["label"]) for r in rows] == [
        ("s-1", "v-1", "True"),
        ("s-1", "v-2", "True"),
        ("s-2", "v-3", "Half True"),
        ("s-2", "v-4", "Mostly False"),
        ("s-3", "v-5", "False"),
    ]
    talks = rows[2]
    assert talks == {
        "project_id": "known",
        "article_id": "a-1",
        "article_url": "https://example.org/a",
        "article_title": "Envoy says talks went well",
        "span_id": "s-2",
        "start": "16",
        "end": "31",
        "quote": "talks went well",
        "claimant": "Example Ministry",
        "span_status": "adjudicated",
        "orphaned": "false",
        "verdict_id": "v-3",
        "reviewer": "known-rita",
        "label": "Half True",
        "label_rank": "4",
        "rationale": "The readout confirms talks, not that they went well.",
        "verdict_status": "submitted",
        "submitted_at": "2021-12-08T10:02:00Z",
        "source_urls": "https://example.org/readout",
        "source_stances": "refutes",
        "adjudicated_label": "Half True",
        "adjudicated_by": "known-eddie",
        "claim_id": "",
    }


def test_csv_defuses_formula_cells(known):
    rows = csv_rows(export(known.project, "csv"))

    formula = rows[-1]
    assert formula["quote"] == "'=SUM(A1)"
    assert formula["article_title"] == "'+Formula headline"
    assert formula["rationale"] == "'-5 is not the total"
    assert formula["label_rank"] == "2"  # False on the Truth-O-Meter: worst = 1 is Pants on Fire


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_defuse_covers_every_formula_start(start):
    from datasets.exporters.csv import defuse

    assert defuse(f"{start}cmd") == f"'{start}cmd"
    assert defuse("plain") == "plain"
    assert defuse(16) == 16


def test_csv_quotes_commas_quotes_and_newlines(known):
    known.talks.verdicts.filter(reviewer=known.rita).update(rationale='He said "fine",\nthen left.')

    rows = csv_rows(export(known.project, "csv"))

    assert rows[2]["rationale"] == 'He said "fine",\nthen left.'


def test_csv_majority_mode_gives_a_row_per_span_with_a_majority(known):
    rows = csv_rows(export(known.project, "csv", labels="majority", real_names=True))

    assert [(r["span_id"], r["label"], r["verdict_id"], r["reviewer"]) for r in rows] == [
        ("s-1", "True", "", ""),
        ("s-2", "Half True", "", ""),  # the adjudicated label wins
        ("s-3", "False", "", ""),
    ]
    assert rows[1]["rationale"] == "Rita's reading holds."


# --- FEVER ----------------------------------------------------------------------------------------


def test_fever_lines_map_labels_and_list_evidence_per_verdict(known):
    lines = json_lines(export(known.project, "fever"))

    assert lines == [
        {
            "id": 1,
            "verifiable": "VERIFIABLE",
            "label": "SUPPORTS",
            "claim": "Envoy",
            "evidence": [[[1, 1, "https://example.org/envoy", None]], [[2, None, None, None]]],
            "article_id": "a-1",
            "start": 5,
            "end": 10,
            "claim_id": None,
        },
        {
            "id": 2,
            "verifiable": "NOT VERIFIABLE",
            "label": "NOT ENOUGH INFO",
            "claim": "talks went well",
            "evidence": [[[3, 2, "https://example.org/readout", None]]],
            "article_id": "a-1",
            "start": 16,
            "end": 31,
            "claim_id": None,
        },
        {
            "id": 3,
            "verifiable": "VERIFIABLE",
            "label": "REFUTES",
            "claim": "=SUM(A1)",
            "evidence": [[[5, None, None, None]]],
            "article_id": "a-2",
            "start": 0,
            "end": 8,
            "claim_id": None,
        },
    ]


def test_fever_mapping_is_configurable_and_all_mode_names_reviewers(known):
    lines = json_lines(
        export(
            known.project,
            "fever",
            labels="all",
            fever_map=(("Half True", "REFUTES"),),
            real_names=True,
        )
    )

    talks = [line for line in lines if line["id"] == 2]
    assert [(line["reviewer"], line["label"]) for line in talks] == [
        ("known-rita", "REFUTES"),
        ("known-rob", "REFUTES"),
    ]


# --- ClaimReview ----------------------------------------------------------------------------------


def test_claimreview_only_adjudicated_spans_with_numeric_rating(known):
    lines = json_lines(
        export(
            known.project,
            "claimreview",
            review_url="https://checks.example.org/r/{span}",
            organization="Example Checks",
        )
    )

    assert lines == [
        {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": "https://checks.example.org/r/s-1",
            "claimReviewed": "talks went well",
            "datePublished": "2021-12-08",
            "author": {"@type": "Organization", "name": "Example Checks"},
            "reviewRating": {
                "@type": "Rating",
                "alternateName": "Half True",
                "ratingValue": 4,
                "bestRating": 6,
                "worstRating": 1,
            },
            "itemReviewed": {
                "@type": "Claim",
                "author": {"@type": "Person", "name": "Example Ministry"},
                "datePublished": "2021-12-07",
                "appearance": {
                    "@type": "CreativeWork",
                    "headline": "Envoy says talks went well",
                    "url": "https://example.org/a",
                },
            },
        }
    ]


def test_claimreview_nominal_scale_has_alternate_name_only():
    known = build_known_project(slug="nominal", scale="plain")
    from annotate.models import Adjudication

    Adjudication.objects.filter(span=known.talks).update(label="Misleading")

    (review,) = json_lines(export(known.project, "claimreview"))

    assert review["reviewRating"] == {"@type": "Rating", "alternateName": "Misleading"}
    assert "author" not in review  # no organisation given: left out, not guessed


def test_claimreview_refuses_other_label_modes(known):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        export(known.project, "claimreview", labels="all")
    assert "labels" in refused.value.message_dict


# --- W3C ------------------------------------------------------------------------------------------


def test_w3c_one_annotation_per_verdict_and_adjudication(known):
    lines = json_lines(export(known.project, "w3c", real_names=True))

    assert [(a["motivation"], a["creator"]) for a in lines] == [
        ("assessing", "urn:fc:reviewer:known-rita"),
        ("assessing", "urn:fc:reviewer:known-rob"),
        ("assessing", "urn:fc:reviewer:known-rita"),
        ("assessing", "urn:fc:reviewer:known-rob"),
        ("assessing", "urn:fc:reviewer:known-eddie"),  # the adjudication
        ("assessing", "urn:fc:reviewer:known-rita"),
    ]
    rita_on_talks = lines[2]
    assert rita_on_talks["id"].startswith("urn:uuid:")
    del rita_on_talks["id"]
    assert rita_on_talks == {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "motivation": "assessing",
        "creator": "urn:fc:reviewer:known-rita",
        "created": "2021-12-08T10:02:00Z",
        "body": [
            {"type": "TextualBody", "purpose": "assessing", "value": "Half True"},
            {
                "type": "TextualBody",
                "purpose": "commenting",
                "value": "The readout confirms talks, not that they went well.",
            },
            {
                "type": "SpecificResource",
                "purpose": "linking",
                "source": "https://example.org/readout",
                "selector": {"type": "TextQuoteSelector", "exact": "Talks were held."},
            },
        ],
        "target": {
            "source": "https://example.org/a",
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": "talks went well",
                    "prefix": "Hi 👋 Envoy said ",
                    "suffix": ".",
                },
                {"type": "TextPositionSelector", "start": 16, "end": 31},
            ],
        },
    }
    assert lines[4]["body"][0]["value"] == "Half True"
    assert lines[5]["target"]["source"] == "urn:fc:article:known:a-2"  # no URL known


def test_w3c_ids_are_stable_across_exports(known):
    assert export(known.project, "w3c") == export(known.project, "w3c")


def test_w3c_span_without_verdict_is_a_highlight(known):
    known.envoy.verdicts.all().delete()

    first = json_lines(export(known.project, "w3c"))[0]

    assert first["motivation"] == "highlighting"
    assert "body" not in first
    assert first["target"]["selector"][1] == {"type": "TextPositionSelector", "start": 5, "end": 10}


# --- Label Studio ---------------------------------------------------------------------------------


def test_label_studio_tasks_have_one_annotation_per_reviewer(known):
    tasks = json.loads(export(known.project, "label-studio", real_names=True))

    assert [task["id"] for task in tasks] == [1, 2]
    task = tasks[0]
    assert task["data"] == {"text": EMOJI_BODY}
    assert task["meta"] == {"reviewers": ["known-rita", "known-rob", "known-eddie"]}
    rita, _rob, editor = task["annotations"]
    assert [a["ground_truth"] for a in task["annotations"]] == [False, False, True]
    assert all("completed_by" not in a for a in task["annotations"])
    assert rita["was_cancelled"] is False
    talks = [r for r in rita["result"] if r["id"] == "s-2"]
    assert talks == [
        {
            "id": "s-2",
            "from_name": "claim",
            "to_name": "text",
            "type": "labels",
            "value": {"start": 16, "end": 31, "text": "talks went well", "labels": ["Claim"]},
        },
        {
            "id": "s-2",
            "from_name": "verdict",
            "to_name": "text",
            "type": "choices",
            "value": {"start": 16, "end": 31, "choices": ["Half True"]},
        },
        {
            "id": "s-2",
            "from_name": "rationale",
            "to_name": "text",
            "type": "textarea",
            "value": {
                "start": 16,
                "end": 31,
                "text": ["The readout confirms talks, not that they went well."],
            },
        },
    ]
    assert [r["value"]["choices"] for r in editor["result"] if r["type"] == "choices"] == [
        ["Half True"]
    ]


def test_label_studio_completed_by_email_needs_real_names(known):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        export(known.project, "label-studio", completed_by_email=True)
    tasks = json.loads(
        export(known.project, "label-studio", completed_by_email=True, real_names=True)
    )
    assert tasks[0]["annotations"][0]["completed_by"] == {"email": "known-rita@example.org"}


def test_label_studio_config_lists_the_scale(known):
    known.project.scale = [*known.project.scale, {"label": 'Say "what" <&>'}]

    config = ET.fromstring(labelling_config(known.project))  # noqa: S314 (our own output)

    assert config.tag == "View"
    text, claim, verdict, rationale = config
    assert text.attrib == {"name": "text", "value": "$text"}
    assert claim.attrib == {"name": "claim", "toName": "text"}
    assert [label.attrib["value"] for label in claim] == ["Claim"]
    assert verdict.attrib == {"name": "verdict", "toName": "text", "perRegion": "true"}
    assert [choice.attrib["value"] for choice in verdict][-1] == 'Say "what" <&>'
    assert [choice.attrib["value"] for choice in verdict][:2] == ["True", "Mostly True"]
    assert rationale.tag == "TextArea" and rationale.attrib["perRegion"] == "true"


def test_label_studio_output_is_a_json_list_even_when_empty(known):
    known.project.articles.clear()

    assert json.loads(export(known.project, "label-studio")) == []


# --- doccano --------------------------------------------------------------------------------------


def test_doccano_offsets_are_utf16_units_by_default(known):
    lines = json_lines(export(known.project, "doccano", labels="adjudicated"))

    assert lines[0] == {
        "id": 1,
        "text": EMOJI_BODY,
        "label": [[17, 32, "Half True"]],
        "Comments": [],
    }
    text = lines[0]["text"]
    # What JavaScript would slice: the UTF-16 code units 17..32 are the quote.
    units = text.encode("utf-16-le")
    assert units[17 * 2 : 32 * 2].decode("utf-16-le") == "talks went well"
    assert lines[1] == {"id": 2, "text": known.formula.body, "label": [], "Comments": []}


@pytest.mark.parametrize(("unit", "expected"), [("codepoints", [16, 31]), ("graphemes", [16, 31])])
def test_doccano_offset_unit_option(known, unit, expected):
    lines = json_lines(export(known.project, "doccano", labels="adjudicated", offset_unit=unit))

    assert lines[0]["label"][0][:2] == expected


def test_doccano_grapheme_offsets_count_clusters():
    text = "🇺🇦 e\u0301 flag"  # a flag (2 code points) and e + combining accent (2 code points)
    to_graphemes = offset_converter(text, "graphemes")
    to_units = offset_converter(text, "utf16")

    assert [to_graphemes(cp) for cp in (0, 2, 3, 5, 6)] == [0, 1, 2, 3, 4]
    assert [to_units(cp) for cp in (0, 2, 3, 5)] == [0, 4, 5, 7]


def test_doccano_all_mode_is_a_line_per_reviewer(known):
    lines = json_lines(export(known.project, "doccano", real_names=True))

    assert [(line["id"], line.get("reviewer"), line["label"]) for line in lines] == [
        (1, "known-rita", [[6, 11, "True"], [17, 32, "Half True"]]),
        (1, "known-rob", [[6, 11, "True"], [17, 32, "Mostly False"]]),
        (2, "known-rita", [[0, 8, "False"]]),
    ]


def test_fever_mapping_stored_on_the_project_applies_unless_the_export_overrides_it():
    project = ProjectFactory(fever_mapping={"Half True": "REFUTES"})
    span = SpanFactory(project=project)
    VerdictFactory(span=span, label="Half True")
    VerdictFactory(span=span, label="Half True")

    def labels(**options) -> set[str]:
        return {line["label"] for line in json_lines(export(project, "fever", **options))}

    assert labels() == {"REFUTES"}
    assert labels(fever_map=parse_fever_map(["Half True=SUPPORTS"])) == {"SUPPORTS"}


def test_project_fever_mapping_must_use_scale_labels_and_fever_classes():
    project = ProjectFactory.build(fever_mapping={"Half True": "MAYBE"})
    with pytest.raises(ValidationError) as refusal:
        project.full_clean()
    assert "fever_mapping" in refusal.value.message_dict


def _nulls(value, path="") -> list[str]:
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [n for key, item in value.items() for n in _nulls(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [n for index, item in enumerate(value) for n in _nulls(item, f"{path}[{index}]")]
    return []


@pytest.mark.parametrize("labels", ["all", "adjudicated", "majority"])
def test_doccano_lines_share_their_keys_hold_no_null_and_count_utf16_units(known, labels):
    """doccano 1.8.4 reads a batch of lines into one pandas DataFrame: a key null or missing
    on some lines turns into NaN in those examples' `meta`, which is not JSON, and the whole
    file is refused (measured on a real doccano 1.8.4). Its UI reads offsets as UTF-16 units."""
    known.project.articles.add(ArticleFactory(body="Nobody 🌍 labelled this one."))
    lines = json_lines(export(known.project, "doccano", labels=labels))

    assert len({frozenset(line) for line in lines}) == 1
    assert [_nulls(line) for line in lines] == [[]] * len(lines)
    quotes = set(Span.objects.filter(orphaned=False).values_list("quote", flat=True))
    for line in lines:
        units = line["text"].encode("utf-16-le")
        for start, end, _ in line["label"]:
            assert units[start * 2 : end * 2].decode("utf-16-le") in quotes
    emoji_line = next(line for line in lines if line["text"] == EMOJI_BODY)
    assert [17, 32] in [label[:2] for label in emoji_line["label"]]  # after 👋: one unit more
    assert lines[-1]["label"] == []
    if labels == "all":
        assert lines[-1]["reviewer"] == ""
