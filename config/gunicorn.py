"""gunicorn's settings for `make serve` (`gunicorn -c config/gunicorn.py config.wsgi`), from the
environment: WEB_CONCURRENCY workers, GUNICORN_THREADS threads each, GUNICORN_TIMEOUT seconds.

Threaded workers (gthread), not sync ones: a sync worker tells the arbiter it is alive only
between requests, so a streamed export that a slow client reads for longer than the timeout was
killed mid-download (a 200,000-verdict export at 160 kB/s broke at 143 s). A gthread worker's
main thread keeps heartbeating while its request threads stream; the timeout still catches a
worker whose main loop hangs. Each thread holds its own database connection.
"""

import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
accesslog = "-"
