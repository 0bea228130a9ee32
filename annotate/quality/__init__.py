"""Review quality: agreement figures of a project's submitted verdicts, cached per project.

`project_agreement()` reads (span, reviewer, label) triples in one streamed query, codes them as
a reviewers × spans matrix with numpy and hands it to the pure statistics of
`annotate.quality.statistics`
(FORMATS.md §5, §6). Every figure that the data cannot support is a `NotComputable` with its
reason, never NaN. Results are cached per project and filters; a verdict submitted or withdrawn,
or an adjudication, moves the project to a new cache generation (`agreement_invalidate()`).

Modules: `reports` (the report's shape and its plain-language readings), `selectors` (the
editors' door and the cache), `compute` (from the database to the figures) and `marking`
(agreement on where the claims are).
"""

from annotate.quality.compute import compute_agreement
from annotate.quality.reports import (
    AgreementFilters,
    ProjectAgreement,
    alpha_reading,
    kappa_reading,
)
from annotate.quality.selectors import (
    MAX_ID,
    agreement_invalidate,
    project_agreement,
)
from annotate.quality.statistics import NotComputable

__all__ = [
    "MAX_ID",
    "AgreementFilters",
    "NotComputable",
    "ProjectAgreement",
    "agreement_invalidate",
    "alpha_reading",
    "compute_agreement",
    "kappa_reading",
    "project_agreement",
]
