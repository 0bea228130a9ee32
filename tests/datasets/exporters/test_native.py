"""Native JSONL (FORMATS.md §4a): exact line shapes, sorted keys, determinism."""

import json

import pytest

from datasets.records import SCHEMA
from tests.datasets.exports import export, json_lines

pytestmark = pytest.mark.django_db


def test_native_first_line_is_the_project(known):
    project_line = json_lines(export(known.project, "native", real_names=True))[0]

    assert project_line == {
        "schema": SCHEMA,
        "type": "project",
        "project": {
            "id": "known",
            "name": "Known known",
            "description": "",
            "created_at": "2021-12-08T10:00:00Z",
            "scale": {
                "preset": "politifact",
                "ordinal": True,
                "labels": known.project.scale,
            },
            "settings": {
                "reviews_per_claim": 2,
                "blind_review": True,
                "sources_required": True,
                "fever_mapping": {},
            },
            "people": ["known-eddie", "known-rita", "known-rob"],
            "members": [
                {"person": "known-eddie", "role": "editor", "joined_at": "2021-12-08T10:00:00Z"},
                {"person": "known-rita", "role": "reviewer", "joined_at": "2021-12-08T10:00:00Z"},
                {"person": "known-rob", "role": "reviewer", "joined_at": "2021-12-08T10:00:00Z"},
            ],
        },
    }


def test_native_article_line_carries_spans_verdicts_sources_comments_adjudication(known):
    lines = json_lines(export(known.project, "native", real_names=True))

    emoji = lines[1]
    assert emoji["schema"] == SCHEMA and emoji["type"] == "article"
    assert emoji["article"] == {
        "id": "a-1",
        "title": "Envoy says talks went well",
        "subtitle": "",
        "authors": [],
        "publisher": "Example Wire",
        "published_on": "2021-12-07",
        "url": "https://example.org/a",
        "language": "en",
        "origin": known.emoji.origin,
        "body": "Hi 👋 Envoy said talks went well.",
    }
    envoy, talks = emoji["spans"]  # by start offset
    assert (envoy["id"], envoy["start"], envoy["end"], envoy["status"]) == ("s-1", 5, 10, "agreed")
    assert talks == {
        "id": "s-2",
        "start": 16,
        "end": 31,
        "quote": "talks went well",
        "prefix": "Hi 👋 Envoy said ",
        "suffix": ".",
        "claimant": "Example Ministry",
        "note": "Key claim",
        "status": "adjudicated",
        "orphaned": False,
        "anchor_errors": 0,
        "created_by": "known-eddie",
        "created_at": "2021-12-08T10:01:00Z",
        "verdicts": [
            {
                "id": "v-3",
                "reviewer": "known-rita",
                "label": "Half True",
                "rationale": "The readout confirms talks, not that they went well.",
                "confidence": 4,
                "status": "submitted",
                "version": 1,
                "created_at": "2021-12-08T10:02:00Z",
                "updated_at": "2021-12-08T10:02:00Z",
                "submitted_at": "2021-12-08T10:02:00Z",
                "sources": [
                    {
                        "id": "src-2",
                        "url": "https://example.org/readout",
                        "title": "",
                        "excerpt": "Talks were held.",
                        "stance": "refutes",
                        "accessed_on": None,
                    }
                ],
            },
            {
                "id": "v-4",
                "reviewer": "known-rob",
                "label": "Mostly False",
                "rationale": "",
                "confidence": 4,
                "status": "submitted",
                "version": 1,
                "created_at": "2021-12-08T10:03:00Z",
                "updated_at": "2021-12-08T10:03:00Z",
                "submitted_at": "2021-12-08T10:03:00Z",
                "sources": [
                    {
                        "id": "src-3",
                        "url": "https://example.org/other",
                        "title": "",
                        "excerpt": "",
                        "stance": "neutral",  # FORMATS.md §4a; the model says context
                        "accessed_on": None,
                    }
                ],
            },
        ],
        "comments": [
            {
                "id": "c-1",
                "author": "known-rita",
                "parent": None,
                "body": "Which readout?",
                "created_at": "2021-12-08T10:04:00Z",
            },
            {
                "id": "c-2",
                "author": "known-eddie",
                "parent": "c-1",
                "body": "The 8 Dec one.",
                "created_at": "2021-12-08T10:05:00Z",
            },
        ],
        "adjudication": {
            "label": "Half True",
            "by": "known-eddie",
            "rationale": "Rita's reading holds.",
            "considered": ["v-3", "v-4"],
            "decided_at": "2021-12-08T10:10:00Z",
            "updated_at": "2021-12-08T10:10:00Z",
        },
    }
    formula = lines[2]
    assert formula["article"]["id"] == "a-2"
    # The orphaned span and the draft are left out by default.
    assert [(s["id"], s["quote"], s["status"]) for s in formula["spans"]] == [
        ("s-3", "=SUM(A1)", "in_review")
    ]
    assert [v["reviewer"] for v in formula["spans"][0]["verdicts"]] == ["known-rita"]
    assert len(lines) == 3


def test_native_is_sorted_compact_utf8_and_deterministic(known):
    first = export(known.project, "native", salt="s")
    second = export(known.project, "native", salt="s")

    assert first == second
    for line in first.splitlines():
        entry = json.loads(line)
        assert line == json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert "👋" in first  # ensure_ascii=False: characters, not escapes


def test_native_includes_articles_without_spans(known):
    from tests.factories import ArticleFactory

    empty = ArticleFactory()
    known.project.articles.add(empty)

    lines = json_lines(export(known.project, "native"))

    assert [line["article"]["id"] for line in lines[1:]] == ["a-1", "a-2", "a-3"]
    assert lines[3]["spans"] == []


def test_native_ids_follow_order_not_database_keys(known):
    """Ids count from 1 in export order, whatever the pks are (so an import re-exports them)."""
    lines = json_lines(export(known.project, "native", include_orphaned=True, include_drafts=True))

    spans = [span for line in lines[1:] for span in line["spans"]]
    verdicts = [verdict for span in spans for verdict in span["verdicts"]]
    assert [span["id"] for span in spans] == ["s-1", "s-2", "s-3", "s-4"]
    assert [verdict["id"] for verdict in verdicts] == [f"v-{n}" for n in range(1, 8)]
    assert spans[2]["verdicts"][1]["status"] == "draft"
    assert spans[3]["orphaned"] is True
