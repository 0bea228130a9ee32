"""Re-anchoring spans in a revised body: position, then exact or approximate quote (FORMATS.md §2).

Pure functions (stdlib only). Offsets are code points (Python `str` indices), `[start, end)`.
The scoring follows Hypothesis' `anchor()`/`matchQuote()`; the approximate search is Myers'
bit-parallel algorithm as in the `approx-string-match` library Hypothesis uses, with Python ints
as bitvectors of any length (no 32-character word limit: one "block" covers the whole pattern).
"""

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

CONTEXT_CHARS = 32

# Hypothesis' matchQuote() weights; the position only breaks near-ties.
QUOTE_WEIGHT = 50
PREFIX_WEIGHT = 20
SUFFIX_WEIGHT = 20
POSITION_WEIGHT = 2
_TOTAL_WEIGHT = QUOTE_WEIGHT + PREFIX_WEIGHT + SUFFIX_WEIGHT + POSITION_WEIGHT

# Hypothesis caps the errors at 256 to bound the search cost of very long quotes.
MAX_ERRORS_CAP = 256


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where a stored quote stands in a body: `[start, end)` code points, with its edit errors."""

    start: int
    end: int
    errors: int  # edit errors between the stored quote and new_body[start:end]; 0 = exact


@dataclass(frozen=True, slots=True)
class _Selectors:
    """The stored selectors of one span, as anchoring reads them."""

    exact: str
    prefix: str
    suffix: str
    start: int


def quote_context(body: str, start: int, end: int, width: int = CONTEXT_CHARS) -> tuple[str, str]:
    """(prefix, suffix): up to `width` code points before start and after end."""
    width = max(0, width)
    start = _clamp(start, 0, len(body))
    end = _clamp(end, 0, len(body))
    return body[max(0, start - width) : start], body[end : end + width]


def anchor_quote(
    *, body: str, exact: str, prefix: str, suffix: str, start: int, end: int
) -> Anchor | None:
    """Where the quote stands in `body` (a revised text), or None when it is lost (orphaned)."""
    if not exact:
        return None
    # Negative offsets would slice from the end in Python: only a real in-range position counts.
    if 0 <= start <= end <= len(body) and body[start:end] == exact:
        return Anchor(start, end, 0)
    stored = _Selectors(exact=exact, prefix=prefix, suffix=suffix, start=start)
    exact_starts = _exact_occurrences(body, exact)
    if exact_starts:
        candidates = [Anchor(s, s + len(exact), 0) for s in exact_starts]
        return _best(body, stored, candidates)
    return _best_approximate(body, stored)


def _clamp(value: int, low: int, high: int) -> int:
    """`value` limited to `[low, high]`."""
    return max(low, min(value, high))


def _exact_occurrences(body: str, exact: str) -> list[int]:
    """Start offsets of every occurrence of `exact` in `body`, overlapping ones included."""
    starts = []
    found = body.find(exact)
    while found != -1:
        starts.append(found)
        found = body.find(exact, found + 1)
    return starts


def _best(body: str, stored: _Selectors, candidates: list[Anchor]) -> Anchor | None:
    """The highest-scoring candidate; on a tie the one nearest the old start, then the earlier."""
    return max(candidates, key=lambda candidate: _rank(body, stored, candidate), default=None)


def _rank(body: str, stored: _Selectors, candidate: Anchor) -> tuple[float, int, int]:
    """Sort key: score, then nearness to the old start, then the earlier start."""
    score = _score(body, stored, candidate)
    return score, -abs(candidate.start - stored.start), -candidate.start


def _best_approximate(body: str, stored: _Selectors) -> Anchor | None:
    """The best approximate occurrence of the quote, or None when none is within the budget."""
    quote_length = len(stored.exact)
    max_errors = min(MAX_ERRORS_CAP, quote_length // 2)
    ends = sorted(_approximate_ends(body, stored.exact, max_errors), key=lambda match: match[1])
    best: Anchor | None = None
    best_key: tuple[float, int, int] = (float("-inf"), 0, 0)
    for end, errors in ends:
        quote_score = 1 - errors / quote_length
        # Candidates come by rising errors, so once even perfect contexts cannot beat the best,
        # no later one can: this keeps noise matches in long bodies from costing a start search.
        if _upper_bound(quote_score, 1.0) < best_key[0]:
            break
        suffix_score = _context_score(stored.suffix, body[end : end + len(stored.suffix)])
        if _upper_bound(quote_score, suffix_score) < best_key[0]:
            continue
        candidate = Anchor(_match_start(body, stored.exact, end, errors), end, errors)
        key = _rank(body, stored, candidate)
        if key > best_key:
            best, best_key = candidate, key
    return best


def _upper_bound(quote_score: float, suffix_score: float) -> float:
    """The highest score a candidate can reach with a perfect prefix and position."""
    numerator = QUOTE_WEIGHT * quote_score + SUFFIX_WEIGHT * suffix_score
    return (numerator + PREFIX_WEIGHT + POSITION_WEIGHT) / _TOTAL_WEIGHT


def _score(body: str, stored: _Selectors, candidate: Anchor) -> float:
    """Hypothesis' matchQuote() score of one candidate: quote, context and position weighed."""
    quote_score = 1 - candidate.errors / len(stored.exact)
    before = body[max(0, candidate.start - len(stored.prefix)) : candidate.start]
    after = body[candidate.end : candidate.end + len(stored.suffix)]
    # Not clamped at 0: an old start far beyond the body must still rank nearer candidates higher.
    position_score = 1 - abs(candidate.start - stored.start) / max(1, len(body))
    numerator = (
        QUOTE_WEIGHT * quote_score
        + PREFIX_WEIGHT * _context_score(stored.prefix, before)
        + SUFFIX_WEIGHT * _context_score(stored.suffix, after)
        + POSITION_WEIGHT * position_score
    )
    return numerator / _TOTAL_WEIGHT


def _context_score(stored: str, actual: str) -> float:
    """1 - edit errors per stored character; 1.0 when nothing was stored."""
    if not stored:
        return 1.0
    return 1 - _edit_distance(stored, actual) / len(stored)


def _edit_distance(pattern: str, text: str) -> int:
    """Levenshtein distance between two strings."""
    # The last score counts: the whole pattern against the whole text.
    last = deque(_myers_scores(pattern, text, anchored=True), maxlen=1)
    return last[0] if last else len(pattern)


def _approximate_ends(body: str, pattern: str, max_errors: int) -> list[tuple[int, int]]:
    """(end, errors) of each local best match of `pattern` with at most `max_errors` errors."""
    matches: list[tuple[int, int]] = []
    run: list[tuple[int, int]] = []
    for index, errors in enumerate(_myers_scores(pattern, body, anchored=False)):
        if errors <= max_errors:
            run.append((index + 1, errors))
        elif run:
            matches.extend(_run_minima(run))
            run = []
    matches.extend(_run_minima(run))
    return matches


def _run_minima(run: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The plateaus of `run` lower than both neighbours (outside the run counts as higher).

    Unlike approx-string-match, which keeps only the globally fewest errors, every local minimum
    stays a candidate, so that the context can prefer a slightly worse match in the right place.
    """
    minima: list[tuple[int, int]] = []
    plateau_start = 0
    for index in range(1, len(run) + 1):
        if index < len(run) and run[index][1] == run[plateau_start][1]:
            continue
        level = run[plateau_start][1]
        lower_before = plateau_start > 0 and run[plateau_start - 1][1] < level
        lower_after = index < len(run) and run[index][1] < level
        if not lower_before and not lower_after:
            minima.extend(run[plateau_start:index])
        plateau_start = index
    return minima


def _match_start(body: str, pattern: str, end: int, errors: int) -> int:
    """Start of the longest match ending at `end` with `errors` errors (a reverse pass)."""
    # A match with k errors is at most len(pattern) + k characters long.
    window_start = max(0, end - len(pattern) - errors)
    reversed_window = body[window_start:end][::-1]
    best_length, best_errors = 0, len(pattern)
    scores = _myers_scores(pattern[::-1], reversed_window, anchored=True)
    for length, length_errors in enumerate(scores, start=1):
        # Anchored at `end`, so the forward pass' minimum is reached; ties go to the longest,
        # as in approx-string-match, which keeps a substituted first word inside the span.
        if length_errors <= best_errors:
            best_length, best_errors = length, length_errors
    return end - best_length


def _myers_scores(pattern: str, text: str, *, anchored: bool) -> Iterator[int]:
    """Edit errors of `pattern` against text ending at each character of `text` (Myers 1999).

    Unanchored: the best match of the whole pattern ending there (search). Anchored: the distance
    to the whole text prefix read so far (Hyyrö's global variant: row 0 grows by one per character).
    """
    length = len(pattern)
    if length == 0:
        yield from (i + 1 if anchored else 0 for i in range(len(text)))
        return
    mask = (1 << length) - 1
    last_row = 1 << (length - 1)
    row_zero = 1 if anchored else 0
    equal: dict[str, int] = {}
    for position, character in enumerate(pattern):
        equal[character] = equal.get(character, 0) | (1 << position)
    positive, negative, errors = mask, 0, length
    for character in text:
        match = equal.get(character, 0)
        vertical = match | negative
        horizontal = (((match & positive) + positive) ^ positive) | match
        horizontal_positive = negative | (~(horizontal | positive) & mask)
        horizontal_negative = positive & horizontal
        if horizontal_positive & last_row:
            errors += 1
        elif horizontal_negative & last_row:
            errors -= 1
        horizontal_positive = (horizontal_positive << 1) | row_zero
        horizontal_negative <<= 1
        positive = (horizontal_negative | ~(vertical | horizontal_positive)) & mask
        negative = horizontal_positive & vertical
        yield errors
