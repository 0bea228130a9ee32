"""gunicorn's settings for `make serve` (`gunicorn -c config/gunicorn.py config.wsgi`), from the
environment: WEB_CONCURRENCY workers, GUNICORN_THREADS threads each, GUNICORN_TIMEOUT seconds.

Threaded workers (gthread), not sync ones: a sync worker tells the arbiter it is alive only
between requests, so a streamed export that a slow client reads for longer than the timeout was
killed mid-download (a 200,000-verdict export at 160 kB/s broke at 143 s). A gthread worker's
main thread keeps heartbeating while its request threads stream; the timeout still catches a
worker whose main loop hangs. Each thread holds its own database connection.

Memory: see LARGE_BODY_BYTES and max_requests below (bench/soak.py measures RSS).
"""

import os

# A worker that took a request body at least this large (a bulk article import) is replaced
# once it has answered: parsing a 27 MB body left it 115-210 MB larger for good, even after
# malloc_trim (Python's own arenas keep what glibc cannot give back). Its other requests finish
# first; the instance's other workers serve meanwhile.
LARGE_BODY_BYTES = 1_000_000

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
# And every worker after this many requests (jitter: not all at once), against slow growth.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
accesslog = "-"


def post_request(worker, req, environ, resp) -> None:
    if int(environ.get("CONTENT_LENGTH") or 0) >= LARGE_BODY_BYTES and worker.alive:
        worker.log.info("Replacing the worker after a %s-byte request", environ["CONTENT_LENGTH"])
        worker.alive = False  # as gunicorn's max_requests does: graceful, then a new worker
