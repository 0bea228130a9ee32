"""Celery's autodiscovery looks for `<app>.tasks`: the corpus's is the search index."""

from config.celery import app
from corpus.services import search_index


@app.task(name="corpus.search_index", acks_late=True)
def search_index_task() -> dict[str, int]:
    """Compute the stored search vectors of new and changed rows (corpus.services)."""
    return search_index()
