"""GET /api/v1/projects/{id}/agreement/: the quality page's figures as JSON (editors only), and
POST .../agreement/recompute/: the same figures recomputed by a background job.

A figure the data cannot support renders as `{"value": null, "reason": "..."}`, never NaN.
The output serializers render `annotate.quality.ProjectAgreement` as it is; the
`agreement_report` command prints the same JSON.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotate.access import Need, access_project
from annotate.api.jobs import JobOutput
from annotate.jobs.links import job_api_url
from annotate.quality import (
    MAX_ID,
    AgreementFilters,
    alpha_reading,
)
from annotate.quality.jobs import agreement_job_start, agreement_job_wanted
from annotate.quality.selectors import agreement_cached, agreement_recompute
from annotate.quality.statistics import FleissKappa, NotComputable, SpanScores


class FigureOutput(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text="null when not computable")
    reason = serializers.CharField(
        allow_null=True, help_text="Why the figure is not computable; null when it is."
    )


@extend_schema_field(FigureOutput)
class FigureField(serializers.Field):
    """A number, or NotComputable as `{"value": null, "reason": ...}`."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        if isinstance(value, NotComputable):
            return {"value": None, "reason": value.reason}
        return {"value": float(value), "reason": None}


class FleissOutput(FigureOutput):
    p_bar = serializers.FloatField(allow_null=True, help_text="Mean observed agreement P̄.")
    p_e_bar = serializers.FloatField(allow_null=True, help_text="Chance agreement P̄e.")
    k = serializers.IntegerField(help_text="Verdicts per claim (the project's reviews per claim).")
    spans = serializers.IntegerField(help_text="Claims with exactly k submitted verdicts.")


class SpanScoresOutput(FigureOutput):
    """`value` is F1; B's spans against A's: precision = matched/|B|, recall = matched/|A|."""

    precision = serializers.FloatField(allow_null=True)
    recall = serializers.FloatField(allow_null=True)
    matched = serializers.IntegerField(allow_null=True)
    n_a = serializers.IntegerField(allow_null=True)
    n_b = serializers.IntegerField(allow_null=True)


@extend_schema_field(SpanScoresOutput)
class SpanScoresField(FigureField):
    def to_representation(self, value):
        if isinstance(value, NotComputable):
            empty = dict.fromkeys(("precision", "recall", "matched", "n_a", "n_b"))
            return {"value": None, "reason": value.reason, **empty}
        scores: SpanScores = value
        return {
            "value": scores.f1,
            "reason": None,
            "precision": scores.precision,
            "recall": scores.recall,
            "matched": scores.matched,
            "n_a": scores.n_a,
            "n_b": scores.n_b,
        }


class DayCount(serializers.Serializer):
    date = serializers.DateField()
    verdicts = serializers.IntegerField()


def _days(days) -> list[dict]:
    return [{"date": day, "verdicts": count} for day, count in days]


class ReviewerOutput(serializers.Serializer):
    id = serializers.IntegerField(source="reviewer_id")
    username = serializers.CharField()
    verdicts = serializers.IntegerField(help_text="Submitted verdicts.")
    compared_pairs = serializers.IntegerField(
        help_text="Pairs (this reviewer, another reviewer) on a claim both judged."
    )
    agreement_with_others = FigureField(help_text="Share of those pairs with the same label.")
    adjudicated = serializers.IntegerField(help_text="Verdicts on adjudicated claims.")
    agreement_with_adjudication = FigureField(
        help_text="Share of those verdicts matching the adjudicated label."
    )
    confusion_with_adjudication = serializers.ListField(
        source="confusion",
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="counts[adjudicated label][reviewer's label], both in `labels` order.",
    )
    label_counts = serializers.ListField(
        child=serializers.IntegerField(), help_text="Verdicts per label, in `labels` order."
    )
    per_day = serializers.SerializerMethodField()

    @extend_schema_field(DayCount(many=True))
    def get_per_day(self, reviewer) -> list[dict]:
        return DayCount(_days(reviewer.per_day), many=True).data


class PairOutput(serializers.Serializer):
    reviewer_a = serializers.IntegerField()
    reviewer_b = serializers.IntegerField()
    shared_spans = serializers.IntegerField()
    percent_agreement = FigureField()
    kappa = FigureField(help_text="Cohen's kappa over the claims both judged.")


class LabelOutput(serializers.Serializer):
    label = serializers.CharField()
    on_scale = serializers.BooleanField(help_text="False for labels the scale no longer has.")
    verdicts = serializers.IntegerField()
    share = FigureField()
    specific_agreement = FigureField(
        help_text="Of the pairable verdicts with this label, the share whose partners agree."
    )


class LabelCount(serializers.Serializer):
    label = serializers.CharField()
    verdicts = serializers.IntegerField()


class ContestedOutput(serializers.Serializer):
    span = serializers.IntegerField(source="span_id")
    article = serializers.IntegerField(source="article_id")
    article_title = serializers.CharField()
    quote = serializers.CharField()
    verdicts = serializers.IntegerField()
    distinct_labels = serializers.IntegerField()
    entropy_bits = serializers.FloatField()
    label_counts = serializers.SerializerMethodField()
    adjudicated_label = serializers.CharField(help_text="Empty while not adjudicated.")
    reader_url = serializers.SerializerMethodField()

    @extend_schema_field(LabelCount(many=True))
    def get_label_counts(self, span) -> list[dict]:
        return [{"label": label, "verdicts": count} for label, count in span.label_counts]

    def get_reader_url(self, span) -> str:
        project_id = self.context["project_id"]
        reader = reverse("annotate:reader", args=[project_id, span.article_id])
        return f"{reader}?span={span.span_id}#panel"


class MarkerPairOutput(serializers.Serializer):
    marker_a = serializers.IntegerField()
    marker_b = serializers.IntegerField()
    articles = serializers.IntegerField(help_text="Articles both marked spans on.")
    exact = SpanScoresField()
    overlap = SpanScoresField()


class ArticleMarkingOutput(serializers.Serializer):
    article = serializers.IntegerField(source="article_id")
    title = serializers.CharField()
    markers = serializers.IntegerField(help_text="Reviewers who marked spans on the article.")
    exact = SpanScoresField()
    overlap = SpanScoresField()


class UserName(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class SpanMarkingOutput(serializers.Serializer):
    exact = SpanScoresField(help_text="Equal start and end, pooled over pairs and articles.")
    overlap = SpanScoresField(help_text="Character Jaccard >= 0.5, one-to-one, pooled.")
    markers = serializers.SerializerMethodField()
    pairs = MarkerPairOutput(many=True)
    articles = ArticleMarkingOutput(many=True)

    @extend_schema_field(UserName(many=True))
    def get_markers(self, marking) -> list[dict]:
        return [{"id": pk, "username": name} for pk, name in marking.markers.items()]


class FiltersOutput(serializers.Serializer):
    articles = serializers.ListField(child=serializers.IntegerField())
    submitted_from = serializers.DateField(allow_null=True)
    submitted_to = serializers.DateField(allow_null=True)


class AgreementOutput(serializers.Serializer):
    project = serializers.IntegerField(source="project_id")
    filters = FiltersOutput()
    computed_at = serializers.DateTimeField()
    labels = serializers.ListField(
        child=serializers.CharField(), help_text="The scale's labels in order, then any others."
    )
    ordinal = serializers.BooleanField(help_text="Whether the scale is ordinal.")
    verdicts = serializers.IntegerField(help_text="Submitted verdicts counted.")
    spans = serializers.IntegerField(help_text="Claims with at least one submitted verdict.")
    pairable_spans = serializers.IntegerField(help_text="Claims with two verdicts or more.")
    alpha_nominal = FigureField(help_text="Krippendorff's alpha, nominal.")
    alpha_ordinal = FigureField(
        allow_null=True, help_text="Krippendorff's alpha, ordinal; null when the scale is nominal."
    )
    alpha_reading = serializers.SerializerMethodField()
    percent_agreement = FigureField(help_text="Agreeing share of pairs of verdicts on a claim.")
    fleiss = serializers.SerializerMethodField()
    reviewers = ReviewerOutput(many=True)
    kappa_matrix = serializers.ListField(
        child=serializers.ListField(child=FigureField()),
        help_text="Cohen's kappa between reviewers, in `reviewers` order; 1 on the diagonal.",
    )
    pairs = PairOutput(many=True)
    label_figures = LabelOutput(many=True)
    per_day = serializers.SerializerMethodField()
    contested = serializers.SerializerMethodField()
    span_marking = SpanMarkingOutput()

    def get_alpha_reading(self, report) -> str:
        """Krippendorff's guideline for the headline alpha (ordinal on an ordinal scale)."""
        return alpha_reading(report.alpha)

    @extend_schema_field(FleissOutput)
    def get_fleiss(self, report) -> dict:
        figure: FleissKappa | NotComputable = report.fleiss
        given = {"k": report.fleiss_k, "spans": report.fleiss_spans}
        if isinstance(figure, NotComputable):
            return {"value": None, "reason": figure.reason, "p_bar": None, "p_e_bar": None, **given}
        return {
            "value": figure.kappa,
            "reason": None,
            "p_bar": figure.p_bar,
            "p_e_bar": figure.p_e_bar,
            **given,
        }

    @extend_schema_field(DayCount(many=True))
    def get_per_day(self, report) -> list[dict]:
        return DayCount(_days(report.per_day), many=True).data

    @extend_schema_field(ContestedOutput(many=True))
    def get_contested(self, report) -> list[dict]:
        return ContestedOutput(
            report.contested, many=True, context={"project_id": report.project_id}
        ).data


def agreement_json(report) -> dict:
    """The report as the API renders it (also the command's --format json)."""
    return AgreementOutput(report).data


class AgreementQuery(serializers.Serializer):
    article = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        help_text="Only these articles (repeat the parameter for several).",
    )
    submitted_from = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Verdicts submitted on or after."
    )
    submitted_to = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Verdicts submitted on or before."
    )

    def validate(self, attrs):
        start, end = attrs.get("submitted_from"), attrs.get("submitted_to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"submitted_to": [_("The end date is before the start date.")]}
            )
        return attrs

    def filters(self) -> AgreementFilters:
        data = self.validated_data
        return AgreementFilters(
            articles=tuple(sorted(set(data["article"]))),
            submitted_from=data.get("submitted_from"),
            submitted_to=data.get("submitted_to"),
        )


class AgreementView(APIView):
    @extend_schema(
        parameters=[AgreementQuery],
        responses={200: AgreementOutput, 202: JobOutput},
        summary="Agreement between the project's reviewers (editors)",
        description="Krippendorff's alpha, Fleiss' and Cohen's kappa, percent agreement, per "
        "reviewer and per label figures, progress per day, the most contested claims and span "
        "marking F1, from submitted verdicts. A figure the data cannot support is "
        '`{"value": null, "reason": "..."}`.\n\nFigures not cached of a project with more than '
        "the server's AGREEMENT_JOB_VERDICTS submitted verdicts are computed by a background "
        "job: 202 with the job (Location: its URL); ask again once it is done.",
    )
    def get(self, request, pk: int):
        project = access_project(request.user, pk, need=Need.SEE_QUALITY)
        given = AgreementQuery(data=request.query_params)
        given.is_valid(raise_exception=True)
        filters = given.filters()
        report = agreement_cached(project, filters)
        if report is None and agreement_job_wanted(project=project):
            return _job_response(
                request, agreement_job_start(project=project, actor=request.user, filters=filters)
            )
        return Response(agreement_json(report or agreement_recompute(project, filters)))


class AgreementRecomputeView(APIView):
    @extend_schema(
        parameters=[AgreementQuery],
        request=None,
        responses={202: JobOutput},
        summary="Recompute the agreement figures in a background job (editors)",
        description="Starts a job computing the figures of these filters and caching them for "
        "GET .../agreement/ (or answers the one already queued or running for them): 202 with "
        "the job (Location: its URL).",
    )
    def post(self, request, pk: int):
        project = access_project(request.user, pk, need=Need.SEE_QUALITY)
        given = AgreementQuery(data=request.query_params)
        given.is_valid(raise_exception=True)
        job = agreement_job_start(project=project, actor=request.user, filters=given.filters())
        return _job_response(request, job)


def _job_response(request, job) -> Response:
    return Response(
        JobOutput(job, context={"request": request}).data,
        status=202,
        headers={"Location": job_api_url(job, request)},
    )
