"""Input and output serializers of claims across articles (annotate.claims)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotate.api.serializers import UserRef
from annotate.claims.models import Appearance, Claim, MatchDecision
from annotate.claims.selectors import ORDERINGS
from config.api.fields import IdField

MATCH_LIMIT = 50


class ClaimVerdictOutput(serializers.Serializer):
    label = serializers.CharField(source="verdict_label")
    rationale = serializers.CharField(source="verdict_rationale")
    origin = serializers.ChoiceField(choices=Claim.VerdictOrigin.choices, source="verdict_origin")
    adjudication_span = serializers.IntegerField(
        source="verdict_adjudication.span_id",
        allow_null=True,
        help_text="The span whose adjudication the verdict was taken from, if any.",
    )
    set_by = UserRef(source="verdict_set_by", allow_null=True)
    set_at = serializers.DateTimeField(source="verdict_set_at")


class FirstAppearanceOutput(serializers.Serializer):
    span = serializers.IntegerField(source="first_appearance_span_id")
    article = serializers.IntegerField(source="first_appearance_article_id")
    published_on = serializers.DateField(source="first_appearance_on", allow_null=True)


class ClaimOutput(serializers.ModelSerializer):
    """A claim as selectors.claims_for_user reads it (counts and first appearance annotated)."""

    appearance_count = serializers.IntegerField()
    first_appearance = serializers.SerializerMethodField()
    verdict = serializers.SerializerMethodField(
        help_text="The final verdict; under blind review, a reviewer sees it once they have "
        "submitted a verdict on one of the claim's appearances."
    )
    created_by = UserRef()

    class Meta:
        model = Claim
        fields = [
            "id",
            "project",
            "text",
            "claimant",
            "language",
            "appearance_count",
            "first_appearance",
            "verdict",
            "created_by",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(FirstAppearanceOutput(allow_null=True))
    def get_first_appearance(self, claim) -> dict | None:
        if claim.first_appearance_span_id is None:
            return None
        return FirstAppearanceOutput(claim).data

    @extend_schema_field(ClaimVerdictOutput(allow_null=True))
    def get_verdict(self, claim) -> dict | None:
        # Hidden from a blind reviewer until they judged an appearance (selectors).
        if not claim.has_verdict or not claim.verdict_visible:
            return None
        return ClaimVerdictOutput(claim).data


class AppearanceOutput(serializers.ModelSerializer):
    span = serializers.IntegerField(source="span_id")
    article = serializers.IntegerField(source="span.article_id")
    article_title = serializers.CharField(source="span.article.title")
    published_on = serializers.DateField(source="span.article.published_on", allow_null=True)
    quote = serializers.CharField(source="span.quote")
    linked_by = UserRef(allow_null=True)

    class Meta:
        model = Appearance
        fields = [
            "span",
            "article",
            "article_title",
            "published_on",
            "quote",
            "link_method",
            "linked_by",
            "score",
            "linked_at",
        ]


class ClaimDetailOutput(ClaimOutput):
    appearances = AppearanceOutput(many=True)

    class Meta(ClaimOutput.Meta):
        fields = [*ClaimOutput.Meta.fields, "appearances"]


class ClaimInput(serializers.Serializer):
    span = IdField(help_text="The span that founds the claim (its first appearance).")
    text = serializers.CharField(
        required=False, help_text="The canonical wording; the span's quote when absent."
    )
    claimant = serializers.CharField(max_length=200, required=False, allow_blank=True)
    language = serializers.CharField(
        max_length=35, required=False, help_text="BCP 47; the article's language when absent."
    )


class ClaimUpdateInput(serializers.Serializer):
    text = serializers.CharField(required=False)
    claimant = serializers.CharField(max_length=200, required=False, allow_blank=True)
    language = serializers.CharField(max_length=35, required=False)


class ClaimVerdictInput(serializers.Serializer):
    label = serializers.CharField(max_length=100)
    rationale = serializers.CharField(required=False, allow_blank=True, default="")
    adjudication_span = IdField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Take the verdict from this appearance's adjudication (same label).",
    )


class ClaimMergeInput(serializers.Serializer):
    merge = IdField(help_text="The claim folded into this one (and deleted).")


class AppearanceInput(serializers.Serializer):
    span = IdField()
    method = serializers.ChoiceField(
        choices=[Appearance.LinkMethod.CONFIRMED, Appearance.LinkMethod.IMPORTED],
        default=Appearance.LinkMethod.CONFIRMED,
        help_text="confirmed: a member's link (recorded as a match decision); imported: "
        "editors, from elsewhere.",
    )
    score = serializers.FloatField(min_value=0, max_value=1, required=False, allow_null=True)


class RejectInput(serializers.Serializer):
    span = IdField()
    scores = serializers.DictField(
        child=serializers.FloatField(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The scores shown with the suggestion; computed afresh when absent.",
    )


class MatchInput(serializers.Serializer):
    project = IdField()
    text = serializers.CharField(
        required=False, help_text="The passage to look up; the span's quote when a span is given."
    )
    language = serializers.CharField(
        max_length=35,
        required=False,
        help_text="BCP 47 (chooses PostgreSQL's text search configuration); the span's "
        "article's, else simple.",
    )
    span = IdField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When given, the claims returned are recorded as shown for this span.",
    )
    limit = serializers.IntegerField(min_value=1, max_value=MATCH_LIMIT, default=10)

    def validate(self, data):
        if not data.get("text") and data.get("span") is None:
            raise serializers.ValidationError({"text": [_("Give the text, or a span.")]})
        return data


class SuggestionInput(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=MATCH_LIMIT, default=10)


class StagesOutput(serializers.Serializer):
    score = serializers.FloatField(help_text="The fused score (the lexical one without vectors).")
    lexical = serializers.FloatField(help_text="The lexical stage's score, penalties applied.")
    vector = serializers.FloatField(
        required=False,
        help_text="Cosine similarity of the sentence embeddings; absent while the claim has no "
        "vector (the lexical stage alone answers).",
    )
    words = serializers.FloatField(help_text="Shared content words (Dice and overlap).")
    trigrams = serializers.FloatField(help_text="pg_trgm-style trigram similarity.")
    numbers = serializers.FloatField(help_text="1, or the penalty for disagreeing numbers.")
    negation = serializers.FloatField(help_text="1, or the penalty for a negation on one side.")
    rank = serializers.FloatField(help_text="The database's own retrieval rank (informative).")


class WhyOutput(serializers.Serializer):
    shared_words = serializers.ListField(child=serializers.CharField())
    shared_numbers = serializers.ListField(child=serializers.CharField())
    numbers_only_in_text = serializers.ListField(child=serializers.CharField())
    numbers_only_in_claim = serializers.ListField(child=serializers.CharField())
    similar_meaning = serializers.ListField(
        child=serializers.CharField(),
        help_text="The embeddings' cosine similarity, when the claim has a vector.",
    )


class CandidateOutput(serializers.Serializer):
    claim = ClaimOutput()
    score = serializers.FloatField(help_text="0..1: the project's thresholds apply to it.")
    suggested = serializers.BooleanField(help_text="At or above the suggest threshold.")
    stages = StagesOutput()
    why = WhyOutput()


class MatchOutput(serializers.Serializer):
    suggest_threshold = serializers.FloatField()
    autolink_threshold = serializers.FloatField()
    candidates = CandidateOutput(many=True)


class MatchDecisionOutput(serializers.ModelSerializer):
    decided_by = UserRef(allow_null=True)

    class Meta:
        model = MatchDecision
        fields = [
            "id",
            "span",
            "claim",
            "span_text",
            "claim_text",
            "scores",
            "decision",
            "decided_by",
            "created_at",
        ]


ORDERING_CHOICES = [(key, key) for key in ORDERINGS]


class ClaimSplitInput(serializers.Serializer):
    spans = serializers.ListField(
        child=IdField(),
        min_length=1,
        max_length=500,
        help_text="The spans whose appearances move to the new claim (not all of them).",
    )
    text = serializers.CharField(
        required=False, help_text="The new claim's canonical wording; the original's when absent."
    )
    move_verdict = serializers.BooleanField(
        default=False, help_text="The final verdict goes to the new claim (it stays by default)."
    )


class ClaimLinkInput(serializers.Serializer):
    other = IdField(help_text="A claim of another project, one you are an editor of too.")


class ClaimLinkOutput(serializers.Serializer):
    id = serializers.IntegerField(source="link.pk")
    claim = ClaimOutput(help_text="The linked claim of the other project.")
    project_name = serializers.CharField(source="claim.project.name")
    created_by = UserRef(source="link.created_by")
    created_at = serializers.DateTimeField(source="link.created_at")


class ClaimCommentInput(serializers.Serializer):
    body = serializers.CharField(help_text="Plain text (shown escaped).")


class ClaimCommentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    author = UserRef()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
