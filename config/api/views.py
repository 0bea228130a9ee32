"""API endpoints that belong to no app: is the service up, and 404 for unknown paths."""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.errors import error_body


class HealthOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "unavailable"])
    database = serializers.ChoiceField(choices=["ok", "unreachable"])


class HealthView(APIView):
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = []

    @extend_schema(
        responses={200: HealthOutput, 503: HealthOutput}, summary="Liveness and database check"
    )
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            return Response({"status": "unavailable", "database": "unreachable"}, status=503)
        return Response({"status": "ok", "database": "ok"})


def not_found(request, *args, **kwargs) -> JsonResponse:
    """404 for unknown API paths, in the error shape; hints at a missing trailing slash."""
    detail = "No such endpoint."
    if not request.path.endswith("/"):
        try:
            resolve(request.path + "/")
            detail = f"No such endpoint; did you mean {request.path}/ ?"
        except Resolver404:
            pass
    return JsonResponse(error_body(404, detail), status=404)
