# One image for the web processes and the workers (docs/deploy.md):
#   docker build -t factcheck-workbench .
#   docker run --env-file prod.env -p 8000:8000 factcheck-workbench            # web
#   docker run --env-file prod.env factcheck-workbench \
#       celery -A config worker --loglevel INFO                                   # a worker
#   docker run --env-file prod.env factcheck-workbench python manage.py migrate   # on deploy
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY accounts accounts
COPY annotate annotate
COPY config config
COPY corpus corpus
COPY datasets datasets
RUN pip install . && pip uninstall -y factcheck-workbench
COPY manage.py ./
COPY templates templates
COPY static static
COPY seeds seeds

# collectstatic needs settings but no database or secret of the deployment.
RUN SECRET_KEY=build-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 --home-dir /app workbench \
    && mkdir -p /app/media /app/.cache \
    && chown -R workbench /app/media /app/.cache
USER workbench

EXPOSE 8000
CMD ["sh", "-c", "gunicorn config.wsgi -c config/gunicorn.py --bind 0.0.0.0:${PORT:-8000}"]
