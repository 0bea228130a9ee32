"""Settings for the fact-check workbench: one module, read from the environment wherever it runs."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.storage import default_storage_setting

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, *, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, *, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] or default


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-dev-only-key"  # noqa: S105 (make run sets DEBUG=1)

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # intcomma: counts grouped as the reader's language groups them
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "csp",
    "axes",
    "accounts",
    "corpus",
    "annotate",
    "datasets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.ApiRequestSizeLimit",
    "config.middleware.PageUploadSizeLimit",
    "config.middleware.FailedAuthenticationLimit",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.DomainNotFound",
    "config.unavailable.DatabaseUnavailable",
    # The user's language over the cookie and Accept-Language; it reads the session, so it sits
    # inside DatabaseUnavailable, which turns a lost database into the 503 page.
    "accounts.middleware.PreferredLanguage",
    # Last, as django-axes asks: it turns a login refused for a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    options = DATABASES["default"].setdefault("OPTIONS", {})
    # The planner prices the queue's correlated subqueries high enough to JIT-compile them:
    # ~15 ms of compilation for a query that runs in 0.2 ms. Short OLTP queries never gain.
    options.setdefault("options", "-c jit=off")
    if env_bool("DATABASE_PREPARED_STATEMENTS", default=True):
        # Planning the span detail query took 2 ms for 0.3 ms of execution. Server-side
        # parameters let psycopg prepare a statement on its second use on a connection, and
        # PostgreSQL then reuses its plan. Turn off behind a transaction-mode pooler (PgBouncer).
        options.setdefault("server_side_binding", True)
        options.setdefault("prepare_threshold", 2)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("pt-br", "Português (Brasil)"),
    ("fr", "Français"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates in pages by language (config/formats/<language>/formats.py, then Django's own).
FORMAT_MODULE_PATH = ["config.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Job files: MEDIA_ROOT on disk, or an S3-compatible bucket with STORAGE_S3_BUCKET.
    "default": default_storage_setting(os.environ),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Tests and runserver render templates without a collected manifest; unknown files keep their names.
WHITENOISE_MANIFEST_STRICT = False

# django-axes first: it refuses a locked-out login before any password is checked. The
# standalone backend has no get_user(), so sessions and force_login go to ModelBackend.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login throttling (django-axes): after AXES_FAILURE_LIMIT refused passwords for one username,
# or from one client IP, further logins for that username or from that IP are refused for the
# cool-off (a right password too), and a successful login clears the account's count. Attempts
# are rows (AccessAttempt, listed in the admin), so every worker sees the same counts.
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # its start-up banner would land in every command's output
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"  # the styled page, saying how long to wait
# Client IPs as the API's throttles read them: X-Forwarded-For only behind API_NUM_PROXIES proxies.
AXES_CLIENT_IP_CALLABLE = "config.api.throttling.client_ip"

# Mail (invitations, password resets): printed on the console unless a backend is configured.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "workbench@localhost")

# How long an invitation link to a project stays valid.
INVITATION_MAX_AGE = timedelta(days=int(os.environ.get("INVITATION_MAX_AGE_DAYS", "7")))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "annotate:dashboard"
LOGOUT_REDIRECT_URL = "login"

# A strict Content-Security-Policy: scripts and styles only from our own static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Security headers; cookies are secure whenever the site is not a local DEBUG run.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# The language switcher's cookie: read by the server only (JavaScript reads <html lang>).
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # the browser, with CSRF
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "config.api.throttling.TokenRateThrottle",
        "config.api.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": os.environ.get("API_THROTTLE_TOKEN", "6000/min"),
        "anon": os.environ.get("API_THROTTLE_ANON", "120/min"),
        # Refused credentials per client IP (config.api.throttling.FailedAuthenticationLimit).
        "failed_auth": os.environ.get("API_THROTTLE_FAILED_AUTH", "10/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Client IPs for anonymous throttling: X-Forwarded-For is trusted only behind this many
    # proxies (0: the socket address, which a client cannot forge).
    "NUM_PROXIES": int(os.environ.get("API_NUM_PROXIES", "0")),
}
# Bodies above these sizes get 413 before they are read (bulk imports may be larger). The
# request limit stays above the largest write annotate's text limits allow (a verdict with 50
# sources, every text at its limit, JSON-escaped: annotate.limits.largest_write_bytes, ~7 MB),
# so that an overlong text is refused by the service with a 400 on its field, not a 413.
API_MAX_REQUEST_BYTES = int(os.environ.get("API_MAX_REQUEST_BYTES", 8_000_000))
API_MAX_BULK_BYTES = int(os.environ.get("API_MAX_BULK_BYTES", 50_000_000))
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BULK_BYTES

SPECTACULAR_SETTINGS = {
    "TITLE": "Fact-check workbench API",
    "DESCRIPTION": "Articles, spans (claims), verdicts with sources, adjudications and review "
    "queues, under the same rules as the web UI. Authenticate with a personal token: "
    "`Authorization: Bearer <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "VerdictStatusEnum": "annotate.models.Verdict.Status",
        "SpanStatusEnum": "annotate.review.status.SpanStatus",
        "ImportStatusEnum": "corpus.services.ImportStatus",
        "HealthStatusEnum": ["ok", "unavailable"],
    },
}

# One cache for every worker when REDIS_URL is set (production: agreement figures and API
# throttles must agree across gunicorn processes); a per-process cache otherwise.
_REDIS = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
    if os.environ.get("REDIS_URL")
    else None
)
CACHES = {
    # Per-request counters (API throttles): per process unless REDIS_URL is set.
    "default": _REDIS or {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # What every worker must see the same (agreement figures and their invalidation): without
    # Redis, files shared by the processes of this host.
    "shared": _REDIS
    or {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("CACHE_DIR") or str(BASE_DIR / ".cache" / "shared"),
    },
}

# Articles imported without a stated language get this BCP 47 tag.
CORPUS_DEFAULT_LANGUAGE = os.environ.get("CORPUS_DEFAULT_LANGUAGE", "en")
# Articles that state no language are detected (corpus/language.py); below this probability the
# detector is not trusted and CORPUS_DEFAULT_LANGUAGE is used. LANGUAGE_DETECT=0: never detect.
LANGUAGE_DETECT = env_bool("LANGUAGE_DETECT", default=True)
LANGUAGE_DETECT_MIN_CONFIDENCE = float(os.environ.get("LANGUAGE_DETECT_MIN_CONFIDENCE", 0.8))

# Files sent to a page (the article upload): the most bytes of one request, all files together,
# refused before the body is read (config.middleware.PageUploadSizeLimit).
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", 20_000_000))
# Add by URL (corpus/fetch.py): the server fetches pages people name, so by default it refuses
# addresses inside the network (loopback, private, link-local such as cloud metadata).
FETCH_ALLOW_PRIVATE_HOSTS = env_bool("FETCH_ALLOW_PRIVATE_HOSTS", default=False)
FETCH_MAX_BYTES = int(os.environ.get("FETCH_MAX_BYTES", 5_000_000))
FETCH_TIMEOUT_S = float(os.environ.get("FETCH_TIMEOUT_S", 10))
FETCH_MAX_URLS = int(os.environ.get("FETCH_MAX_URLS", 20))

# Webhooks (annotate/webhooks, README "Webhooks"): deliveries refuse addresses inside the network
# like fetches do, unless allowed here (a receiver on the intranet); every attempt is checked.
WEBHOOKS_ALLOW_PRIVATE_HOSTS = env_bool("WEBHOOKS_ALLOW_PRIVATE_HOSTS", default=False)
WEBHOOK_TIMEOUT_S = float(os.environ.get("WEBHOOK_TIMEOUT_S", 5))
# Attempts of one delivery; the wait before attempt n+1 is BASE * 2^(n-1), at most MAX
# (defaults: 30 s, 1 min, 2 min, ... about 1 h in all over 8 attempts).
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", 8))
WEBHOOK_RETRY_BASE_S = float(os.environ.get("WEBHOOK_RETRY_BASE_S", 30))
WEBHOOK_RETRY_MAX_S = float(os.environ.get("WEBHOOK_RETRY_MAX_S", 3600))
# An endpoint is disabled after this many failed attempts in a row (across deliveries) once it
# has been failing for WEBHOOK_DISABLE_AFTER_S: a busy project fails 20 attempts within seconds
# of an outage, which retries would have delivered.
WEBHOOK_DISABLE_AFTER_FAILURES = int(os.environ.get("WEBHOOK_DISABLE_AFTER_FAILURES", 20))
WEBHOOK_DISABLE_AFTER_S = float(os.environ.get("WEBHOOK_DISABLE_AFTER_S", 3600))
# The Celery queue of deliveries; empty: the jobs' queue. A queue of their own (and a worker
# started with `-Q webhooks`) keeps deliveries from waiting behind a long export.
WEBHOOK_QUEUE = os.environ.get("WEBHOOK_QUEUE", "")

# Uploaded and generated files (background exports): Django's storage API, on disk by default.
MEDIA_ROOT = os.environ.get("MEDIA_ROOT") or str(BASE_DIR / "media")
MEDIA_URL = "media/"  # never served as such: downloads go through a signed, checked view

# Background jobs (annotate/jobs, README "Background jobs"). With CELERY_BROKER_URL (Redis, or
# amqp:// for RabbitMQ) a Celery worker (`make worker`) runs them; without one, a daemon thread
# of the web process does (`make run` needs nothing installed), and a job dies with its process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "") or CELERY_BROKER_URL or None
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
# A job's message is acknowledged when it ends, so a worker killed mid-job leaves it to another
# (annotate.jobs.runner restarts it from scratch); one message at a time per worker process.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A pool process larger than this once a task ends is replaced by a fresh one: a job's memory
# (a 20,000-article import: some 90 MB) otherwise stays with it for good. Above the steady
# state: Django and the apps take ~105 MB, the claim encoder and a large project's vectors more.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = int(os.environ.get("WORKER_MAX_MEMORY_MB", "768")) * 1024
# A job's outcome is its Job row (annotate.jobs), which pages and the API read; the result store
# keeps nothing per task, and the web process subscribes to no result channel.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
JOB_SOFT_TIME_LIMIT_S = int(os.environ.get("JOB_SOFT_TIME_LIMIT_S", 3600))
CELERY_TASK_SOFT_TIME_LIMIT = JOB_SOFT_TIME_LIMIT_S
CELERY_TASK_TIME_LIMIT = JOB_SOFT_TIME_LIMIT_S + 60
# Redis redelivers an unacknowledged message after this long: longer than any job may run.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(
        os.environ.get("CELERY_VISIBILITY_TIMEOUT_S", CELERY_TASK_TIME_LIMIT + 300)
    )
}
# Retries with backoff for transient errors (database or storage unreachable), then failed.
JOB_MAX_RETRIES = int(os.environ.get("JOB_MAX_RETRIES", 3))
# A job started this many times (retries and workers lost mid-job alike) is failed, not rerun.
JOB_MAX_ATTEMPTS = int(os.environ.get("JOB_MAX_ATTEMPTS", 5))
# A running job without a heartbeat (written every 30 s while it runs) for this long lost its
# worker (or its process, in thread mode): it is marked failed when jobs are next listed or read.
# With a broker, past Redis's redelivery (visibility timeout, then a sweep up to ~100 s later),
# so that another worker gets its chance first.
JOB_LOST_AFTER_S = int(
    os.environ.get(
        "JOB_LOST_AFTER_S",
        CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] + 300 if CELERY_BROKER_URL else 180,
    )
)
# With a broker, a running job without a heartbeat for this long lost its worker (killed, its
# host gone): it is queued again (annotate.jobs.services.jobs_requeue_lost) rather than waiting
# for Redis to redeliver its message after the visibility timeout, an hour by default.
JOB_REQUEUE_AFTER_S = int(os.environ.get("JOB_REQUEUE_AFTER_S", 90))
JOB_PROGRESS_INTERVAL_S = float(os.environ.get("JOB_PROGRESS_INTERVAL_S", 0.5))
# Tests: run a job synchronously when its creation commits, in the same process.
JOBS_RUN_INLINE = env_bool("JOBS_RUN_INLINE", default=False)
# Modules that register extra job kinds on start-up (tests register a slow one for the worker).
JOBS_KIND_MODULES = env_list("JOBS_KIND_MODULES", default=[])
# Claims across articles: the embedding stage of matching (annotate/claims/embeddings.py). Off,
# or without its package, claims are matched by the lexical stage alone.
CLAIM_EMBEDDINGS = env_bool("CLAIM_EMBEDDINGS", default=True)
# How long a download link of a job's file stays valid.
JOB_DOWNLOAD_MAX_AGE = timedelta(hours=int(os.environ.get("JOB_DOWNLOAD_MAX_AGE_HOURS", "24")))
# A finished job's stored files (exports, leftover inputs) are deleted this many days after it
# ended, by purge_job_files (run at the end of every job, and as a command for cron).
JOB_FILES_RETENTION_DAYS = int(os.environ.get("JOB_FILES_RETENTION_DAYS", 7))
# Revising an article body into which more spans than this point (each is re-anchored) runs as
# a background job (the API's revise answers 202); smaller revisions run in the request.
REVISION_JOB_SPANS = int(os.environ.get("REVISION_JOB_SPANS", 500))
# Agreement figures not cached of a project with more submitted verdicts than this are computed
# by a background job (the quality page and API answer 202 with it) instead of in the request.
AGREEMENT_JOB_VERDICTS = int(os.environ.get("AGREEMENT_JOB_VERDICTS", 200_000))
# Exports of projects with more verdicts than this become background jobs (API and page);
# smaller ones stream in the response, as before.
EXPORT_JOB_THRESHOLD = int(os.environ.get("EXPORT_JOB_THRESHOLD", 100_000))
# A bulk article request (POST /api/v1/articles/bulk/ into a project) with more articles than
# this is imported by a background job (202); smaller ones are stored in the request, as before.
ARTICLES_BULK_JOB_THRESHOLD = int(os.environ.get("ARTICLES_BULK_JOB_THRESHOLD", 5_000))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # trafilatura logs each page it cannot fully parse at WARNING; the importer reports failures.
    "loggers": {
        "trafilatura": {"level": "ERROR"},
        # django-axes logs every successful login at INFO; failures and lockouts stay (WARNING).
        "axes": {"level": "WARNING"},
    },
}
