"""Agreement figures as text, shared by the quality page and the text report.

A figure is a float, a `NotComputable` (shown as its reason, never as NaN) or None (not asked
for, shown as a dash). Figures are written in the active language's number format (a page in
French reads 0,834 and 83,4 %); commands run in settings.LANGUAGE_CODE, English.
"""

from decimal import Decimal

from django.utils import formats

from annotate.quality.statistics import FleissKappa, NotComputable, SpanScores


def localized(value: float, digits: int) -> str:
    """A float rounded as Python rounds it, then in the active language's decimal format."""
    # Rounding first: Django's number_format cuts the digits off instead of rounding.
    return formats.number_format(Decimal(f"{value:.{digits}f}"), decimal_pos=digits)


def number(figure: float | NotComputable | None, digits: int = 3) -> str:
    """A figure as text: rounded, or "not computable: <reason>"."""
    if figure is None:
        return "—"
    if isinstance(figure, NotComputable):
        return str(figure)
    return localized(figure, digits)


def percent(figure: float | NotComputable) -> str:
    """A share in [0, 1] as a percentage with one decimal, or the reason it is missing."""
    if isinstance(figure, NotComputable):
        return str(figure)
    return f"{localized(figure * 100, 1)} %"


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
