"""Input serializers validate shapes; output serializers render rows already loaded."""

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from annotate.access import Capabilities
from annotate.models import (
    Adjudication,
    Comment,
    Membership,
    Prediction,
    Project,
    Source,
    Span,
    Verdict,
)
from annotate.review.status import SpanStatus
from config.api.fields import IdField
from config.api.outputs import CompiledOutput


class UserRef(CompiledOutput, serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class ScaleEntry(serializers.Serializer):
    label = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    needs_sources = serializers.BooleanField()


class CapabilitiesOutput(serializers.Serializer):
    """What the caller may do in the project (annotate.access.Capabilities), so that clients,
    like the pages, read abilities instead of comparing role names."""

    may_read = serializers.BooleanField()
    may_write = serializers.BooleanField(help_text="Highlight claims, record verdicts, comment.")
    may_adjudicate = serializers.BooleanField()
    may_delete_span = serializers.BooleanField(
        help_text="Delete spans: a reviewer their own, until a verdict on it is submitted."
    )
    may_delete_any_span = serializers.BooleanField()
    may_see_verdicts = serializers.BooleanField(
        help_text="See others' submitted verdicts without submitting one's own first."
    )
    may_see_orphaned = serializers.BooleanField()
    may_see_skips = serializers.BooleanField()
    may_see_contested = serializers.BooleanField()
    may_see_history = serializers.BooleanField()
    may_see_quality = serializers.BooleanField()
    may_manage_members = serializers.BooleanField()
    may_edit_claims = serializers.BooleanField(
        help_text="Edit, merge and delete claims across articles, set their final verdicts."
    )
    may_manage_articles = serializers.BooleanField()
    may_export = serializers.BooleanField()
    may_export_real_names = serializers.BooleanField()
    may_manage_webhooks = serializers.BooleanField()
    is_blind_for_me = serializers.BooleanField(
        help_text="Blind review applies: others' verdicts show once the caller submitted theirs."
    )


class ProjectOutput(serializers.ModelSerializer):
    scale = ScaleEntry(many=True)
    role = serializers.CharField(help_text="The caller's role in the project.")
    capabilities = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "scale_preset",
            "scale",
            "scale_is_ordinal",
            "reviews_per_claim",
            "blind_review",
            "sources_required",
            "fever_mapping",
            "role",
            "capabilities",
            "created_at",
        ]

    @extend_schema_field(CapabilitiesOutput)
    def get_capabilities(self, project: Project) -> dict[str, bool]:
        # From the role the selector read with the project: no query.
        return Capabilities.of(project.role, blind_review=project.blind_review).as_dict()


class ProgressOutput(serializers.Serializer):
    spans = serializers.IntegerField()
    agreed = serializers.IntegerField()
    contested = serializers.IntegerField()
    adjudicated = serializers.IntegerField()
    verdicts_submitted = serializers.IntegerField()
    verdicts_wanted = serializers.IntegerField()


class ProjectDetailOutput(ProjectOutput):
    progress = ProgressOutput()

    class Meta(ProjectOutput.Meta):
        fields = [*ProjectOutput.Meta.fields, "progress"]


class ProjectInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    scale_preset = serializers.CharField(required=False, default="plain")
    scale = ScaleEntry(many=True, required=False)
    scale_is_ordinal = serializers.BooleanField(required=False, allow_null=True, default=None)
    reviews_per_claim = serializers.IntegerField(min_value=1, max_value=20, default=2)
    blind_review = serializers.BooleanField(default=True)
    sources_required = serializers.BooleanField(default=True)


class MembershipOutput(serializers.ModelSerializer):
    user = UserRef()

    class Meta:
        model = Membership
        fields = ["user", "role", "created_at"]


class MembershipInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class RoleInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class ProjectArticlesInput(serializers.Serializer):
    articles = serializers.ListField(child=IdField(), min_length=1, max_length=10_000)


class SourceOutput(CompiledOutput, serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "position", "url", "title", "excerpt", "stance", "accessed_on"]


class SourceInput(serializers.Serializer):
    # Shapes only: the service validates URLs (http/https) and reports by field.
    url = serializers.CharField(max_length=2000)
    title = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    excerpt = serializers.CharField(required=False, allow_blank=True, default="")
    stance = serializers.ChoiceField(choices=Source.Stance.choices, default=Source.Stance.CONTEXT)
    accessed_on = serializers.DateField(required=False, allow_null=True, default=None)


class VerdictOutput(CompiledOutput, serializers.ModelSerializer):
    reviewer = UserRef()
    sources = SourceOutput(many=True)

    class Meta:
        model = Verdict
        fields = [
            "id",
            "span",
            "reviewer",
            "label",
            "rationale",
            "confidence",
            "status",
            "version",
            "created_at",
            "updated_at",
            "submitted_at",
            "sources",
        ]


class VerdictInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Verdict.Status.choices)
    version = serializers.IntegerField(
        min_value=0, help_text="The version you last saw; 0 when you have no verdict yet."
    )
    label = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    rationale = serializers.CharField(required=False, allow_blank=True, default="")
    confidence = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    sources = SourceInput(many=True, required=False, help_text="Replaces all sources when given.")


class VerdictCreateInput(VerdictInput):
    span = IdField()


class VersionInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=0)


class CommentOutput(CompiledOutput, serializers.ModelSerializer):
    author = UserRef()

    class Meta:
        model = Comment
        fields = ["id", "span", "parent", "author", "body", "created_at"]


class CommentInput(serializers.Serializer):
    body = serializers.CharField()  # its length limit is the service's (annotate.limits)
    parent = IdField(required=False, allow_null=True, default=None)


class AdjudicationOutput(CompiledOutput, serializers.ModelSerializer):
    editor = UserRef()
    considered_verdicts = serializers.SerializerMethodField()

    class Meta:
        model = Adjudication
        fields = ["label", "rationale", "editor", "considered_verdicts", "decided_at", "updated_at"]

    def get_considered_verdicts(self, adjudication) -> list[int]:
        # prefetched by span_for_user with the caller's blind-review rule
        return [verdict.pk for verdict in adjudication.considered_verdicts.all()]


class AdjudicationInput(serializers.Serializer):
    label = serializers.CharField(max_length=100)
    rationale = serializers.CharField(required=False, allow_blank=True, default="")
    considered_verdicts = serializers.ListField(
        child=IdField(), required=False, allow_null=True, default=None
    )


class SpanOutput(CompiledOutput, serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=SpanStatus.choices)
    verdict_count = serializers.IntegerField(
        help_text="Verdicts, drafts included; under blind review, until you submitted on this "
        "span, only yours."
    )
    submitted_count = serializers.IntegerField(
        help_text="Submitted verdicts; under blind review, until you submitted on this span, 0."
    )
    created_by = UserRef()

    class Meta:
        model = Span
        fields = [
            "id",
            "project",
            "article",
            "start",
            "end",
            "quote",
            "prefix",
            "suffix",
            "claimant",
            "note",
            "orphaned",
            "anchor_errors",
            "status",
            "verdict_count",
            "submitted_count",
            "created_by",
            "created_at",
        ]


class SpanDetailOutput(SpanOutput):
    verdicts = VerdictOutput(many=True, source="visible_verdicts")
    comments = CommentOutput(many=True)
    adjudication = serializers.SerializerMethodField()

    class Meta(SpanOutput.Meta):
        fields = [*SpanOutput.Meta.fields, "verdicts", "comments", "adjudication"]

    @extend_schema_field(AdjudicationOutput(allow_null=True))
    def get_adjudication(self, span) -> dict | None:
        adjudication = getattr(span, "adjudication", None)
        return AdjudicationOutput.compiled().render(adjudication) if adjudication else None


class SpanInput(serializers.Serializer):
    project = IdField()
    article = IdField()
    start = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    end = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    quote = serializers.CharField(
        required=False, allow_null=True, default=None, trim_whitespace=False
    )
    occurrence = serializers.IntegerField(min_value=1, default=1)
    claimant = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SpanUpdateInput(serializers.Serializer):
    """What PATCH may change: the boundaries (the claim's creator, before any submitted verdict)
    or the claimant and note (editors); an absent field stays as it is."""

    start = serializers.IntegerField(min_value=0, required=False)
    end = serializers.IntegerField(min_value=0, required=False)
    claimant = serializers.CharField(max_length=200, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)


class PredictionOutput(serializers.ModelSerializer):
    # The model's property over its own columns: open, accepted (accepted_span) or rejected.
    decision = serializers.ChoiceField(choices=Prediction.Decision.choices, read_only=True)

    class Meta:
        model = Prediction
        fields = [
            "id",
            "project",
            "article",
            "start",
            "end",
            "quote",
            "label",
            "model_name",
            "score",
            "decision",
            "accepted_span",
            "rejected_at",
            "rejected_by",
            "created_at",
        ]


class PredictionInput(serializers.Serializer):
    article = IdField()
    model_name = serializers.CharField(max_length=200)
    start = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    end = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    quote = serializers.CharField(
        required=False, allow_null=True, default=None, trim_whitespace=False
    )
    occurrence = serializers.IntegerField(min_value=1, default=1)
    label = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    score = serializers.FloatField(
        min_value=0, max_value=1, required=False, allow_null=True, default=None
    )


class QueueOutput(serializers.Serializer):
    progress = serializers.DictField(child=serializers.IntegerField())
    spans = SpanOutput(many=True)


def page_of(item: type[serializers.Serializer], name: str) -> serializers.Serializer:
    """The schema of a page-number page of `item`s, for actions that paginate by hand."""
    return inline_serializer(
        name,
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )
