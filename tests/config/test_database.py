"""config.database.tables_analyze: the planner sees the rows a bulk import has just added."""

import pytest
from django.db import connection

from config.database import StatisticsKept, tables_analyze
from corpus.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_analyze_runs_on_every_backend():
    ArticleFactory.create_batch(3)
    tables_analyze([Article])  # SQLite: no error is the contract


@pytest.mark.postgres
def test_postgres_counts_the_transactions_own_new_rows():
    ArticleFactory.create_batch(3)
    tables_analyze([Article])
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", ["corpus_article"])
        (estimate,) = cursor.fetchone()
    assert estimate == 3


def test_statistics_are_refreshed_each_time_the_stored_rows_double(monkeypatch):
    calls = []
    monkeypatch.setattr("config.database.tables_analyze", lambda models: calls.append(models))
    statistics = StatisticsKept([Article], first=500)

    for total in (500, 999, 1000, 1500, 1999, 2000, 4000):
        statistics.stored(total)

    assert len(calls) == 3  # at 1,000, 2,000 and 4,000
