"""Claims across articles in the browser (issue 15): the reader's claim box and its forms
(confirm or reject a suggestion, found a claim, close an appearance with the claim's verdict,
unlink), the claim page (edit, settle, merge, split, link to other projects' claims, comment)
and a project's list of checked claims. Thin, like every page: access_*
to fetch and authorize, claims selectors to read, claims services to write. Every form is a
plain POST that redirects back with a message, so all of it works without JavaScript."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from annotate.access import (
    Capabilities,
    Need,
    access_claim,
    access_project,
    access_span,
    capabilities,
)
from annotate.claims import selectors, services
from annotate.errors import NotFound
from annotate.models import Claim, Span
from annotate.web.claim_forms import (
    CheckedClaimsFilterForm,
    ClaimCommentForm,
    ClaimEditForm,
    ClaimLinkForm,
    ClaimMergeForm,
    ClaimSplitForm,
    ClaimVerdictForm,
)
from annotate.web.forms import attach_errors
from annotate.web.links import reader_url

PAGE_SIZE = 50


def claim_box_context(
    request: HttpRequest, span: Span, *, language: str, may: Capabilities, blind_hidden: bool
) -> dict:
    """The reader panel's claim box for the selected span. Suggestions are for those who may
    answer them (editors and reviewers); those not offered before are recorded as shown.
    A claim's final verdict is shown where claims_for_user's blind-review rule allows it and,
    in the reader, only once the caller submitted their own verdict on this very span
    (`blind_hidden`, the panel's rule for others' verdicts)."""
    box = selectors.span_claim_box(
        span=span, user=request.user, language=language, suggest=may.may_write
    )
    if box.new_candidates:
        services.suggestions_shown(actor=request.user, span=span, candidates=box.new_candidates)
    linked = box.appearance
    reviewed = any(v.status == "submitted" for v in span.visible_verdicts)
    return {
        "claim_box": box,
        "claim_verdict_hidden": blind_hidden,
        "may_unlink_claim": linked is not None
        and may.may_write
        and (may.may_edit_claims or linked.linked_by_id == request.user.pk),
        "may_reuse_claim_verdict": linked is not None
        and box.claim is not None
        and may.may_edit_claims
        and box.claim.has_verdict
        and linked.verdict_reused_at is None
        and not hasattr(span, "adjudication")
        and not span.orphaned
        and not reviewed,
    }


def _back(request: HttpRequest, span: Span) -> HttpResponse:
    """Back to where the form was sent from: the claim page (`next=claim`) or the reader."""
    claim_id = request.POST.get("claim", "")
    if request.POST.get("next") == "claim" and claim_id.isdigit():
        return redirect("annotate:claim", int(claim_id))
    return redirect(reader_url(span, queue=request.POST.get("queue") == "1"))


def _refused(request: HttpRequest, what: str, error: ValidationError) -> None:
    # Translators: what could not be done, then why (one or more sentences).
    messages.error(
        request, _("%(what)s: %(why)s") % {"what": what, "why": " ".join(error.messages)}
    )


def _claim_named(request: HttpRequest) -> Claim:
    """The claim a form names (`claim`): NotFound (404) for one the caller may not know."""
    return access_claim(request.user, request.POST.get("claim", ""), need=Need.READ)


@login_required
@require_POST
def claim_confirm(request: HttpRequest, span_pk: int) -> HttpResponse:
    span = access_span(request.user, span_pk, need=Need.WRITE, detail=False)
    claim = _claim_named(request)
    try:
        services.appearance_link(actor=request.user, span=span, claim=claim)
    except ValidationError as error:
        _refused(request, _("The claim could not be linked"), error)
    else:
        messages.success(request, _("Linked to claim #%(pk)s.") % {"pk": claim.pk})
    return _back(request, span)


@login_required
@require_POST
def claim_reject(request: HttpRequest, span_pk: int) -> HttpResponse:
    span = access_span(request.user, span_pk, need=Need.WRITE, detail=False)
    claim = _claim_named(request)
    try:
        services.suggestion_reject(actor=request.user, span=span, claim=claim)
    except ValidationError as error:
        _refused(request, _("The suggestion could not be rejected"), error)
    else:
        messages.success(request, _("Suggestion of claim #%(pk)s rejected.") % {"pk": claim.pk})
    return _back(request, span)


@login_required
@require_POST
def claim_new(request: HttpRequest, span_pk: int) -> HttpResponse:
    span = access_span(request.user, span_pk, need=Need.WRITE, detail=False)
    try:
        claim = services.claim_create(actor=request.user, span=span)
    except ValidationError as error:
        _refused(request, _("The claim could not be created"), error)
    else:
        messages.success(
            request, _("New claim #%(pk)s created from this passage.") % {"pk": claim.pk}
        )
    return _back(request, span)


@login_required
@require_POST
def claim_verdict_reuse(request: HttpRequest, span_pk: int) -> HttpResponse:
    span = access_span(request.user, span_pk, need=Need.EDIT_CLAIMS, detail=False)
    try:
        services.appearance_verdict_reuse(actor=request.user, span=span)
    except ValidationError as error:
        _refused(request, _("The claim's verdict could not be reused"), error)
    else:
        messages.success(request, _("Closed with the claim's final verdict."))
    return _back(request, span)


@login_required
@require_POST
def claim_unlink(request: HttpRequest, span_pk: int) -> HttpResponse:
    span = access_span(request.user, span_pk, need=Need.WRITE, detail=False)
    claim = _claim_named(request)
    try:
        services.appearance_unlink(actor=request.user, span=span, claim=claim)
    except ValidationError as error:
        _refused(request, _("The passage could not be unlinked"), error)
    else:
        messages.success(request, _("Unlinked from claim #%(pk)s.") % {"pk": claim.pk})
    return _back(request, span)


def _claim_page(
    request: HttpRequest, claim: Claim, forms: dict | None = None, status: int = 200
) -> HttpResponse:
    forms = forms or {}
    project = claim.project
    may = Capabilities.of(claim.caller_role, blind_review=project.blind_review)
    detail = selectors.claims_for_user(user=request.user).get(pk=claim.pk)
    detail.project = project
    spans = selectors.claim_appearance_spans(claim=detail, user=request.user)
    context = {
        "project": project,
        "claim": detail,
        "capabilities": may,
        "spans": spans,
        "timeline": selectors.claim_timeline(claim=detail, verdict_visible=detail.verdict_visible),
        "linked": selectors.linked_claims(claim=detail, user=request.user),
        "comments": selectors.claim_comments(claim=detail),
    }
    if may.may_write:
        context["comment_form"] = forms.get("comment_form") or ClaimCommentForm()
    if may.may_edit_claims:
        context["edit_form"] = forms.get("edit_form") or ClaimEditForm(
            initial={
                "text": detail.text,
                "claimant": detail.claimant,
                "language": detail.language,
                "fresh_reviews": detail.fresh_reviews,
            }
        )
        context["verdict_form"] = forms.get("verdict_form") or ClaimVerdictForm(
            scale=project.scale,
            initial={"label": detail.verdict_label, "rationale": detail.verdict_rationale},
        )
        context["merge_form"] = forms.get("merge_form") or ClaimMergeForm()
        context["link_form"] = forms.get("link_form") or ClaimLinkForm()
        if len(spans) > 1:  # a split leaves one appearance at least
            context["split_form"] = forms.get("split_form") or ClaimSplitForm(spans=spans)
    return render(request, "annotate/claim.html", context, status=status)


@login_required
def claim_page(request: HttpRequest, claim_pk: int) -> HttpResponse:
    return _claim_page(request, access_claim(request.user, claim_pk))


class _FieldRefused(Exception):
    """A claim page form's field refused with a message (e.g. another claim that is not there)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _claim_url(claim: Claim, anchor: str = "") -> str:
    return reverse("annotate:claim", args=[claim.pk]) + anchor


def _other_claim(request: HttpRequest, pk: int, field: str, need: Need = Need.READ) -> Claim:
    try:
        return access_claim(request.user, pk, need=need)
    except NotFound:
        raise _FieldRefused(field, _("No such claim.")) from None


def _claim_form_post(
    request: HttpRequest,
    claim: Claim,
    form,
    form_key: str,
    write: Callable[[dict], tuple[str, str]],
) -> HttpResponse:
    """Every form of the claim page: a valid form runs `write` (a service call) and follows its
    (message, URL); a refusal comes back on the page, on the form's fields, with a 400."""
    if form.is_valid():
        try:
            message, url = write(form.cleaned_data)
        except ValidationError as error:
            attach_errors(error, form)
        except _FieldRefused as refused:
            form.add_error(refused.field, refused.message)
        else:
            messages.success(request, message)
            return redirect(url)
    return _claim_page(request, claim, {form_key: form}, 400)


@login_required
@require_POST
def claim_edit(request: HttpRequest, claim_pk: int) -> HttpResponse:
    claim = access_claim(request.user, claim_pk, need=Need.EDIT_CLAIMS)

    def write(data: dict) -> tuple[str, str]:
        services.claim_update(actor=request.user, claim=claim, **data)
        return _("The claim was saved."), _claim_url(claim)

    return _claim_form_post(request, claim, ClaimEditForm(request.POST), "edit_form", write)


@login_required
@require_POST
def claim_verdict(request: HttpRequest, claim_pk: int) -> HttpResponse:
    claim = access_claim(request.user, claim_pk, need=Need.EDIT_CLAIMS)
    form = ClaimVerdictForm(request.POST, scale=claim.project.scale)

    def write(data: dict) -> tuple[str, str]:
        services.claim_verdict_set(actor=request.user, claim=claim, **data)
        return _("The claim's final verdict is recorded."), _claim_url(claim)

    return _claim_form_post(request, claim, form, "verdict_form", write)


@login_required
@require_POST
def claim_merge(request: HttpRequest, claim_pk: int) -> HttpResponse:
    claim = access_claim(request.user, claim_pk, need=Need.EDIT_CLAIMS)

    def write(data: dict) -> tuple[str, str]:
        other = _other_claim(request, data["merge"], "merge", need=Need.EDIT_CLAIMS)
        services.claims_merge(actor=request.user, keep=claim, merge=other)
        merged = _("Claim #%(merged)s was merged into this one.") % {"merged": data["merge"]}
        return merged, _claim_url(claim)

    return _claim_form_post(request, claim, ClaimMergeForm(request.POST), "merge_form", write)


@login_required
@require_POST
def claim_split(request: HttpRequest, claim_pk: int) -> HttpResponse:
    claim = access_claim(request.user, claim_pk, need=Need.EDIT_CLAIMS)
    spans = selectors.claim_appearance_spans(claim=claim, user=request.user)

    def write(data: dict) -> tuple[str, str]:
        new = services.claim_split(
            actor=request.user,
            claim=claim,
            span_ids=data["spans"],
            text=data["text"],
            move_verdict=data["move_verdict"],
        )
        return _("Split off into claim #%(pk)s.") % {"pk": new.pk}, _claim_url(new)

    form = ClaimSplitForm(request.POST, spans=spans)
    return _claim_form_post(request, claim, form, "split_form", write)


@login_required
@require_POST
def claim_link(request: HttpRequest, claim_pk: int) -> HttpResponse:
    claim = access_claim(request.user, claim_pk, need=Need.EDIT_CLAIMS)

    def write(data: dict) -> tuple[str, str]:
        other = _other_claim(request, data["other"], "other")
        try:
            services.claim_link_create(actor=request.user, claim=claim, other=other)
        except PermissionDenied as refused:
            raise _FieldRefused("other", str(refused)) from None
        linked = _("Linked to claim #%(pk)s of %(project)s.") % {
            "pk": other.pk,
            "project": other.project.name,
        }
        return linked, _claim_url(claim)

    return _claim_form_post(request, claim, ClaimLinkForm(request.POST), "link_form", write)


@login_required
@require_POST
def claim_link_delete(request: HttpRequest, claim_pk: int, link_pk: int) -> HttpResponse:
    claim = access_claim(request.user, claim_pk, need=Need.EDIT_CLAIMS)
    link = selectors.link_of_claim(claim=claim, link_id=link_pk)
    if link is None:
        raise NotFound(_("No such link of this claim."))
    services.claim_link_delete(actor=request.user, link=link)
    messages.success(request, _("The link was removed."))
    return redirect("annotate:claim", claim.pk)


@login_required
@require_POST
def claim_comment(request: HttpRequest, claim_pk: int) -> HttpResponse:
    claim = access_claim(request.user, claim_pk, need=Need.WRITE)

    def write(data: dict) -> tuple[str, str]:
        services.claim_comment_add(actor=request.user, claim=claim, **data)
        return _("Your comment was added."), _claim_url(claim, "#comments")

    return _claim_form_post(request, claim, ClaimCommentForm(request.POST), "comment_form", write)


@login_required
def checked_claims(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = access_project(request.user, project_pk)
    form = CheckedClaimsFilterForm(request.GET, labels=project.labels)
    data = form.cleaned_data if form.is_valid() else {}
    claims = selectors.checked_claims(
        project=project,
        user=request.user,
        q=data.get("q") or "",
        has_verdict=data.get("has_verdict"),
        label=data.get("label") or "",
        ordering=data.get("sort") or "",
    )
    page = Paginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])
    return render(
        request,
        "annotate/checked_claims.html",
        {
            "project": project,
            "capabilities": capabilities(project, request.user),
            "form": form,
            "page": page,
            "query": query + "&" if query else "",
        },
    )
