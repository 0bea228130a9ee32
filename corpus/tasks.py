"""Celery's autodiscovery looks for `<app>.tasks`: the corpus's is its search index."""

from config.celery import app
from corpus.services import articles_search_index


@app.task(name="corpus.articles_search_index", acks_late=True)
def articles_search_index_task() -> int:
    """Compute the search vectors of new and changed articles (corpus.services)."""
    return articles_search_index()
