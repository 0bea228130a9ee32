"""Agreement figures as text, shared by the quality page and the text report.

A figure is a float, a `NotComputable` (shown as its reason, never as NaN) or None (not asked
for, shown as a dash).
"""

from annotate.quality.statistics import FleissKappa, NotComputable, SpanScores


def number(figure: float | NotComputable | None, digits: int = 3) -> str:
    """A figure as text: rounded, or "not computable: <reason>"."""
    if figure is None:
        return "—"
    if isinstance(figure, NotComputable):
        return str(figure)
    return f"{figure:.{digits}f}"


def percent(figure: float | NotComputable) -> str:
    """A share in [0, 1] as a percentage with one decimal, or the reason it is missing."""
    if isinstance(figure, NotComputable):
        return str(figure)
    return f"{figure * 100:.1f} %"


def fleiss_figure(fleiss: FleissKappa | NotComputable) -> float | NotComputable:
    """Fleiss' kappa itself, without its parts."""
    return fleiss if isinstance(fleiss, NotComputable) else fleiss.kappa


def f1_text(scores: SpanScores | NotComputable) -> str:
    """Span scores in brief, for a table cell."""
    if isinstance(scores, NotComputable):
        return str(scores)
    return (
        f"F1 {scores.f1:.3f} (P {scores.precision:.3f}, R {scores.recall:.3f}; "
        f"{scores.matched} matched of {scores.n_a} and {scores.n_b})"
    )


def f1_text_spelled_out(scores: SpanScores | NotComputable) -> str:
    """Span scores with their names and one more digit, for the plain-text report."""
    if isinstance(scores, NotComputable):
        return str(scores)
    return (
        f"F1 {scores.f1:.4f} (precision {scores.precision:.4f}, recall {scores.recall:.4f}, "
        f"{scores.matched} matched of {scores.n_a} and {scores.n_b})"
    )


def plural(count: int, word: str) -> str:
    """`word` with an s unless count is 1 (the page's words are all regular)."""
    return word if count == 1 else f"{word}s"
