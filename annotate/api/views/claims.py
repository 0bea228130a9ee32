"""Claims across articles: CRUD, appearances (link, unlink), final verdicts, merges, splits,
links to claims of other projects, comments, and the
"has this been checked?" match with confirm/reject of suggestions. Views parse, call a service
or a selector, and render; access_* decide 404 (may not know it exists) and 403 (may not do)."""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from annotate.access import Need, access_claim, access_project, access_span
from annotate.api import claim_serializers as io
from annotate.claims import selectors, services
from annotate.claims.matching import Candidate, claim_candidates
from annotate.errors import NotFound
from annotate.models import Adjudication, Claim, Project, Span
from config.api.fields import IdFilter
from config.api.filters import SelectorFiltered
from corpus.models import Article
from corpus.search import SEARCH_MAX_CHARS


class ClaimFilter(django_filters.FilterSet):
    project = IdFilter()
    q = django_filters.CharFilter(
        max_length=SEARCH_MAX_CHARS,
        label="Full-text search in the text and the claimant, accents ignored, best match first "
        'unless `ordering` is given: words, "a phrase", or, -word',
    )
    ordering = django_filters.ChoiceFilter(
        choices=io.ORDERING_CHOICES,
        label="appearances / -appearances (number of appearances), created / -created",
    )

    class Meta:
        model = Claim
        fields = ["project", "q", "ordering"]


def _field_error(field: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: [message]})


def _span_in_body(user, span_id: int, *, need: Need) -> Span:
    """A span named in a request body: one the caller may not see is a field error (400)."""
    try:
        return access_span(user, span_id, need=need, detail=False)
    except NotFound:
        raise _field_error("span", _("No such span.")) from None


def _project_in_body(user, project_id: int) -> Project:
    try:
        return access_project(user, project_id, need=Need.READ)
    except NotFound:
        raise _field_error("project", _("No such project.")) from None


def candidates_output(user, project: Project, candidates: list[Candidate]) -> dict:
    """The candidates with their claims as the list shows them (counts, verdict): one query."""
    claims = selectors.claims_for_user(user=user).in_bulk([c.claim.pk for c in candidates])
    rendered = [
        {
            "claim": io.ClaimOutput(claims[c.claim.pk]).data,
            "score": c.score,
            "suggested": c.score >= project.match_suggest_threshold,
            "stages": c.stages,
            "why": c.why,
        }
        for c in candidates
        if c.claim.pk in claims
    ]
    return {
        "suggest_threshold": project.match_suggest_threshold,
        "autolink_threshold": project.match_autolink_threshold,
        "candidates": rendered,
    }


@extend_schema_view(
    list=extend_schema(summary="Claims of the caller's projects"),
    retrieve=extend_schema(summary="A claim with its appearances and final verdict"),
)
class ClaimViewSet(
    SelectorFiltered,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Claim.objects.none()
    lookup_value_regex = r"\d+"
    filterset_class = ClaimFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        given = self.query_filters()
        return selectors.claims_for_user(
            user=self.request.user,
            project_id=given.get("project"),
            q=given.get("q") or None,
            ordering=given.get("ordering") or None,
        )

    def get_serializer_class(self):
        return io.ClaimOutput if self.action == "list" else io.ClaimDetailOutput

    def get_object(self, need: Need = Need.READ) -> Claim:
        return access_claim(self.request.user, self.kwargs["pk"], need=need)

    def _detail(self, claim: Claim, code: int = status.HTTP_200_OK) -> Response:
        claim = selectors.claim_detail(claim=claim, user=self.request.user)
        return Response(io.ClaimDetailOutput(claim).data, status=code)

    def retrieve(self, request, pk=None):
        return self._detail(self.get_object())

    @extend_schema(request=io.ClaimInput, responses={201: io.ClaimDetailOutput})
    def create(self, request):
        """Found a claim on a span (reviewers and editors): the span becomes its first
        appearance; text, claimant and language default to the span's."""
        given = io.ClaimInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        span = _span_in_body(request.user, data.pop("span"), need=Need.WRITE)
        claim = services.claim_create(actor=request.user, span=span, **data)
        claim.project = span.project  # with the caller's role remembered
        return self._detail(claim, status.HTTP_201_CREATED)

    @extend_schema(request=io.ClaimUpdateInput, responses=io.ClaimDetailOutput)
    def partial_update(self, request, pk=None):
        """Edit the canonical text, claimant or language (editors)."""
        claim = self.get_object(Need.EDIT_CLAIMS)
        given = io.ClaimUpdateInput(data=request.data)
        given.is_valid(raise_exception=True)
        services.claim_update(actor=request.user, claim=claim, **given.validated_data)
        return self._detail(claim)

    def destroy(self, request, pk=None):
        """Delete a claim (editors); its spans stay, unlinked."""
        services.claim_delete(actor=request.user, claim=self.get_object(Need.EDIT_CLAIMS))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=io.ClaimVerdictInput, responses=io.ClaimDetailOutput)
    @action(detail=True, methods=["put"])
    def verdict(self, request, pk=None):
        """Set the claim's final verdict (editors): a label of the scale, or an appearance's
        adjudication."""
        claim = self.get_object(Need.EDIT_CLAIMS)
        given = io.ClaimVerdictInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        adjudication = None
        if (span_id := data.pop("adjudication_span")) is not None:
            adjudication = Adjudication.objects.filter(
                span_id=span_id, span__project_id=claim.project_id
            ).first()
            if adjudication is None:
                raise _field_error("adjudication_span", _("No adjudication on such a span here."))
        services.claim_verdict_set(
            actor=request.user, claim=claim, adjudication=adjudication, **data
        )
        return self._detail(claim)

    @extend_schema(request=io.ClaimMergeInput, responses=io.ClaimDetailOutput)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """Fold another claim of the project into this one (editors)."""
        keep = self.get_object(Need.EDIT_CLAIMS)
        given = io.ClaimMergeInput(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            merge = access_claim(request.user, given.validated_data["merge"], need=Need.READ)
        except NotFound:
            raise _field_error("merge", _("No such claim.")) from None
        services.claims_merge(actor=request.user, keep=keep, merge=merge)
        return self._detail(keep)

    @extend_schema(request=io.ClaimSplitInput, responses={201: io.ClaimDetailOutput})
    @action(detail=True, methods=["post"])
    def split(self, request, pk=None):
        """Move chosen appearances of this claim to a new claim (editors); answers the new
        claim. The final verdict stays here unless `move_verdict`."""
        claim = self.get_object(Need.EDIT_CLAIMS)
        given = io.ClaimSplitInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        new = services.claim_split(
            actor=request.user, claim=claim, span_ids=data.pop("spans"), **data
        )
        new.project = claim.project  # with the caller's role remembered
        return self._detail(new, status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], request=None, responses=io.ClaimLinkOutput(many=True))
    @extend_schema(methods=["POST"], request=io.ClaimLinkInput, responses={201: io.ClaimLinkOutput})
    @action(detail=True, methods=["get", "post"])
    def links(self, request, pk=None):
        """GET: the claims of other projects linked to this one as the same statement, those
        of your projects only (paginated). POST: link one (an editor of both projects)."""
        if request.method == "GET":
            claim = self.get_object()
            page = self.paginate_queryset(selectors.linked_claims(claim=claim, user=request.user))
            return self.get_paginated_response(io.ClaimLinkOutput(page, many=True).data)
        claim = self.get_object(Need.EDIT_CLAIMS)
        given = io.ClaimLinkInput(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            other = access_claim(request.user, given.validated_data["other"], need=Need.READ)
        except NotFound:
            raise _field_error("other", _("No such claim.")) from None
        link = services.claim_link_create(actor=request.user, claim=claim, other=other)
        (linked,) = [
            entry
            for entry in selectors.linked_claims(claim=claim, user=request.user)
            if entry.link.pk == link.pk
        ]
        return Response(io.ClaimLinkOutput(linked).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"links/(?P<link_id>\d+)",
        url_name="link",
    )
    def link(self, request, pk=None, link_id=None):
        """Undo a link (an editor of either project)."""
        claim = self.get_object(Need.EDIT_CLAIMS)
        link = selectors.link_of_claim(claim=claim, link_id=link_id)
        if link is None:
            raise NotFound(_("No such link of this claim."))
        services.claim_link_delete(actor=request.user, link=link)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], request=None, responses=io.ClaimCommentOutput(many=True))
    @extend_schema(
        methods=["POST"], request=io.ClaimCommentInput, responses={201: io.ClaimCommentOutput}
    )
    @action(detail=True, methods=["get", "post"])
    def comments(self, request, pk=None):
        """GET: the claim's comments, oldest first (paginated). POST: add one (reviewers and
        editors)."""
        if request.method == "GET":
            comments = selectors.claim_comments(claim=self.get_object())
            page = self.paginate_queryset(comments)
            return self.get_paginated_response(io.ClaimCommentOutput(page, many=True).data)
        claim = self.get_object(Need.WRITE)
        given = io.ClaimCommentInput(data=request.data)
        given.is_valid(raise_exception=True)
        comment = services.claim_comment_add(
            actor=request.user, claim=claim, **given.validated_data
        )
        return Response(io.ClaimCommentOutput(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=io.AppearanceInput, responses={201: io.ClaimDetailOutput})
    @action(detail=True, methods=["post"])
    def appearances(self, request, pk=None):
        """Link a span of the project to the claim (confirm a suggestion): reviewers and
        editors. A span already linked is refused: unlink it first."""
        claim = self.get_object(Need.WRITE)
        given = io.AppearanceInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        span = _span_in_body(request.user, data.pop("span"), need=Need.WRITE)
        services.appearance_link(actor=request.user, span=span, claim=claim, **data)
        return self._detail(claim, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"appearances/(?P<span_id>\d+)",
        url_name="appearance",
    )
    def appearance(self, request, pk=None, span_id=None):
        """Unlink a span from the claim: editors any, reviewers the links they made."""
        claim = self.get_object(Need.WRITE)
        span = access_span(request.user, span_id, need=Need.WRITE, detail=False)
        services.appearance_unlink(actor=request.user, span=span, claim=claim)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=io.RejectInput, responses={201: io.MatchDecisionOutput})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Say a suggested claim is not what the span states (reviewers and editors)."""
        claim = self.get_object(Need.WRITE)
        given = io.RejectInput(data=request.data)
        given.is_valid(raise_exception=True)
        span = _span_in_body(request.user, given.validated_data["span"], need=Need.WRITE)
        decision = services.suggestion_reject(
            actor=request.user, span=span, claim=claim, scores=given.validated_data["scores"]
        )
        return Response(io.MatchDecisionOutput(decision).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=io.MatchInput, responses=io.MatchOutput)
    @action(detail=False, methods=["post"])
    def match(self, request):
        """Has this been checked? The project's claims most like a text, best first, with their
        scores, why, and final verdicts. With a span, they are recorded as shown for it."""
        given = io.MatchInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        project = _project_in_body(request.user, data["project"])
        span = None
        if data["span"] is not None:
            span = _span_in_body(request.user, data["span"], need=Need.READ)
            if span.project_id != project.pk:
                raise _field_error("span", _("This span belongs to another project."))
        text = data.get("text") or span.quote
        language = data.get("language") or (_article_language(span) if span else "")
        return matched(request.user, project, text, language, data["limit"], span)


def _article_language(span: Span) -> str:
    return Article.objects.filter(pk=span.article_id).values_list("language", flat=True).get()


def matched(
    user, project: Project, text: str, language: str, limit: int, span: Span | None
) -> Response:
    """The match response; with a span, its candidates recorded as shown."""
    candidates = claim_candidates(project=project, text=text, language=language, limit=limit)
    if span is not None and candidates:
        services.suggestions_shown(actor=user, span=span, candidates=candidates)
    return Response(candidates_output(user, project, candidates))


def span_claim_suggestions(request, span_id) -> Response:
    """POST /spans/{id}/claim-suggestions/: candidates for a span, recorded as shown."""
    given = io.SuggestionInput(data=request.data)
    given.is_valid(raise_exception=True)
    span = access_span(request.user, span_id, need=Need.READ, detail=False)
    limit = given.validated_data["limit"]
    return matched(request.user, span.project, span.quote, _article_language(span), limit, span)
