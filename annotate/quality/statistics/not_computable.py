"""The answer of a statistic the data cannot support: a reason to show instead of a number."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NotComputable:
    """A statistic the data cannot support, with the reason to show instead of a number."""

    reason: str

    def __str__(self) -> str:
        return f"not computable: {self.reason}"
