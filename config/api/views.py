"""API endpoints that belong to no app: who am I, and is the service up."""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotate import selectors
from config.api.errors import error_body


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    is_staff = serializers.BooleanField()
    projects = inline_serializer(
        "MeProject",
        {
            "id": serializers.IntegerField(),
            "slug": serializers.CharField(),
            "role": serializers.CharField(),
        },
        many=True,
    )


class MeView(APIView):
    @extend_schema(responses=MeOutput, summary="The caller and their project roles")
    def get(self, request):
        projects = selectors.projects_for_user(user=request.user)
        return Response(
            MeOutput(
                {
                    "id": request.user.pk,
                    "username": request.user.get_username(),
                    "is_staff": request.user.is_staff,
                    "projects": [{"id": p.pk, "slug": p.slug, "role": p.role} for p in projects],
                }
            ).data
        )


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
