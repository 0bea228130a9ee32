"""Point this process's Celery app at a broker for one test, and back."""

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def celery_broker(settings, url: str, **conf) -> Iterator[object]:
    """Jobs dispatch to Celery at `url` (settings, and the app's own configuration, which Celery
    read once), with `conf` over the app's; its connection pools closed before and after."""
    from config.celery import app

    settings.JOBS_RUN_INLINE = False
    settings.CELERY_BROKER_URL = url
    changes = {"broker_url": url, "result_backend": url, **conf}
    before = {key: app.conf[key] for key in changes}
    _forget_connections(app)
    app.conf.update(changes)
    try:
        yield app
    finally:
        _forget_connections(app)
        app.conf.update(before)


def _forget_connections(app) -> None:
    """Drop the app's broker connections and producer pool, which hold the broker they were
    made for. app.close() alone keeps them when the pool is empty (it tests the pool's truth,
    its length), as after a broker that refused to connect."""
    app.close()
    app._pool = None
    app.__dict__.pop("amqp", None)  # a cached property: the next use builds a fresh one
