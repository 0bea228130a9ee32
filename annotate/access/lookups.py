"""access_*: fetch a row *and* authorize the caller, for every door (pages, API, commands).

After Zulip's `access_message`: each function reads the row with the caller's role in the same
query (selectors' caller_role/remember_role) and raises
- NotFound (404) for what the caller may not know exists: another project, its spans, an
  orphaned span for a non-editor, a verdict blind review hides, an id that cannot exist;
- Forbidden (403) for what they may see but not do: a viewer writing, a reviewer adjudicating,
  someone else's visible verdict.
Services still enforce their own rules; these spare doors from restating them.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from annotate.access.capabilities import REFUSALS, Capabilities, Need
from annotate.access.roles import User, caller_role, remember_role
from annotate.errors import Forbidden, NotFound
from annotate.jobs import selectors as job_selectors
from annotate.models import (
    Claim,
    Invitation,
    Job,
    Prediction,
    Project,
    Span,
    Verdict,
    WebhookDelivery,
    WebhookEndpoint,
)
from annotate.projects import selectors as project_selectors
from annotate.review import selectors  # module reference: selectors imports annotate.access too
from corpus.models import Article

# One whole sentence per kind of row, so that translations never assemble English words.
_NOT_FOUND = {
    "project": gettext_lazy("No such project."),
    "article": gettext_lazy("No such article."),
    "span": gettext_lazy("No such span."),
    "verdict": gettext_lazy("No such verdict."),
    "prediction": gettext_lazy("No such prediction."),
    "invitation": gettext_lazy("No such invitation."),
    "job": gettext_lazy("No such job."),
    "claim": gettext_lazy("No such claim."),
    "webhook": gettext_lazy("No such webhook."),
    "delivery": gettext_lazy("No such delivery."),
}

# Larger ids can be neither stored nor looked up (SQLite, PostgreSQL): such an id is absent.
MAX_ID = 2**63 - 1


def _id(value: object, what: str) -> int:
    try:
        pk = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise NotFound(str(_NOT_FOUND[what])) from None
    if not 0 < pk <= MAX_ID:
        raise NotFound(str(_NOT_FOUND[what]))
    return pk


def _member_row(model, row_id: object, user: User, what: str):
    """`model`'s row with its project and the caller's role there (`caller_role`), in one query:
    NotFound for an id that cannot exist, an anonymous caller, or a row of a project the caller
    is not a member of."""
    pk = _id(row_id, what)
    if not user.is_authenticated:
        raise NotFound(str(_NOT_FOUND[what]))
    try:
        row = (
            model.objects.select_related("project")
            .annotate(caller_role=caller_role(user))
            .get(pk=pk)
        )
    except model.DoesNotExist:
        raise NotFound(str(_NOT_FOUND[what])) from None
    if row.caller_role is None:
        raise NotFound(str(_NOT_FOUND[what]))
    return row


def authorize(capabilities: Capabilities, need: Need) -> None:
    """Forbidden unless the capabilities allow the need (the caller is known to be a member)."""
    if not capabilities.allows(need):
        raise Forbidden(REFUSALS[need])


def access_project(user: User, project_id: object, *, need: Need = Need.READ) -> Project:
    """The project with the caller's role (`project.role`, remembered for role_in), in one query.

    NotFound unless the user is a member; Forbidden if the role lacks `need`.
    """
    pk = _id(project_id, "project")
    try:
        project = project_selectors.project_for_user(user=user, pk=pk)
    except Project.DoesNotExist:
        raise NotFound(_("No such project.")) from None
    authorize(Capabilities.of(project.role, blind_review=project.blind_review), need)
    return project


def access_article_in_project(
    user: User, project_id: object, article_id: object, *, need: Need = Need.READ
) -> tuple[Project, Article]:
    """The project (as access_project) and one of its articles: NotFound for an article outside
    the project, even one that exists. Two queries."""
    project = access_project(user, project_id, need=need)
    try:
        article = project.articles.get(pk=_id(article_id, "article"))
    except Article.DoesNotExist:
        raise NotFound(_("No such article in this project.")) from None
    return project, article


def access_span(
    user: User, span_id: object, *, need: Need = Need.READ, detail: bool = True
) -> Span:
    """A span of the caller's projects, `caller_role` set and remembered on `span.project`.

    With `detail`, span_for_user's shape (status, the verdicts, comments and adjudication the
    caller may see: 5 queries); without, span_in_reach's (span and project, for writes: 1 query).
    NotFound for other projects' spans and, for non-editors, orphaned ones; Forbidden if the
    role lacks `need`.
    """
    pk = _id(span_id, "span")
    load = selectors.span_for_user if detail else selectors.span_in_reach
    try:
        span = load(user=user, pk=pk)
    except Span.DoesNotExist:
        raise NotFound(_("No such span.")) from None
    authorize(Capabilities.of(span.caller_role, blind_review=span.project.blind_review), need)
    return span


def access_own_verdict(
    user: User,
    *,
    verdict_id: object = None,
    span_id: object = None,
    need: Need = Need.WRITE,
) -> Verdict:
    """The caller's own verdict, by its id or on a span, with `span.project` (role remembered),
    in one query.

    NotFound for a verdict the caller may not see (other projects, others' drafts, blind review)
    or does not have; Forbidden for someone else's visible verdict or a role lacking `need`.
    """
    if (verdict_id is None) == (span_id is None):
        raise TypeError("Name the verdict or the span, not both.")
    if not user.is_authenticated:
        raise NotFound(_("No such verdict."))
    verdicts = Verdict.objects.select_related("span__project").annotate(
        caller_role=caller_role(user, "span__project")
    )
    try:
        if verdict_id is not None:
            verdict = verdicts.get(pk=_id(verdict_id, "verdict"))
        else:
            verdict = verdicts.get(span_id=_id(span_id, "span"), reviewer_id=user.pk)
    except Verdict.DoesNotExist:
        raise NotFound(_("No such verdict.")) from None
    project = verdict.span.project
    capabilities = Capabilities.of(verdict.caller_role, blind_review=project.blind_review)
    if not capabilities.may_read or (verdict.span.orphaned and not capabilities.may_see_orphaned):
        raise NotFound(_("No such verdict."))
    if verdict.reviewer_id != user.pk:
        # Only on this refusal: whether the caller may see it decides between 403 and 404.
        if selectors.verdicts_for_user(user=user).filter(pk=verdict.pk).exists():
            raise Forbidden(_("Only the reviewer who wrote a verdict may change it."))
        raise NotFound(_("No such verdict."))
    remember_role(project, user, verdict.caller_role)
    authorize(capabilities, need)
    return verdict


def access_prediction(user: User, prediction_id: object, *, need: Need = Need.WRITE) -> Prediction:
    """A prediction of the caller's projects with `prediction.project` (role remembered), in one
    query: NotFound for other projects' predictions, Forbidden if the role lacks `need`."""
    prediction = _member_row(Prediction, prediction_id, user, "prediction")
    remember_role(prediction.project, user, prediction.caller_role)
    authorize(
        Capabilities.of(prediction.caller_role, blind_review=prediction.project.blind_review), need
    )
    return prediction


def access_invitation(
    user: User, project_id: object, invitation_id: object, *, need: Need = Need.MANAGE
) -> Invitation:
    """An invitation of the project (as access_project), in any state: NotFound for one of
    another project, even one that exists. Two queries."""
    project = access_project(user, project_id, need=need)
    try:
        invitation = project.invitations.get(pk=_id(invitation_id, "invitation"))
    except Invitation.DoesNotExist:
        raise NotFound(_("No such invitation in this project.")) from None
    invitation.project = project  # with the caller's role remembered
    return invitation


def access_job(user: User, job_id: object, *, need: Need = Need.READ) -> Job:
    """A job the caller may see (a member whose role has the job kind's need), with its project
    (the caller's role remembered) and starter, in one query.

    NotFound for other projects' jobs and the ones the role may not see; Forbidden if the role
    lacks `need`. Cancelling asks more (the starter or an editor): job_cancel_request checks it.
    """
    pk = _id(job_id, "job")
    try:
        job = job_selectors.job_for_user(user=user, pk=pk)
    except Job.DoesNotExist:
        raise NotFound(_("No such job.")) from None
    remember_role(job.project, user, job.caller_role)
    authorize(Capabilities.of(job.caller_role, blind_review=job.project.blind_review), need)
    return job


def access_claim(user: User, claim_id: object, *, need: Need = Need.READ) -> Claim:
    """A claim of the caller's projects with its project (role remembered), in one query.

    NotFound for claims of projects the user is not a member of; Forbidden if the role lacks
    `need` (Need.WRITE to link spans or answer suggestions, Need.EDIT_CLAIMS to change it).
    """
    claim = _member_row(Claim, claim_id, user, "claim")
    remember_role(claim.project, user, claim.caller_role)
    authorize(Capabilities.of(claim.caller_role, blind_review=claim.project.blind_review), need)
    return claim


def access_webhook(
    user: User, webhook_id: object, *, need: Need = Need.MANAGE_WEBHOOKS
) -> WebhookEndpoint:
    """A webhook endpoint with its project (the caller's role remembered), in one query.

    NotFound for endpoints of other projects and for members whose role may not manage
    webhooks (an endpoint's URL and secret are the editors' alone, as a job is its kind's).
    """
    endpoint = _member_row(WebhookEndpoint, webhook_id, user, "webhook")
    capabilities = Capabilities.of(endpoint.caller_role, blind_review=endpoint.project.blind_review)
    if not capabilities.allows(need):
        raise NotFound(_("No such webhook."))
    remember_role(endpoint.project, user, endpoint.caller_role)
    return endpoint


def access_webhook_delivery(user: User, webhook_id: object, delivery_id: object) -> WebhookDelivery:
    """A delivery of an endpoint (as access_webhook), with its event: NotFound for one of
    another endpoint. Two queries."""
    endpoint = access_webhook(user, webhook_id)
    try:
        delivery = endpoint.deliveries.select_related("event").get(pk=_id(delivery_id, "delivery"))
    except WebhookDelivery.DoesNotExist:
        raise NotFound(_("No such delivery of this webhook.")) from None
    delivery.endpoint = endpoint
    return delivery
