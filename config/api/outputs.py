"""Output serializers that render rows in one pass of plain getters.

DRF's generic `to_representation` deep-copies every field per serializer instance and walks
`get_attribute`/`to_representation` per field and row; on the hot API paths (span lists, span
detail with verdicts and sources) that was a third of a request's time. `CompiledOutput` reads
the same declared fields once per class and turns each into a direct getter with the same
result; fields it does not know fall back to DRF's own path. The declared fields stay the single
source of truth for the schema, and tests compare both renderings field by field.
"""

from collections.abc import Callable
from typing import Any, ClassVar

from django.db.models.manager import BaseManager
from django.utils import timezone
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers
from rest_framework.settings import api_settings

# A getter takes the serializer rendering (for SerializerMethodField) and the instance.
Getter = Callable[[Any, Any], Any]

# Fields whose to_representation returns what the database already gives for these columns.
_AS_STORED = (
    drf_fields.BooleanField,
    drf_fields.ChoiceField,
    drf_fields.FloatField,
    drf_fields.IntegerField,
    drf_fields.JSONField,
    drf_fields.ReadOnlyField,
)


def iso_datetime(value) -> str | None:
    """DRF's DateTimeField output: ISO 8601 in the current time zone, UTC written as Z."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _iso_date(value) -> str | None:
    return None if value is None else value.isoformat()


def _getter(serializer: serializers.Serializer, field: drf_fields.Field) -> Getter:
    if isinstance(field, serializers.SerializerMethodField):
        method_name = field.method_name
        return lambda rendering, instance: getattr(rendering, method_name)(instance)
    if len(field.source_attrs) != 1:
        return _generic(field)
    source = field.source_attrs[0]
    if isinstance(field, serializers.ListSerializer) and isinstance(field.child, CompiledOutput):
        child = field.child.compiled()

        def get_many(rendering, instance):
            rows = getattr(instance, source)
            if isinstance(rows, BaseManager):  # a related manager: its prefetched rows
                rows = rows.all()
            return [child.render(row) for row in rows]

        return get_many
    if isinstance(field, CompiledOutput):
        child = field.compiled()

        def get_one(rendering, instance):
            value = getattr(instance, source)
            return None if value is None else child.render(value)

        return get_one
    if isinstance(field, relations.PrimaryKeyRelatedField):
        # The key itself, without loading the related row (as DRF's pk-only optimisation).
        attname = serializer.Meta.model._meta.get_field(source).attname
        return lambda rendering, instance: getattr(instance, attname)
    if isinstance(field, drf_fields.DateTimeField) and _iso(field):
        return lambda rendering, instance: iso_datetime(getattr(instance, source))
    if isinstance(field, drf_fields.DateField) and _iso(field):
        return lambda rendering, instance: _iso_date(getattr(instance, source))
    if isinstance(field, drf_fields.CharField) or type(field) in _AS_STORED:
        return lambda rendering, instance: getattr(instance, source)
    return _generic(field)


def _iso(field: drf_fields.Field) -> bool:
    given = getattr(field, "format", drf_fields.empty)
    if given is drf_fields.empty:
        given = (
            api_settings.DATETIME_FORMAT
            if isinstance(field, drf_fields.DateTimeField)
            else api_settings.DATE_FORMAT
        )
    return given == "iso-8601"


def _generic(field: drf_fields.Field) -> Getter:
    def get(rendering, instance):
        attribute = field.get_attribute(instance)
        return None if attribute is None else field.to_representation(attribute)

    return get


class CompiledOutput(serializers.Serializer):
    """Mix into an output serializer: same fields, same JSON, rendered by compiled getters.

    The getters are built once per class. Nested CompiledOutput serializers render through a
    context-free instance of their class, so their method fields must not read self.context.
    Related rows must be loaded (select_related/prefetch_related) by the selector.
    """

    _getters_by_class: ClassVar[dict[type, list[tuple[str, Getter]]]] = {}
    _compiled_by_class: ClassVar[dict[type, "CompiledOutput"]] = {}

    @classmethod
    def compiled(cls) -> "CompiledOutput":
        """A context-free instance of this class, used to render nested rows."""
        instance = CompiledOutput._compiled_by_class.get(cls)
        if instance is None:
            instance = CompiledOutput._compiled_by_class[cls] = cls()
        return instance

    def render(self, instance) -> dict:
        cls = type(self)
        getters = CompiledOutput._getters_by_class.get(cls)
        if getters is None:
            prototype = cls.compiled()
            getters = CompiledOutput._getters_by_class[cls] = [
                (name, _getter(prototype, field))
                for name, field in prototype.fields.items()
                if not field.write_only
            ]
        return {name: get(self, instance) for name, get in getters}

    def to_representation(self, instance) -> dict:
        return self.render(instance)

    def generic_representation(self, instance) -> dict:
        """DRF's own rendering of the same fields, for comparison in tests."""
        return super().to_representation(instance)
