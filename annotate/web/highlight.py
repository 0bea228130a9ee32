"""Cut an article body into leaf segments at every span (and prediction) boundary, for
overlapping highlights."""

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True, slots=True)
class Segment:
    start: int  # code points into the body
    end: int
    text: str
    span_ids: tuple[int, ...]  # spans covering the segment, outermost (longest) first
    prediction_ids: tuple[int, ...] = ()  # open predictions covering it, in the same order

    @property
    def depth(self) -> int:
        """How many spans overlap here, capped at 3 for styling."""
        return min(len(self.span_ids), 3)

    @property
    def innermost(self) -> int | None:
        return self.span_ids[-1] if self.span_ids else None


def segments(
    body: str,
    spans: Iterable[tuple[int, int, int]],
    predictions: Iterable[tuple[int, int, int]] = (),
) -> list[Segment]:
    """Consecutive segments covering the whole body; `spans` and `predictions` are (id, start, end).

    Each segment knows every span (and prediction) over it, so nested and overlapping ones
    render as flat markup (no element crosses another) and the browser can map a selection
    back to offsets.
    """
    spans = _inside(body, spans)
    predictions = _inside(body, predictions)
    ranges = spans + predictions
    cuts = sorted({0, len(body)} | {s for _, s, _ in ranges} | {e for _, _, e in ranges})
    span_cover = _covering(spans, cuts)
    prediction_cover = _covering(predictions, cuts)
    return [
        Segment(left, right, body[left:right], span_cover[left], prediction_cover[left])
        for left, right in pairwise(cuts)
        if left != right
    ]


def _inside(body: str, ranges: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    return [(pk, max(0, s), min(len(body), e)) for pk, s, e in ranges if s < e and s < len(body)]


def _covering(ranges: list[tuple[int, int, int]], cuts: list[int]) -> dict[int, tuple[int, ...]]:
    """For each cut, the ids of the ranges covering the segment starting there, longest first."""
    length = {pk: e - s for pk, s, e in ranges}
    starting: dict[int, list[int]] = {}
    ending: dict[int, list[int]] = {}
    for pk, s, e in ranges:
        starting.setdefault(s, []).append(pk)
        ending.setdefault(e, []).append(pk)
    active: set[int] = set()
    result = {}
    for cut in cuts:
        active.difference_update(ending.get(cut, ()))
        active.update(starting.get(cut, ()))
        result[cut] = tuple(sorted(active, key=lambda pk: (-length[pk], pk)))
    return result
