"""Viewsets for projects, spans, verdicts and predictions. Views parse, call a service or a
selector, and render; permissions and visibility live in those, so every door shares them."""

from annotate.api.views.claims import ClaimViewSet
from annotate.api.views.projects import PredictionViewSet, ProjectViewSet
from annotate.api.views.spans import SpanViewSet
from annotate.api.views.verdicts import VerdictViewSet

__all__ = ["ClaimViewSet", "PredictionViewSet", "ProjectViewSet", "SpanViewSet", "VerdictViewSet"]
