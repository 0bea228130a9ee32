"""The quality page's charts as geometry: a kappa heatmap, label bars and verdicts per day.

Charts are numbers for the template's SVG `x`, `y`, `width` and `height` attributes, coloured by
CSS classes: the page runs under `style-src 'self'`, so no `style=` anywhere.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext, ngettext

from annotate.quality.formatting import number, percent
from annotate.quality.reports import PairFigures, ProjectAgreement, ReviewerFigures, kappa_reading
from annotate.quality.statistics import NotComputable

# Gaps between active days are drawn as empty days up to this many days; longer histories
# show the active days only, so the chart stays readable.
DAYS_FILLED_MAX = 400
NAME_CHARS_SHOWN = 18
LABEL_CHARS_SHOWN = 36
HEATMAP_LEGEND = [
    ("heat-0", "below 0: poor"),
    ("heat-1", "0–0.2: slight"),
    ("heat-2", "0.2–0.4: fair"),
    ("heat-3", "0.4–0.6: moderate"),
    ("heat-4", "0.6–0.8: substantial"),
    ("heat-5", "above 0.8: almost perfect"),
    ("heat-na", "n/a: not computable"),
]


def shortened(text: str, limit: int) -> str:
    """The text cut to `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the kappa heatmap ---


def kappa_bucket(kappa: float | NotComputable) -> str:
    """The CSS class of a heatmap cell: Landis and Koch's bands, `na` when not computable."""
    if isinstance(kappa, NotComputable):
        return "heat-na"
    for bucket, bound in ((5, 0.8), (4, 0.6), (3, 0.4), (2, 0.2)):
        if kappa > bound:
            return f"heat-{bucket}"
    return "heat-1" if kappa >= 0 else "heat-0"


@dataclass(frozen=True, slots=True)
class HeatCell:
    x: int
    y: int
    size: int
    css: str
    text: str
    title: str

    @property
    def cx(self) -> int:
        return self.x + self.size // 2

    @property
    def cy(self) -> int:
        return self.y + self.size // 2


@dataclass(frozen=True, slots=True)
class _HeatGrid:
    """Where the grid sits: cell size and the margins the reviewers' names need."""

    size: int
    left: int
    top: int
    right: int

    @classmethod
    def for_names(cls, usernames: list[str]) -> "_HeatGrid":
        # Room for the names: about 7.5 px a character, column names slanted at 40 degrees.
        longest = max(len(shortened(name, NAME_CHARS_SHOWN)) for name in usernames) * 7.5
        return cls(
            size=64,
            left=20 + round(longest),
            top=20 + round(longest * 0.65),
            right=round(longest * 0.77),
        )


def heatmap(report: ProjectAgreement) -> dict | None:
    """Reviewers × reviewers Cohen's kappa as a grid of cells; None for fewer than two."""
    reviewers = report.reviewers
    if len(reviewers) < 2:
        return None
    grid = _HeatGrid.for_names([reviewer.username for reviewer in reviewers])
    size, left, top = grid.size, grid.left, grid.top
    pairs = {(pair.reviewer_a, pair.reviewer_b): pair for pair in report.pairs}
    cells = [
        _heat_cell(report, pairs, i, j, x=left + j * size, y=top + i * size, size=size)
        for i in range(len(reviewers))
        for j in range(len(reviewers))
    ]
    return {
        "width": left + len(reviewers) * size + grid.right,
        "height": top + len(reviewers) * size + 10,
        "cells": cells,
        "rows": [
            _name_label(reviewer, x=left - 8, y=top + i * size + size // 2)
            for i, reviewer in enumerate(reviewers)
        ],
        "columns": [
            _name_label(reviewer, x=left + j * size + size // 2, y=top - 8)
            for j, reviewer in enumerate(reviewers)
        ],
        "legend": HEATMAP_LEGEND,
    }


def _heat_cell(
    report: ProjectAgreement,
    pairs: dict[tuple[int, int], PairFigures],
    i: int,
    j: int,
    *,
    x: int,
    y: int,
    size: int,
) -> HeatCell:
    """The cell of reviewers i and j: their kappa, coloured by band, explained in its title."""
    row, column = report.reviewers[i], report.reviewers[j]
    if i == j:
        title = gettext("%(username)s: the same reviewer") % {"username": row.username}
        return HeatCell(x, y, size, "heat-self", "—", title)
    kappa = report.kappa_matrix[i][j]
    pair = pairs.get((row.reviewer_id, column.reviewer_id)) or pairs.get(
        (column.reviewer_id, row.reviewer_id)
    )
    both = pair.shared_spans if pair else 0
    same = percent(pair.percent_agreement) if pair else "—"
    title = ngettext(
        "%(a)s and %(b)s: Cohen's κ %(kappa)s (%(reading)s); %(count)s claim judged by both, "
        "same label: %(same)s",
        "%(a)s and %(b)s: Cohen's κ %(kappa)s (%(reading)s); %(count)s claims judged by both, "
        "same label: %(same)s",
        both,
    ) % {
        "a": row.username,
        "b": column.username,
        "kappa": number(kappa),
        "reading": kappa_reading(kappa),
        "count": both,
        "same": same,
    }
    text = "n/a" if isinstance(kappa, NotComputable) else number(kappa, 2)
    return HeatCell(x, y, size, kappa_bucket(kappa), text, title)


def _name_label(reviewer: ReviewerFigures, *, x: int, y: int) -> dict:
    """A reviewer's name beside a row or above a column, shortened, the full name as title."""
    return {
        "x": x,
        "y": y,
        "text": shortened(reviewer.username, NAME_CHARS_SHOWN),
        "title": reviewer.username,
    }


# --- bars ---


def label_chart(report: ProjectAgreement) -> dict | None:
    """Verdicts per label as horizontal bars, in the scale's order."""
    rows = report.label_figures
    if not rows or not report.verdicts:
        return None
    longest = max(len(shortened(row.label, LABEL_CHARS_SHOWN)) for row in rows)
    row_height, left, bar_max = 30, 24 + round(longest * 7.5), 320
    most = max(row.verdicts for row in rows) or 1
    bars = []
    for i, row in enumerate(rows):
        width = round(bar_max * row.verdicts / most)
        y = 10 + i * row_height
        bars.append(
            {
                "label": shortened(row.label, LABEL_CHARS_SHOWN),
                "label_x": left - 10,
                "x": left,
                "y": y,
                "width": width,
                "height": row_height - 8,
                "text_y": y + (row_height - 8) // 2,
                "value_x": left + width + 6,
                "value": row.verdicts,
                "title": ngettext(
                    "%(label)s: %(count)s verdict (%(share)s)",
                    "%(label)s: %(count)s verdicts (%(share)s)",
                    row.verdicts,
                )
                % {"label": row.label, "count": row.verdicts, "share": percent(row.share)},
            }
        )
    return {"width": left + bar_max + 70, "height": 20 + len(rows) * row_height, "bars": bars}


def _days_to_draw(
    days: tuple[tuple[datetime.date, int], ...],
) -> list[tuple[datetime.date, int]]:
    """The active days with the idle days between them at 0, unless that would be too many."""
    if not days:
        return []
    first, last = days[0][0], days[-1][0]
    if (last - first).days >= DAYS_FILLED_MAX:
        return list(days)
    counts = dict(days)
    return [
        (first + datetime.timedelta(n), counts.get(first + datetime.timedelta(n), 0))
        for n in range((last - first).days + 1)
    ]


def day_chart(report: ProjectAgreement) -> dict | None:
    """Submitted verdicts per day as vertical bars."""
    days = _days_to_draw(report.per_day)
    if not days:
        return None
    left, top, plot_height, plot_width = 50, 20, 160, 640
    step = max(6, min(40, plot_width // len(days)))
    bar = max(3, step - 2)
    most = max(count for _, count in days) or 1
    bars = []
    for i, (day, count) in enumerate(days):
        height = round(plot_height * count / most)
        bars.append(
            {
                "x": left + i * step,
                "y": top + plot_height - height,
                "width": bar,
                "height": height,
                "title": ngettext(
                    "%(day)s: %(count)s verdict submitted",
                    "%(day)s: %(count)s verdicts submitted",
                    count,
                )
                % {"day": f"{day.day} {day:%b %Y}", "count": count},
            }
        )
    every = max(1, len(days) // 6)
    ticks = [
        {"x": left + i * step + bar // 2, "text": f"{day.day} {day:%b}"}
        for i, (day, _) in enumerate(days)
        if i % every == 0 or i == len(days) - 1
    ]
    if len(ticks) > 1 and ticks[-1]["x"] - ticks[-2]["x"] < 50:
        del ticks[-2]
    return {
        "width": left + len(days) * step + 20,
        "height": top + plot_height + 40,
        "bars": bars,
        "ticks": ticks,
        "axis_y": top + plot_height,
        "tick_y": top + plot_height + 18,
        "max": most,
        "max_y": top + 4,
        "left": left,
        "right": left + len(days) * step,
        "days": days,
        "first": days[0][0],
        "last": days[-1][0],
    }
