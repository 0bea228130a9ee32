import datetime

from corpus.importers.base import ArticleDraft, ImportFailure
from corpus.importers.jsonl import parse_jsonl


def test_jsonl_parses_fields_and_names_bad_lines():
    lines = [
        '{"title": "One", "body": "Text one.", "authors": ["A B"], "published_on": "2021-06-17"}',
        "",
        "{not json",
        '{"title": "Three", "body": ""}',
        '["a list"]',
        '{"title": "Six", "body": "Text.", "published_on": "17/06/2021"}',
        '{"title": "Seven", "body": "Text.", "titel": "typo"}',
        '{"id": 9, "content_hash": "x", "title": "Eight", "body": "Text 8.", "origin": "u"}',
    ]
    results = list(parse_jsonl(lines, source="in.jsonl"))
    first, *failures, last = results
    assert isinstance(first, ArticleDraft)
    assert first.authors == ("A B",)
    assert first.published_on == datetime.date(2021, 6, 17)
    assert first.location == "in.jsonl:1"
    assert first.origin == "in.jsonl"
    assert [f.location for f in failures] == [
        "in.jsonl:3",
        "in.jsonl:4",
        "in.jsonl:5",
        "in.jsonl:6",
        "in.jsonl:7",
    ]
    assert all(isinstance(f, ImportFailure) for f in failures)
    assert "invalid JSON" in failures[0].reason
    assert "'body' is required" in failures[1].reason
    assert "expected a JSON object" in failures[2].reason
    assert "ISO date" in failures[3].reason
    assert "titel" in failures[4].reason
    assert isinstance(last, ArticleDraft)
    assert last.origin == "u"
