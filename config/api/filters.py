"""Viewsets whose selector applies the query filters (they interact with visibility rules)."""

from rest_framework import serializers


class SelectorFiltered:
    """Mix into a viewset with a `filterset_class`: the filterset validates and documents the
    query parameters (drf-spectacular reads it), `query_filters()` hands the cleaned values to
    the selector in get_queryset, and the filter backend does not run the filterset again."""

    def query_filters(self) -> dict:
        params = self.filterset_class(self.request.query_params, queryset=self.queryset)
        if not params.is_valid():
            raise serializers.ValidationError(params.errors)
        return params.form.cleaned_data

    def filter_queryset(self, queryset):
        return queryset
