import json

import pytest

from corpus.importers.base import ArticleDraft, ImportFailure
from corpus.models import Article
from corpus.services import ImportStatus, import_articles
from corpus.text import canonical_body

pytestmark = pytest.mark.django_db


def _draft(n: int, **fields) -> ArticleDraft:
    values = {
        "title": f"Headline {n}",
        "body": f"First paragraph {n}.\n\n\n  Second paragraph.  ",
        "raw_text": f"raw {n}",
        "origin": f"in-{n}.txt",
    }
    return ArticleDraft(**{**values, **fields})


def test_import_stores_canonical_body_and_hash():
    report = import_articles(items=[_draft(1, body="Cafe\u0301 talk.\r\n\r\n\r\nNext  line. ")])
    article = Article.objects.get()
    assert report.created == 1
    assert article.body == "Café talk.\n\nNext  line."
    assert article.body == canonical_body(article.body)
    assert article.raw_text == "raw 1"
    assert len(article.content_hash) == 64
    assert article.language == "en"


def test_import_same_body_twice_is_a_no_op():
    first = import_articles(items=[_draft(1)])
    second = import_articles(items=[_draft(1, title="Another title for the same text")])
    assert (first.created, second.created, second.unchanged) == (1, 0, 1)
    assert Article.objects.get().title == "Headline 1"


def test_import_same_body_twice_in_one_batch_creates_one():
    report = import_articles(items=[_draft(1), _draft(1)])
    assert (report.created, report.unchanged) == (1, 1)
    assert Article.objects.count() == 1


def test_import_reports_each_input_in_order_with_article_ids():
    results = []
    import_articles(
        items=[_draft(1), ImportFailure("bad.jsonl:2", "invalid JSON"), _draft(3)],
        on_result=results.append,
    )
    assert [r.status for r in results] == [
        ImportStatus.CREATED,
        ImportStatus.FAILED,
        ImportStatus.CREATED,
    ]
    assert results[1].location == "bad.jsonl:2"
    assert {r.article_id for r in (results[0], results[2])} == set(
        Article.objects.values_list("pk", flat=True)
    )


def test_import_invalid_draft_fails_alone_with_field_reason():
    bad = _draft(2, title="   ", source_url="ftp://example.org/x")
    report = import_articles(items=[_draft(1), bad, _draft(3)], batch_size=2)
    assert report.created == 2
    assert len(report.failures) == 1
    assert report.failures[0].location == "in-2.txt"
    assert "title" in report.failures[0].reason
    assert "source_url" in report.failures[0].reason


def test_import_nul_character_fails_without_losing_neighbours():
    report = import_articles(items=[_draft(1), _draft(2, body="bad\x00text"), _draft(3)])
    assert report.created == 2
    assert "NUL" in report.failures[0].reason


def test_import_dry_run_stores_nothing_but_counts():
    report = import_articles(items=[_draft(1), _draft(1), _draft(2)], dry_run=True, batch_size=1)
    assert (report.created, report.unchanged) == (2, 1)
    assert not Article.objects.exists()


def test_import_batch_refused_by_database_falls_back_one_by_one(monkeypatch):
    from django.db import IntegrityError

    def refuse(*args, **kwargs):
        raise IntegrityError("simulated batch failure")

    monkeypatch.setattr("corpus.services.articles_insert", refuse)
    report = import_articles(items=[_draft(1), _draft(2)])
    assert report.created == 2
    assert Article.objects.count() == 2


def test_import_keeps_metadata():
    import datetime

    draft = _draft(
        1,
        subtitle="A  dek\nline",
        authors=("Ana  Lima", "Bo Chen"),
        publisher="Wire",
        published_on=datetime.date(2021, 12, 7),
        source_url="https://example.org/story",
        language="pt-BR",
    )
    import_articles(items=[draft])
    article = Article.objects.get()
    assert article.subtitle == "A dek line"
    assert article.authors == ["Ana Lima", "Bo Chen"]
    assert article.published_on == datetime.date(2021, 12, 7)
    assert (article.source_url, article.language) == ("https://example.org/story", "pt-BR")
    assert json.loads(json.dumps(article.authors)) == ["Ana Lima", "Bo Chen"]
