"""Rating-scale presets, label strings exactly as their publishers print them (FORMATS.md §3)."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ScalePreset:
    title: str
    ordinal: bool
    # Ordered labels, most to least true for ordinal scales: (label, description, needs_sources).
    labels: tuple[tuple[str, str, bool], ...]

    def as_scale(self) -> list[dict]:
        return [
            {"label": label, "description": description, "needs_sources": needs_sources}
            for label, description, needs_sources in self.labels
        ]


PRESETS: dict[str, ScalePreset] = {
    "politifact": ScalePreset(
        "PolitiFact Truth-O-Meter",
        ordinal=True,
        labels=(
            ("True", "The statement is accurate and nothing significant is missing.", True),
            ("Mostly True", "Accurate but needs clarification or additional information.", True),
            (
                "Half True",
                "Partially accurate but leaves out details or takes things out of context.",
                True,
            ),
            ("Mostly False", "Contains an element of truth but ignores critical facts.", True),
            ("False", "The statement is not accurate.", True),
            ("Pants on Fire", "Not accurate and makes a ridiculous claim.", True),
        ),
    ),
    "fever": ScalePreset(
        "FEVER",
        ordinal=False,
        labels=(
            ("SUPPORTS", "The evidence supports the claim.", True),
            ("REFUTES", "The evidence refutes the claim.", True),
            ("NOT ENOUGH INFO", "The evidence neither supports nor refutes the claim.", False),
        ),
    ),
    "averitec": ScalePreset(
        "AVeriTeC",
        ordinal=False,
        labels=(
            ("Supported", "The evidence supports the claim.", True),
            ("Refuted", "The evidence refutes the claim.", True),
            ("Not Enough Evidence", "There is not enough evidence to decide.", False),
            (
                "Conflicting Evidence/Cherrypicking",
                "The evidence conflicts, or the claim cherry-picks true facts to mislead.",
                True,
            ),
        ),
    ),
    "plain": ScalePreset(
        "True / Misleading / False / Unverifiable",
        ordinal=False,
        labels=(
            ("True", "The claim is accurate.", True),
            ("Misleading", "Accurate facts arranged to give a false impression.", True),
            ("False", "The claim is inaccurate.", True),
            ("Unverifiable", "The claim cannot be checked against available evidence.", False),
        ),
    ),
}
