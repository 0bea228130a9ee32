# Two commands for a fresh machine with Python 3.11 and make: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast lint format serve worker install clean screenshots messages compile-messages check-messages

$(INSTALLED): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; try: make PYTHON=python3 $(MAKECMDGOALS)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(INSTALLED)

install: $(INSTALLED)

# Local demo site: SQLite, the seed articles, demo users, Django's dev server.
run: export DEBUG = 1
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py import_articles seeds/
	$(PY) manage.py create_demo_users
	$(PY) manage.py load_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest -n auto

# Everything but the browser, schemathesis (slow) and PostgreSQL-only tests: the edit-test loop.
test-fast: install
	$(PY) -m pytest -n auto -m "not browser and not slow and not postgres" -q

# docs/screenshots/: dashboard and reader from the demo data and README's walkthrough steps at
# 1440x900, the Arabic-UI reader at 1440 and 360 px wide, in /usr/bin/chromium.
screenshots: install
	UPDATE_SCREENSHOTS=1 $(PY) -m pytest tests/browser/test_layout.py tests/browser/test_walkthrough.py tests/browser/test_scripts.py -k "screenshots or walkthrough" -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The production site: gunicorn, DEBUG off, static files from WhiteNoise, settings from the
# environment only (SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL must be set). Threaded workers
# (config/gunicorn.py: WEB_CONCURRENCY, GUNICORN_THREADS, GUNICORN_TIMEOUT) keep heartbeating
# while a slow client reads a long streamed export; sync workers were killed at the timeout.
# Background jobs: with CELERY_BROKER_URL set, run `make worker` beside it (same environment);
# without it, jobs run in threads of these processes.
serve: install
	$(PY) manage.py check --deploy --fail-level ERROR
	$(PY) manage.py collectstatic --noinput
	$(PY) manage.py migrate --noinput
	$(VENV)/bin/gunicorn config.wsgi -c config/gunicorn.py --bind $(HOST):$(PORT)

# A Celery worker for background jobs (annotate/jobs, README "Background jobs"), beside make serve
# with the same environment. Redis on this machine unless CELERY_BROKER_URL says otherwise
# (amqp://... for RabbitMQ); the site must be given the same CELERY_BROKER_URL, or it runs
# jobs in threads of its own. Next to make run: DEBUG=1 make worker.
worker: install
	CELERY_BROKER_URL="$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}" nice -n 10 $(VENV)/bin/celery -A config worker -l info

# Translations (README "Languages"): the shipped locales, besides English. `make messages` needs
# GNU gettext (xgettext, msgmerge); the compiled .mo files are committed, so `make run` does not.
LOCALES := es pt_BR fr ar
MAKEMESSAGES := DEBUG=1 $(PY) manage.py makemessages $(foreach locale,$(LOCALES),-l $(locale)) \
	--add-location=file --no-obsolete \
	--ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles --ignore=docs

messages: install
	$(MAKEMESSAGES) -d django
	$(MAKEMESSAGES) -d djangojs

compile-messages: install
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

# CI: makemessages into a scratch copy of the tree, then its msgids against the committed ones
# (.ci/compare_messages.py): a string marked but not in a catalog, or a fuzzy entry, fails.
check-messages: install
	@command -v xgettext >/dev/null || { echo "xgettext not found: apt-get install gettext"; exit 1; }
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
	tar --exclude=./.venv --exclude=./.git --exclude=./staticfiles -cf - . | tar -xf - -C "$$scratch" && \
	(cd "$$scratch" && $(subst $(PY),$(CURDIR)/$(PY),$(MAKEMESSAGES)) -d django >/dev/null && \
	 $(subst $(PY),$(CURDIR)/$(PY),$(MAKEMESSAGES)) -d djangojs >/dev/null) && \
	$(PY) .ci/compare_messages.py locale "$$scratch/locale"

clean:
	rm -rf $(VENV) staticfiles
