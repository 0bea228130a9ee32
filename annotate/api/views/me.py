"""GET /api/v1/me/: the caller and their role in each of their projects."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotate.projects import selectors as project_selectors


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
        projects = project_selectors.projects_for_user(user=request.user)
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
