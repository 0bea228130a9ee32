"""API endpoints that belong to no app: is the service up, and 404 for unknown paths."""

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.errors import error_body

# Asking the workers takes up to this long; the answer is kept for WORKERS_CACHE_S, so a load
# balancer polling every second costs the broker one ping per WORKERS_CACHE_S.
WORKERS_PING_S = 0.5
WORKERS_CACHE_S = 15


class HealthOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "unavailable"])
    database = serializers.ChoiceField(choices=["ok", "unreachable"])
    broker = serializers.ChoiceField(
        choices=["ok", "unreachable", "none"],
        help_text=_("The job queue (CELERY_BROKER_URL); none: jobs run in the web process."),
    )
    workers = serializers.IntegerField(
        allow_null=True,
        help_text=_("Celery workers that answered a ping (kept 15 s); null without a broker."),
    )


class HealthView(APIView):
    """200 while this web process can serve: its database and, when jobs go to a broker, the
    broker answer. Workers are counted, not required: a site without live workers still serves
    pages (its jobs wait queued), so it stays in the load balancer's pool."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = []

    @extend_schema(
        responses={200: HealthOutput, 503: HealthOutput},
        summary="Liveness: database, job broker and workers",
    )
    def get(self, request):
        body = {"database": _database_state(), "broker": "none", "workers": None}
        if settings.CELERY_BROKER_URL:
            body["broker"], body["workers"] = _broker_state()
        healthy = body["database"] == "ok" and body["broker"] != "unreachable"
        body["status"] = "ok" if healthy else "unavailable"
        return Response(body, status=200 if healthy else 503)


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "unreachable"
    return "ok"


def _broker_state() -> tuple[str, int | None]:
    from config.celery import app  # only with a broker: make run never loads Celery

    try:
        with app.connection_for_read() as broker:
            broker.ensure_connection(max_retries=1, timeout=1)
    except Exception:
        return "unreachable", None
    key = f"health:workers:{settings.CELERY_BROKER_URL}"
    workers = cache.get(key)
    if workers is None:
        workers = len(app.control.ping(timeout=WORKERS_PING_S) or [])
        cache.set(key, workers, WORKERS_CACHE_S)
    return "ok", workers


# Exempt: it writes nothing, and a PATCH or POST to an unknown path (say a non-numeric id) must
# get this JSON 404, not the CSRF failure page that a session cookie without a token would.
@csrf_exempt
def not_found(request, *args, **kwargs) -> JsonResponse:
    """404 for unknown API paths, in the error shape; hints at a missing trailing slash."""
    detail = gettext("No such endpoint.")
    if not request.path.endswith("/"):
        try:
            resolve(request.path + "/")
            detail = gettext("No such endpoint; did you mean %(path)s/ ?") % {"path": request.path}
        except Resolver404:
            pass
    return JsonResponse(error_body(404, detail), status=404)
