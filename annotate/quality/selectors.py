"""Reading a project's agreement report, cached per project and filters (doors let only editors
in: access_project(need=Need.SEE_QUALITY)).

A verdict submitted or withdrawn, or an adjudication, moves the project to a new cache
generation (`agreement_invalidate()`); the cache is one every worker shares.
"""

import hashlib
import json
import uuid

from django.core.cache import caches

from annotate.models import Project
from annotate.quality.compute import ReadProgress, compute_agreement
from annotate.quality.reports import AgreementFilters, ProjectAgreement

# Bump when the report's shape changes, so no process reads another version's pickles.
CACHE_VERSION = 1
# Changes no service announces (a span deleted, a body revision orphaning spans, a scale edit)
# reach the page after this long at the latest.
CACHE_TIMEOUT_S = 15 * 60
CACHE = "shared"  # every worker must see an invalidation (config/settings.py)
MAX_ID = 2**63 - 1  # larger ids can be neither stored nor looked up (SQLite, PostgreSQL)


# --- cache ---


def _generation_key(project_id: int) -> str:
    return f"quality:v{CACHE_VERSION}:project:{project_id}:generation"


def agreement_invalidate(*, project_id: int) -> None:
    """Forget every cached agreement report of the project (all filters): a new generation."""
    caches[CACHE].set(_generation_key(project_id), uuid.uuid4().hex, None)


def _cache_key(project: Project, filters: AgreementFilters) -> str:
    cache = caches[CACHE]
    generation = cache.get(_generation_key(project.pk))
    if generation is None:
        generation = uuid.uuid4().hex
        # add(): a concurrent invalidation wins over this first reader's generation.
        if not cache.add(_generation_key(project.pk), generation, None):
            generation = cache.get(_generation_key(project.pk), generation)
    # The settings that shape the figures, and the creation time: a test database that hands
    # out the same project id again (SQLite after a rollback) never meets an old report.
    settings = json.dumps(
        [
            project.labels,
            project.scale_is_ordinal,
            project.reviews_per_claim,
            str(project.created_at),
        ]
    )
    digest = hashlib.sha256(settings.encode()).hexdigest()[:16]
    return (
        f"quality:v{CACHE_VERSION}:project:{project.pk}:{generation}:{digest}:"
        f"{filters.cache_part()}"
    )


def agreement_cached(
    project: Project, filters: AgreementFilters | None = None
) -> ProjectAgreement | None:
    """The cached figures of the project's current generation, or None."""
    return caches[CACHE].get(_cache_key(project, filters or AgreementFilters()))


def agreement_recompute(
    project: Project,
    filters: AgreementFilters | None = None,
    *,
    progress: ReadProgress | None = None,
) -> ProjectAgreement:
    """Compute the figures now and cache them for every process (the recomputation job's work)."""
    filters = filters or AgreementFilters()
    # The key is read before computing: a verdict submitted meanwhile moves the project to a new
    # generation, and these figures, already stale, are never served under it.
    key = _cache_key(project, filters)
    report = compute_agreement(project, filters, progress=progress)
    caches[CACHE].set(key, report, CACHE_TIMEOUT_S)
    return report


def project_agreement(
    project: Project, filters: AgreementFilters | None = None
) -> ProjectAgreement:
    """Agreement figures of the project's submitted verdicts (cached per project and filters)."""
    report = agreement_cached(project, filters)
    if report is None:
        report = agreement_recompute(project, filters)
    return report
