"""Progress of a long command, the same for every command: a tqdm bar on a terminal, a plain
count line every so often otherwise (logs stay short but show the work is alive)."""

import sys
from typing import TextIO

from tqdm import tqdm


class Progress:
    """Count items as they are done; `close()` when the work ends (or use it in a `with`)."""

    def __init__(self, *, unit: str, every: int = 1000, stream: TextIO | None = None) -> None:
        self.unit = unit
        self.every = every
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        # Django's OutputWrapper ends each write with a newline: the bar needs the raw stream.
        raw = getattr(self.stream, "_out", self.stream)
        self._bar = tqdm(unit=unit, file=raw, leave=False) if self.stream.isatty() else None

    def step(self, count: int = 1) -> None:
        before, self.done = self.done, self.done + count
        if self._bar is not None:
            self._bar.update(count)
        elif self.done // self.every > before // self.every:
            self.stream.write(f"processed {self.done:,} {self.unit}(s)\n")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
