"""config.database.tables_analyze: the planner sees the rows a bulk import has just added."""

import pytest
from django.db import connection

from config.database import tables_analyze
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
