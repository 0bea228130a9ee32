"""How well claims are matched: precision, recall and F1 of suggesting and auto-linking at a
project's thresholds, on a labelled set of pairs (tests/fixtures/claims/evaluation.jsonl) or on
a project's stored match decisions, for the lexical stage alone and for the fused score; and a
precision-recall curve as SVG. Read by `manage.py claim_match_report`.

Suggest: a pair is suggested when its score reaches the suggest threshold. Auto-link: when its
score reaches the auto-link threshold and the passage has more than 8 words (the rule the
service applies); its precision and recall count only those pairs, since shorter ones are
never linked by design.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext

from annotate.claims import embeddings
from annotate.claims.matching import AUTOLINK_MIN_WORDS, pair_score, word_count
from annotate.claims.matching.fusion import cross_lingual, fused_score
from annotate.claims.models import Appearance, MatchDecision
from annotate.projects.models import Project

LABELS = {"same": True, "different": False}
STAGES = ("lexical", "fused")


class PairSetError(ValueError):
    """A line of a pair set that cannot be read: its message names the file and line."""


@dataclass(frozen=True, slots=True)
class LabelledPair:
    text_a: str
    lang_a: str
    text_b: str
    lang_b: str
    same: bool
    kind: str


@dataclass(frozen=True, slots=True)
class ScoredPair:
    pair: LabelledPair
    scores: dict[str, float]  # stage -> 0..1

    @property
    def long_enough(self) -> bool:
        return word_count(self.pair.text_a) >= AUTOLINK_MIN_WORDS


@dataclass(frozen=True, slots=True)
class Figures:
    """Precision, recall and F1 of one action at one threshold."""

    threshold: float
    pairs: int
    positives: int
    chosen: int
    correct: int

    @property
    def precision(self) -> float | None:
        return self.correct / self.chosen if self.chosen else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.positives if self.positives else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class Report:
    source: str
    suggest_threshold: float
    autolink_threshold: float
    model: str | None
    scored: list[ScoredPair]
    figures: dict[tuple[str, str], Figures] = field(default_factory=dict)  # (stage, action)
    by_kind: list[dict] = field(default_factory=list)

    @property
    def stages(self) -> tuple[str, ...]:
        return STAGES if self.model is not None else ("lexical",)


def pairs_read(path: Path) -> list[LabelledPair]:
    """The pairs of a JSONL file; PairSetError naming the line for anything else."""
    pairs = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}, line {number}"
            try:
                row = json.loads(line)
                pair = LabelledPair(
                    text_a=_text(row, "text_a"),
                    lang_a=str(row.get("lang_a", "")),
                    text_b=_text(row, "text_b"),
                    lang_b=str(row.get("lang_b", "")),
                    same=LABELS[row["label"]],
                    kind=str(row.get("kind", "")) or "unknown",
                )
            except json.JSONDecodeError as error:
                raise PairSetError(
                    gettext("%(where)s: not JSON (%(msg)s)") % {"where": where, "msg": error.msg}
                ) from None
            except (KeyError, TypeError, AttributeError):
                raise PairSetError(
                    gettext("%(where)s: needs text_a, text_b and label (same or different)")
                    % {"where": where}
                ) from None
            pairs.append(pair)
    if not pairs:
        raise PairSetError(gettext("%(path)s: no pairs") % {"path": path})
    return pairs


def _text(row: dict, key: str) -> str:
    value = row[key]
    if not isinstance(value, str) or not value.strip():
        raise TypeError(key)
    return value


def pairs_score(pairs: Sequence[LabelledPair]) -> tuple[list[ScoredPair], str | None]:
    """Each pair's lexical and (with an encoder) fused score; the model's name or None."""
    encoder = embeddings.encoder()
    similarities: list[float | None] = [None] * len(pairs)
    if encoder is not None:
        left = encoder.encode([pair.text_a for pair in pairs])
        right = encoder.encode([pair.text_b for pair in pairs])
        similarities = [float(value) for value in (left * right).sum(axis=1)]
    scored = []
    for pair, similarity in zip(pairs, similarities, strict=True):
        lexical = pair_score(pair.text_a, pair.text_b)
        scores = {"lexical": lexical.score}
        if encoder is not None:
            across = cross_lingual(pair.lang_a, pair.lang_b)
            scores["fused"] = fused_score(lexical, similarity, across_languages=across)
        scored.append(ScoredPair(pair=pair, scores=scores))
    return scored, encoder.name if encoder is not None else None


def figures(
    scored: Iterable[ScoredPair], *, stage: str, threshold: float, autolink: bool
) -> Figures:
    pool = [s for s in scored if s.long_enough] if autolink else list(scored)
    chosen = [s for s in pool if s.scores[stage] >= threshold]
    return Figures(
        threshold=threshold,
        pairs=len(pool),
        positives=sum(s.pair.same for s in pool),
        chosen=len(chosen),
        correct=sum(s.pair.same for s in chosen),
    )


def report_build(
    *, scored: list[ScoredPair], model: str | None, source: str, suggest: float, autolink: float
) -> Report:
    """Figures of each stage and action, and per kind the share suggested and auto-linked."""
    report = Report(
        source=source,
        suggest_threshold=suggest,
        autolink_threshold=autolink,
        model=model,
        scored=scored,
    )
    for stage in report.stages:
        report.figures[stage, "suggest"] = figures(
            scored, stage=stage, threshold=suggest, autolink=False
        )
        report.figures[stage, "auto-link"] = figures(
            scored, stage=stage, threshold=autolink, autolink=True
        )
    kinds = sorted({s.pair.kind for s in scored})
    for kind in kinds:
        of_kind = [s for s in scored if s.pair.kind == kind]
        row = {
            "kind": kind,
            "label": _label_of(of_kind),
            "pairs": len(of_kind),
            "linkable": sum(s.long_enough for s in of_kind),
        }
        for stage in report.stages:
            row[f"{stage}_suggested"] = sum(s.scores[stage] >= suggest for s in of_kind)
            row[f"{stage}_linked"] = sum(
                s.long_enough and s.scores[stage] >= autolink for s in of_kind
            )
        report.by_kind.append(row)
    return report


def _label_of(pairs: list[ScoredPair]) -> str:
    labels = {s.pair.same for s in pairs}
    return "mixed" if len(labels) > 1 else ("same" if labels == {True} else "different")


def decisions_scored(project: Project) -> list[ScoredPair]:
    """A project's answered suggestions as labelled pairs with the scores stored with them:
    confirmed ones are `same`, rejected ones `different`, automatic links `same` while the span
    is still linked to that claim and `different` once someone unlinked it (shown ones, and
    automatic links of deleted spans, are no answer). The fused score is the stored `score`
    (the lexical one when the claim had no vector then), `lexical` the lexical stage's."""
    Decision = MatchDecision.Decision
    still_linked = Appearance.objects.filter(
        span_id=OuterRef("span_id"), claim_id=OuterRef("claim_id")
    )
    decisions = (
        MatchDecision.objects.filter(claim__project=project)
        .filter(
            Q(decision__in=[Decision.CONFIRMED, Decision.REJECTED])
            | Q(decision=Decision.AUTO_LINKED, span__isnull=False)
        )
        .annotate(still_linked=Exists(still_linked))
        .order_by("pk")
    )
    scored = []
    for decision in decisions.iterator():
        score = float(decision.scores.get("score", 0.0))
        lexical = float(decision.scores.get("lexical", score))
        if decision.decision == Decision.AUTO_LINKED:
            same = decision.still_linked
        else:
            same = decision.decision == Decision.CONFIRMED
        pair = LabelledPair(
            text_a=decision.span_text,
            lang_a="",
            text_b=decision.claim_text,
            lang_b="",
            same=same,
            kind=decision.decision,
        )
        scored.append(ScoredPair(pair=pair, scores={"lexical": lexical, "fused": score}))
    return scored


def curve(scored: Sequence[ScoredPair], stage: str) -> list[tuple[float, float, float]]:
    """(threshold, recall, precision) of suggesting at every distinct score, highest first."""
    positives = sum(s.pair.same for s in scored)
    points = []
    for threshold in sorted({s.scores[stage] for s in scored}, reverse=True):
        chosen = [s for s in scored if s.scores[stage] >= threshold]
        correct = sum(s.pair.same for s in chosen)
        if chosen and positives:
            points.append((threshold, correct / positives, correct / len(chosen)))
    return points


_COLOURS = {"lexical": "#b35806", "fused": "#2166ac"}


def pr_curve_svg(report: Report, *, width: int = 640, height: int = 480) -> str:
    """The precision-recall curves of suggesting, one per stage, with the thresholds marked:
    a standalone SVG (no script, no style element)."""
    left, right, top, bottom = 64, 180, 40, 56
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(recall: float) -> float:
        return round(left + recall * plot_w, 1)

    def y(precision: float) -> float:
        return round(top + (1 - precision) * plot_h, 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f"<title>Claim matching: precision and recall of suggestions ({escape(report.source)})"
        "</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="22" font-size="14">Suggestions: precision against recall, '
        f"{len(report.scored)} pairs</text>",
    ]
    for tick in range(6):
        value = tick / 5
        parts.append(
            f'<line x1="{x(value)}" y1="{top}" x2="{x(value)}" y2="{top + plot_h}" stroke="#ddd"/>'
        )
        parts.append(
            f'<line x1="{left}" y1="{y(value)}" x2="{left + plot_w}" y2="{y(value)}" '
            'stroke="#ddd"/>'
        )
        parts.append(
            f'<text x="{x(value)}" y="{top + plot_h + 16}" text-anchor="middle">{value:.1f}</text>'
        )
        parts.append(
            f'<text x="{left - 8}" y="{y(value) + 4}" text-anchor="end">{value:.1f}</text>'
        )
    parts.append(
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>'
    )
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 14}" text-anchor="middle">recall</text>'
    )
    parts.append(
        f'<text x="16" y="{top + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {top + plot_h / 2})">precision</text>'
    )
    legend_y = top + 10
    for stage in report.stages:
        colour = _COLOURS[stage]
        points = curve(report.scored, stage)
        if points:
            path = " ".join(f"{x(r)},{y(p)}" for _, r, p in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for action, threshold in (
            ("suggest", report.suggest_threshold),
            ("auto-link", report.autolink_threshold),
        ):
            found = figures(report.scored, stage=stage, threshold=threshold, autolink=False)
            if found.precision is None or found.recall is None:
                continue
            cx, cy = x(found.recall), y(found.precision)
            shape = (
                f'<circle cx="{cx}" cy="{cy}" r="5" fill="{colour}"/>'
                if action == "suggest"
                else f'<rect x="{cx - 5}" y="{cy - 5}" width="10" height="10" fill="{colour}"/>'
            )
            parts.append(shape)
        parts.append(
            f'<line x1="{left + plot_w + 12}" y1="{legend_y}" x2="{left + plot_w + 36}" '
            f'y2="{legend_y}" stroke="{colour}" stroke-width="2"/>'
        )
        parts.append(f'<text x="{left + plot_w + 42}" y="{legend_y + 4}">{stage}</text>')
        legend_y += 20
    parts.append(
        f'<circle cx="{left + plot_w + 24}" cy="{legend_y}" r="5" fill="#666"/>'
        f'<text x="{left + plot_w + 42}" y="{legend_y + 4}">suggest ≥ '
        f"{report.suggest_threshold:.2f}</text>"
    )
    legend_y += 20
    parts.append(
        f'<rect x="{left + plot_w + 19}" y="{legend_y - 5}" width="10" height="10" fill="#666"/>'
        f'<text x="{left + plot_w + 42}" y="{legend_y + 4}">≥ {report.autolink_threshold:.2f} '
        "(all lengths)</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def report_lines(report: Report) -> list[str]:
    """The report as text, one table per question."""
    positives = sum(s.pair.same for s in report.scored)
    lines = [
        f"claim match report: {report.source}: {len(report.scored)} pairs, {positives} same",
        f"thresholds: suggest {report.suggest_threshold:.2f}, auto-link "
        f"{report.autolink_threshold:.2f} (auto-link counts passages of more than 8 words)",
        f"embedding model: {report.model or 'none (lexical stage alone)'}",
        "",
        f"{'stage':<8} {'action':<10} {'threshold':>9} {'pairs':>6} {'chosen':>7} "
        f"{'precision':>9} {'recall':>7} {'F1':>6}",
    ]
    for stage in report.stages:
        for action in ("suggest", "auto-link"):
            found = report.figures[stage, action]
            lines.append(
                f"{stage:<8} {action:<10} {found.threshold:>9.2f} {found.pairs:>6} "
                f"{found.chosen:>7} {_number(found.precision):>9} {_number(found.recall):>7} "
                f"{_number(found.f1):>6}"
            )
    lines += ["", "per kind: pairs suggested and auto-linked (of those with more than 8 words)"]
    header = f"{'kind':<28} {'label':<9} {'pairs':>5}"
    for stage in report.stages:
        header += f" {stage + ' sugg.':>14} {stage + ' linked':>15}"
    lines.append(header)
    for row in report.by_kind:
        line = f"{row['kind']:<28} {row['label']:<9} {row['pairs']:>5}"
        for stage in report.stages:
            suggested = f"{row[f'{stage}_suggested']}/{row['pairs']}"
            linked = f"{row[f'{stage}_linked']}/{row['linkable']}"
            line += f" {suggested:>14} {linked:>15}"
        lines.append(line)
    return lines


def report_json(report: Report) -> dict:
    return {
        "source": report.source,
        "model": report.model,
        "suggest_threshold": report.suggest_threshold,
        "autolink_threshold": report.autolink_threshold,
        "pairs": len(report.scored),
        "figures": {
            f"{stage}/{action}": {
                "threshold": found.threshold,
                "pairs": found.pairs,
                "chosen": found.chosen,
                "precision": found.precision,
                "recall": found.recall,
                "f1": found.f1,
            }
            for (stage, action), found in report.figures.items()
        },
        "by_kind": report.by_kind,
    }
