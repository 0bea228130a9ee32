"""The app's models, for Django and for callers: each is defined in its subdomain's package."""

from annotate.claims.models import (
    Appearance,
    Claim,
    ClaimComment,
    ClaimLink,
    ClaimVector,
    ClaimVectorStamp,
    MatchDecision,
)
from annotate.jobs.models import Job
from annotate.projects.models import FEVER_CLASSES, Invitation, Membership, Project
from annotate.review.models import (
    Adjudication,
    Assignment,
    Comment,
    Prediction,
    Skip,
    Source,
    Span,
    Verdict,
)
from annotate.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

__all__ = [
    "FEVER_CLASSES",
    "Adjudication",
    "Appearance",
    "Assignment",
    "Claim",
    "ClaimComment",
    "ClaimLink",
    "ClaimVector",
    "ClaimVectorStamp",
    "Comment",
    "Invitation",
    "Job",
    "MatchDecision",
    "Membership",
    "Prediction",
    "Project",
    "Skip",
    "Source",
    "Span",
    "Verdict",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
