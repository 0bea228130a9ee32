"""Agreement between reviewers: Krippendorff's alpha, Fleiss' and Cohen's kappa, span F1.

Pure functions on plain Python and numpy data (no Django), so a selector can feed them submitted
verdicts (FORMATS.md §5, §6). A reliability matrix is reviewers × units of floats with NaN where a
reviewer gave no value; `reliability_matrix()` builds one from (unit, reviewer, value) triples.
Degenerate data gives `NotComputable` with a reason to show instead of a number, never NaN;
malformed input (unknown level, negative counts, a span ending before it starts) raises ValueError.

Modules: `ratings` (building inputs), `alpha` (Krippendorff's alpha, percent agreement), `kappa`
(Fleiss, Cohen, confusion matrix), `spans` (span F1), `not_computable`. Callers import from here.
"""

from annotate.quality.statistics.alpha import krippendorff_alpha, percent_agreement
from annotate.quality.statistics.kappa import (
    FleissKappa,
    cohen_kappa,
    cohen_kappa_matrix,
    confusion_matrix,
    fleiss_kappa,
)
from annotate.quality.statistics.not_computable import NotComputable
from annotate.quality.statistics.ratings import (
    LEVELS,
    Level,
    ReliabilityData,
    reliability_matrix,
    value_counts,
)
from annotate.quality.statistics.spans import (
    Span,
    SpanScores,
    pool_span_scores,
    span_agreement,
)

__all__ = [
    "LEVELS",
    "FleissKappa",
    "Level",
    "NotComputable",
    "ReliabilityData",
    "Span",
    "SpanScores",
    "cohen_kappa",
    "cohen_kappa_matrix",
    "confusion_matrix",
    "fleiss_kappa",
    "krippendorff_alpha",
    "percent_agreement",
    "pool_span_scores",
    "reliability_matrix",
    "span_agreement",
    "value_counts",
]
