"""Reviewer and editor pages. Thin: access_* to fetch and authorize, selectors to read, services
to write, forms to show errors. Pages read the caller's Capabilities, never their role."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from annotate.access import (
    Capabilities,
    Need,
    access_article_in_project,
    access_own_verdict,
    access_prediction,
    access_project,
    access_span,
    capabilities,
)
from annotate.errors import NotFound, VersionConflict
from annotate.models import Comment, Prediction, Project, Span, Verdict
from annotate.projects import selectors as project_selectors
from annotate.projects import services as project_services
from annotate.review import selectors, services
from annotate.web.claims import claim_box_context
from annotate.web.forms import (
    AdjudicationForm,
    ArticleLanguageForm,
    CommentForm,
    SkipForm,
    SourceFormSet,
    SpanBoundsForm,
    SpanForm,
    VerdictForm,
    attach_errors,
    sources_from,
)
from annotate.web.highlight import Segment, segments
from annotate.web.links import reader_url

# The upload page lists at most this many imported inputs (all failures are listed).
IMPORTED_ROWS_SHOWN = 200


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    projects = list(project_selectors.projects_for_user(user=request.user))
    for project in projects:
        project.progress = selectors.project_progress(project=project)
        project.capabilities = Capabilities.of(project.role, blind_review=project.blind_review)
    return render(
        request,
        "annotate/dashboard.html",
        {
            "projects": projects,
            "may_create_projects": project_services.may_create_projects(request.user),
        },
    )


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = access_project(request.user, pk)
    return render(
        request,
        "annotate/project.html",
        {
            "project": project,
            "capabilities": capabilities(project, request.user),
            "progress": selectors.project_progress(project=project),
            "articles": project_selectors.project_articles(project=project),
            "queue": selectors.reviewer_progress(project=project, reviewer=request.user),
        },
    )


@login_required
def reader(request: HttpRequest, project_pk: int, article_pk: int) -> HttpResponse:
    project, article = access_article_in_project(request.user, project_pk, article_pk)
    selected = None
    if span_id := request.GET.get("span"):
        try:
            selected = access_span(request.user, span_id)
        except NotFound:  # a stale or foreign ?span= shows the article without a panel
            selected = None
    return _reader_page(request, project, article, selected=selected)


def _reader_page(
    request: HttpRequest,
    project: Project,
    article,
    *,
    selected: Span | None,
    forms: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    """The reader, shown by its page view and by the write views' error paths (with the bound
    forms and their errors) alike."""
    context = reader_context(request, project, article, selected=selected, forms=forms or {})
    return render(request, "annotate/reader.html", context, status=status)


def reader_context(
    request: HttpRequest, project: Project, article, *, selected: Span | None, forms: dict
) -> dict:
    """Everything the reader page shows: the article with its highlights and, for a selected span
    (span_for_user's shape), the panel. `forms` holds bound forms to show instead of fresh ones."""
    spans = list(selectors.project_spans(project=project, user=request.user, article_id=article.pk))
    # The write views' error paths are POSTs: they carry queue mode in a hidden field.
    queue_mode = "1" in (request.GET.get("queue"), request.POST.get("queue"))
    placed = [span for span in spans if not span.orphaned]
    if selected is not None and selected.article_id != article.pk:
        selected = None
    may = capabilities(project, request.user)
    # Viewers do not see predictions: they are work material for those who may decide on them.
    predictions = (
        list(
            selectors.project_predictions(
                project=project, user=request.user, article_id=article.pk, open_only=True
            )
        )
        if may.may_write
        else []
    )
    cut = segments(
        article.body,
        [(s.pk, s.start, s.end) for s in placed],
        [(p.pk, p.start, p.end) for p in predictions],
    )
    context = {
        "project": project,
        "article": article,
        "capabilities": may,
        "spans": spans,
        "segments": cut,
        "pieces": _pieces(cut, predictions),
        "predictions": predictions,
        "selected": selected,
        "queue_mode": queue_mode,
        "span_form": forms.get("span_form") or SpanForm(),
        "language_form": forms.get("language_form")
        or ArticleLanguageForm(initial={"language": article.language}),
    }
    if queue_mode and context["capabilities"].may_write:
        left = selectors.reviewer_queue_left(project=project, reviewer=request.user)
        context["queue_left"] = left
        context["skip_form"] = forms.get("skip_form") or SkipForm()
    if selected is not None:
        context.update(_panel_context(request, project, selected, forms, context["capabilities"]))
    return context


def _pieces(cut: list[Segment], predictions: list[Prediction]) -> list[tuple[Segment, list]]:
    """Each segment with the predictions ending at its end: their focusable tag follows it."""
    ending: dict[int, list[Prediction]] = {}
    for prediction in predictions:
        ending.setdefault(prediction.end, []).append(prediction)
    if cut:  # a prediction past a revised body's end is tagged at the end
        last = cut[-1].end
        ending.setdefault(last, []).extend(
            p for p in predictions if p.end > last and p.start < last
        )
    return [(segment, ending.get(segment.end, [])) for segment in cut]


def _suggested_label(request: HttpRequest, span: Span, own: Verdict | None) -> Prediction | None:
    """Right after accepting a prediction (`?prediction=`), its label pre-fills the accepting
    reviewer's verdict, as Label Studio pre-fills predictions; others review it unprompted."""
    prediction_id = request.GET.get("prediction", "")
    if own is not None or not prediction_id.isdigit():
        return None
    prediction = Prediction.objects.filter(pk=prediction_id, accepted_span=span).first()
    if prediction is None or prediction.label not in span.project.labels:
        return None
    return prediction


def _panel_context(request, project: Project, span: Span, forms: dict, may: Capabilities) -> dict:
    own = next((v for v in span.visible_verdicts if v.reviewer_id == request.user.pk), None)
    others = [v for v in span.visible_verdicts if v.reviewer_id != request.user.pk]
    suggested = _suggested_label(request, span, own)
    verdict_form = forms.get("verdict_form") or VerdictForm(
        scale=project.scale,
        initial={
            "label": own.label if own else (suggested.label if suggested else ""),
            "rationale": own.rationale if own else "",
            "confidence": own.confidence if own else None,
            "version": own.version if own else 0,
            "intent": "submit",
        },
    )
    source_formset = forms.get("source_formset") or SourceFormSet(
        prefix="sources",
        initial=[
            {
                "url": s.url,
                "title": s.title,
                "excerpt": s.excerpt,
                "stance": s.stance,
                "accessed_on": s.accessed_on,
            }
            for s in (own.sources.all() if own else [])
        ],
    )
    submitted = [v for v in span.visible_verdicts if v.status == Verdict.Status.SUBMITTED]
    may_adjust = services.span_bounds_editable(span=span, actor=request.user)
    blind_hidden = may.is_blind_for_me and not (own and own.status == Verdict.Status.SUBMITTED)
    return {
        **claim_box_context(
            request, span, language=span.article.language, may=may, blind_hidden=blind_hidden
        ),
        "may_adjust_selected": may_adjust,
        "may_delete_selected": may.may_delete_any_span or may_adjust,
        "own_verdict": own,
        "other_verdicts": others,
        "hidden_by_blind_review": blind_hidden,
        "verdict_form": verdict_form,
        "suggested_by": suggested,
        "source_formset": source_formset,
        "conflict": forms.get("conflict"),
        "comment_form": forms.get("comment_form") or CommentForm(),
        "adjudication_form": forms.get("adjudication_form")
        or AdjudicationForm(
            prefix="adjudicate",
            scale=project.scale,
            verdicts=submitted,
            initial=(
                {"label": span.adjudication.label, "rationale": span.adjudication.rationale}
                if hasattr(span, "adjudication")
                else {"considered_verdicts": [v.pk for v in submitted]}
            ),
        ),
        "label_hotkeys": list(enumerate(project.labels[:9], start=1)),
    }


def _span_page(request: HttpRequest, span: Span, forms: dict, status: int) -> HttpResponse:
    """The reader with `span` (access_span's detail shape) selected and bound forms: the error
    path of the panel's forms. The project comes with the span, its role already known."""
    article = span.project.articles.get(pk=span.article_id)  # the body, which the span defers
    return _reader_page(request, span.project, article, selected=span, forms=forms, status=status)


@login_required
@require_POST
def span_create(request: HttpRequest, project_pk: int, article_pk: int) -> HttpResponse:
    project, article = access_article_in_project(
        request.user, project_pk, article_pk, need=Need.WRITE
    )
    form = SpanForm(request.POST)
    if form.is_valid():
        try:
            span = services.span_create(
                project=project, article=article, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            attach_errors(error, form)
        else:
            messages.success(request, _("Claim highlighted."))
            return redirect(reader_url(span))
    messages.error(
        request, _("The claim could not be highlighted: %(errors)s") % {"errors": _messages(form)}
    )
    return _reader_page(
        request, project, article, selected=None, forms={"span_form": form}, status=400
    )


@login_required
@require_POST
def article_language(request: HttpRequest, project_pk: int, article_pk: int) -> HttpResponse:
    project, article = access_article_in_project(
        request.user, project_pk, article_pk, need=Need.MANAGE
    )
    form = ArticleLanguageForm(request.POST)
    if form.is_valid():
        try:
            services.article_language_set(article=article, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            attach_errors(error, form)
        else:
            messages.success(
                request,
                _("The article's language is now %(language)s.") % {"language": article.language},
            )
            return redirect("annotate:reader", project.pk, article.pk)
    messages.error(
        request, _("The language could not be changed: %(errors)s") % {"errors": _messages(form)}
    )
    return _reader_page(
        request, project, article, selected=None, forms={"language_form": form}, status=400
    )


def _messages(form) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


@login_required
@require_POST
def verdict_save(request: HttpRequest, span_pk: int) -> HttpResponse:
    span = access_span(request.user, span_pk, need=Need.WRITE)
    project = span.project
    form = VerdictForm(request.POST, scale=project.scale)
    formset = SourceFormSet(request.POST, prefix="sources")
    forms = {"verdict_form": form, "source_formset": formset}
    status = 400
    if form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        write = (
            services.verdict_submit if data["intent"] == "submit" else services.verdict_save_draft
        )
        try:
            write(
                span=span,
                reviewer=request.user,
                expected_version=data["version"],
                label=data["label"],
                rationale=data["rationale"],
                confidence=data["confidence"],
                sources=sources_from(formset),
            )
        except VersionConflict as conflict:
            forms["conflict"] = conflict
            status = 409
        except ValidationError as error:
            attach_errors(error, form, formset)
        else:
            if data["intent"] == "submit":
                messages.success(request, _("Your verdict was submitted."))
            else:
                messages.success(request, _("Your verdict was saved as a draft."))
            in_queue = request.POST.get("queue") == "1"
            if in_queue and data["intent"] == "submit":  # submit-and-next, the queue's default
                return _next_in_queue(request, project)
            return redirect(reader_url(span, queue=in_queue))
    return _span_page(request, span, forms, status)


@login_required
@require_POST
def verdict_withdraw(request: HttpRequest, span_pk: int) -> HttpResponse:
    verdict = access_own_verdict(request.user, span_id=span_pk)
    try:
        services.verdict_withdraw(
            verdict=verdict, actor=request.user, expected_version=int(request.POST["version"])
        )
    except VersionConflict:
        messages.error(request, _("Your verdict changed meanwhile; here is the current one."))
    except (ValidationError, KeyError, ValueError):
        messages.error(request, _("Only a submitted verdict can be withdrawn."))
    else:
        messages.success(request, _("Your verdict is a draft again."))
    return redirect(reader_url(verdict.span))


@login_required
@require_POST
def comment_post(request: HttpRequest, span_pk: int) -> HttpResponse:
    span = access_span(request.user, span_pk, need=Need.WRITE)
    form = CommentForm(request.POST)
    if form.is_valid():
        parent_id = form.cleaned_data["parent"]
        parent = get_object_or_404(Comment, pk=parent_id, span=span) if parent_id else None
        try:
            services.comment_post(
                span=span, author=request.user, body=form.cleaned_data["body"], parent=parent
            )
        except ValidationError as error:
            attach_errors(error, form)
        else:
            return redirect(reader_url(span).replace("#panel", "#discussion"))
    return _span_page(request, span, {"comment_form": form}, 400)


@login_required
@require_POST
def adjudicate(request: HttpRequest, span_pk: int) -> HttpResponse:
    span = access_span(request.user, span_pk, need=Need.ADJUDICATE)
    submitted = [v for v in span.visible_verdicts if v.status == Verdict.Status.SUBMITTED]
    form = AdjudicationForm(
        request.POST, prefix="adjudicate", scale=span.project.scale, verdicts=submitted
    )
    if form.is_valid():
        chosen = set(form.cleaned_data["considered_verdicts"])
        try:
            services.adjudicate(
                span=span,
                editor=request.user,
                label=form.cleaned_data["label"],
                rationale=form.cleaned_data["rationale"],
                considered_verdicts=[v for v in submitted if v.pk in chosen],
            )
        except ValidationError as error:
            attach_errors(error, form)
        else:
            messages.success(request, _("The final verdict is recorded."))
            return redirect(reader_url(span))
    return _span_page(request, span, {"adjudication_form": form}, 400)


@login_required
@require_POST
def span_bounds(request: HttpRequest, span_pk: int) -> HttpResponse:
    span = access_span(request.user, span_pk, need=Need.WRITE)
    form = SpanBoundsForm(request.POST)
    if form.is_valid():
        try:
            services.span_update(span=span, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            attach_errors(error, form)
        else:
            messages.success(request, _("The claim's boundaries were changed."))
            return redirect(reader_url(span))
    messages.error(
        request, _("The boundaries could not be changed: %(errors)s") % {"errors": _messages(form)}
    )
    return _span_page(request, span, {}, 400)


@login_required
@require_POST
def span_delete(request: HttpRequest, span_pk: int) -> HttpResponse:
    span = access_span(request.user, span_pk, need=Need.WRITE)
    services.span_delete(span=span, actor=request.user)
    messages.success(request, _("The highlight was deleted."))
    return redirect("annotate:reader", span.project_id, span.article_id)


@login_required
@require_POST
def span_skip(request: HttpRequest, span_pk: int) -> HttpResponse:
    span = access_span(request.user, span_pk, need=Need.WRITE)
    form = SkipForm(request.POST)
    if form.is_valid():
        try:
            services.span_skip(span=span, reviewer=request.user, **form.cleaned_data)
        except ValidationError as error:
            attach_errors(error, form)
        else:
            messages.info(request, _("Claim skipped: it goes to another reviewer."))
            return _next_in_queue(request, span.project)
    messages.error(
        request, _("The claim could not be skipped: %(errors)s") % {"errors": _messages(form)}
    )
    return _span_page(request, span, {"skip_form": form}, 400)


def _back_to_reader(request: HttpRequest, prediction: Prediction, fragment: str = "") -> str:
    """The reader the prediction form was sent from: its open claim and queue mode kept."""
    url = reverse("annotate:reader", args=[prediction.project_id, prediction.article_id])
    query = []
    if (selected := request.POST.get("span", "")).isdigit():
        query.append(f"span={selected}")
    if request.POST.get("queue") == "1":
        query.append("queue=1")
    return url + ("?" + "&".join(query) if query else "") + fragment


@login_required
@require_POST
def prediction_accept(request: HttpRequest, prediction_pk: int) -> HttpResponse:
    prediction = access_prediction(request.user, prediction_pk, need=Need.WRITE)
    try:
        span = services.prediction_accept(prediction=prediction, actor=request.user)
    except ValidationError as error:
        messages.error(
            request,
            _("The prediction could not be accepted: %(errors)s")
            % {"errors": " ".join(error.messages)},
        )
        return redirect(_back_to_reader(request, prediction))
    messages.success(
        request,
        (
            _("Claim highlighted from %(model_name)s's prediction.")
            % {"model_name": prediction.model_name}
        ),
    )
    url = reader_url(span, queue=request.POST.get("queue") == "1")
    return redirect(url.replace("#panel", f"&prediction={prediction.pk}#panel"))


@login_required
@require_POST
def prediction_reject(request: HttpRequest, prediction_pk: int) -> HttpResponse:
    prediction = access_prediction(request.user, prediction_pk, need=Need.WRITE)
    try:
        services.prediction_reject(prediction=prediction, actor=request.user)
    except ValidationError as error:
        messages.error(
            request,
            _("The prediction could not be rejected: %(errors)s")
            % {"errors": " ".join(error.messages)},
        )
        return redirect(_back_to_reader(request, prediction))
    messages.success(
        request,
        (_("%(model_name)s's prediction was rejected.") % {"model_name": prediction.model_name}),
    )
    # The keyboard goes on to the next open prediction of the article (after the last one, the
    # first), if any is left.
    left = selectors.project_predictions(
        project=prediction.project,
        user=request.user,
        article_id=prediction.article_id,
        open_only=True,
    ).values_list("pk", flat=True)
    following = left.filter(start__gte=prediction.start).first() or left.first()
    return redirect(
        _back_to_reader(request, prediction, f"#prediction-{following}" if following else "")
    )


@login_required
@require_POST
def next_claim(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = access_project(request.user, project_pk, need=Need.WRITE)
    return _next_in_queue(request, project)


def _next_in_queue(request: HttpRequest, project: Project) -> HttpResponse:
    span = services.next_span_for_review(project=project, reviewer=request.user)
    if span is None:
        return redirect("annotate:queue-done", project.pk)
    return redirect(reader_url(span, queue=True))


@login_required
def queue_done(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = access_project(request.user, project_pk, need=Need.WRITE)
    return render(request, "annotate/queue_done.html", {"project": project})


@login_required
def contested(request: HttpRequest, project_pk: int) -> HttpResponse:
    project = access_project(request.user, project_pk, need=Need.ADJUDICATE)
    spans = selectors.contested_spans(project=project, user=request.user)
    return render(
        request,
        "annotate/contested.html",
        {"project": project, "spans": selectors.with_submitted_verdicts(spans)},
    )


@login_required
def span_history(request: HttpRequest, span_pk: int) -> HttpResponse:
    span = access_span(request.user, span_pk, need=Need.SEE_HISTORY, detail=False)
    return render(
        request,
        "annotate/history.html",
        {"span": span, "events": selectors.span_history(span=span)},
    )
