"""Cut an article body into leaf segments at every span boundary, for overlapping highlights."""

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True, slots=True)
class Segment:
    start: int  # code points into the body
    end: int
    text: str
    span_ids: tuple[int, ...]  # spans covering the segment, outermost (longest) first

    @property
    def depth(self) -> int:
        """How many spans overlap here, capped at 3 for styling."""
        return min(len(self.span_ids), 3)

    @property
    def innermost(self) -> int | None:
        return self.span_ids[-1] if self.span_ids else None


def segments(body: str, spans: Iterable[tuple[int, int, int]]) -> list[Segment]:
    """Consecutive segments covering the whole body; `spans` are (id, start, end).

    Each segment knows every span over it, so nested and overlapping spans render as flat
    markup (no element crosses another) and the browser can map a selection back to offsets.
    """
    spans = [(pk, max(0, s), min(len(body), e)) for pk, s, e in spans if s < e and s < len(body)]
    cuts = sorted({0, len(body)} | {s for _, s, _ in spans} | {e for _, _, e in spans})
    length = {pk: e - s for pk, s, e in spans}
    starting: dict[int, list[int]] = {}
    ending: dict[int, list[int]] = {}
    for pk, s, e in spans:
        starting.setdefault(s, []).append(pk)
        ending.setdefault(e, []).append(pk)
    active: set[int] = set()
    result = []
    for left, right in pairwise(cuts):
        active.difference_update(ending.get(left, ()))
        active.update(starting.get(left, ()))
        if left == right:
            continue
        covering = tuple(sorted(active, key=lambda pk: (-length[pk], pk)))
        result.append(Segment(left, right, body[left:right], covering))
    return result
