"""gunicorn's settings for `make serve` (`gunicorn -c config/gunicorn.py config.wsgi`), from the
environment: WEB_CONCURRENCY workers, GUNICORN_THREADS threads each, GUNICORN_TIMEOUT seconds.

Threaded workers (gthread), not sync ones: a sync worker tells the arbiter it is alive only
between requests, so a streamed export that a slow client reads for longer than the timeout was
killed mid-download (a 200,000-verdict export at 160 kB/s broke at 143 s). A gthread worker's
main thread keeps heartbeating while its request threads stream; the timeout still catches a
worker whose main loop hangs. Each thread holds its own database connection.
"""

import os
import threading

from config.memory import freed_memory_release

# A request body at least this large (a bulk article import) leaves its worker holding the
# memory it was parsed into; it is handed back after the request (config/memory.py).
LARGE_BODY_BYTES = 1_000_000

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
accesslog = "-"


def post_request(worker, req, environ, resp) -> None:
    """After a large request, release the memory it freed, a moment later: here the response
    (and through it the parsed request) is still referenced by the worker's request loop."""
    if int(environ.get("CONTENT_LENGTH") or 0) >= LARGE_BODY_BYTES:
        timer = threading.Timer(1.0, freed_memory_release)
        timer.daemon = True
        timer.start()
