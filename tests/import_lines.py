"""Hypothesis strategies for import files: good lines mixed with the bad ones an adversarial probe
sent (lone surrogates, NUL, nesting up to 60,000 deep, numbers too long or too large, NaN,
bytes that are not UTF-8, truncated JSON). Shared by the fuzz tests of every import door.

A format says what a good record of line `i` looks like, which of its strings are stored (a
surrogate or NUL there must fail the line) and which of its numbers are read (a huge one must
fail it). Good records are unique by line number, so every good line is stored exactly once.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st

Path = tuple[str | int, ...]

# Text a good line may carry: letters, digits, punctuation, symbols (emoji too) and spaces.
SAFE_TEXT = st.text(
    alphabet=st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters='\\"'),
    max_size=30,
)
# Stands in for a replacement while a record is encoded; private use, so no SAFE_TEXT holds it.
_MARK = "\ue000"

ALL_KINDS = ("surrogate", "nul", "deep", "deep-field", "huge", "big", "nan", "not-utf8", "cut")


@dataclass(frozen=True)
class LineFormat:
    good: Callable[[int, str], dict]
    texts: tuple[Path, ...]  # stored strings
    numbers: tuple[Path, ...]  # numbers (or values where a number is wrong) that are read
    kinds: tuple[str, ...] = ALL_KINDS


@dataclass(frozen=True)
class Line:
    raw: bytes  # without its newline
    good: bool


@dataclass(frozen=True)
class _Spec:
    kind: str  # "good" or one of ALL_KINDS
    text: str
    choice: int
    depth: int
    code_point: int


def lines(line_format: LineFormat, *, max_size: int = 8) -> st.SearchStrategy[list[Line]]:
    """A file's lines, good and bad mixed, at least one of them."""
    spec = st.builds(
        _Spec,
        kind=st.sampled_from(("good", "good", "good", *line_format.kinds)),
        text=SAFE_TEXT,
        choice=st.integers(0, 100),
        depth=st.integers(65, 60_000),
        code_point=st.integers(0xD800, 0xDFFF),
    )
    return st.lists(spec, min_size=1, max_size=max_size).map(
        lambda specs: [_render(line_format, number, spec) for number, spec in enumerate(specs)]
    )


def _render(line_format: LineFormat, number: int, spec: _Spec) -> Line:
    record = line_format.good(number, spec.text)
    if spec.kind == "good":
        return Line(json.dumps(record, ensure_ascii=False).encode(), good=True)
    if spec.kind == "deep":
        return Line(b"[" * spec.depth + b"]" * spec.depth, good=False)
    if spec.kind == "cut":
        encoded = json.dumps(record, ensure_ascii=False).encode()
        return Line(encoded[: len(encoded) // 2], good=False)
    if spec.kind in ("surrogate", "nul", "not-utf8"):
        path = line_format.texts[spec.choice % len(line_format.texts)]
        _set(record, path, f"{_get(record, path)}{_MARK}")
        replacement = {
            "surrogate": f"\\u{spec.code_point:04x}".encode(),
            "nul": b"\\u0000",
            "not-utf8": (b"\xff", b"\xed\xa0\x80", b"\xc3")[spec.choice % 3],
        }[spec.kind]
    else:
        paths = line_format.numbers + (line_format.texts if spec.kind == "deep-field" else ())
        path = paths[spec.choice % len(paths)]
        _set(record, path, _MARK)
        replacement = {
            "deep-field": b"[" * spec.depth + b"]" * spec.depth,
            "huge": b"9" * (4301 + spec.choice),
            "big": str(10**20 + spec.choice).encode(),
            "nan": (b"NaN", b"Infinity", b"-Infinity")[spec.choice % 3],
        }[spec.kind]
    encoded = json.dumps(record, ensure_ascii=False).encode()
    quoted_mark = json.dumps(_MARK, ensure_ascii=False).encode()
    if quoted_mark in encoded and spec.kind not in ("surrogate", "nul", "not-utf8"):
        encoded = encoded.replace(quoted_mark, replacement)  # a value, not inside a string
    return Line(encoded.replace(_MARK.encode(), replacement), good=False)


def _get(record, path: Path):
    for key in path:
        record = record[key]
    return record


def _set(record, path: Path, value) -> None:
    _get(record, path[:-1])[path[-1]] = value


def jsonl(file_lines: list[Line]) -> bytes:
    return b"".join(line.raw + b"\n" for line in file_lines)


def named_lines(messages: str, path) -> list[int]:
    """The line numbers that `failed: PATH:N: reason` messages name, one per message line."""
    pattern = re.compile(rf"failed: {re.escape(str(path))}:(\d+): \S")
    return [int(pattern.match(message)[1]) for message in messages.splitlines()]


def bad_numbers(file_lines: list[Line]) -> list[int]:
    """1-based numbers of the bad lines."""
    return [number for number, line in enumerate(file_lines, start=1) if not line.good]


ARTICLE_LINES = LineFormat(
    good=lambda i, text: {
        "title": f"Title {i} {text}",
        "body": f"Body of article {i}. {text}",
        "language": "en",
        "authors": [f"Author {text}"],
        "published_on": "2024-01-02",
    },
    texts=(("title",), ("body",), ("language",), ("authors", 0)),
    numbers=(("published_on",),),
)


NATIVE_LINES = LineFormat(
    good=lambda i, text: {
        "schema": "factcheck-native/1",
        "type": "article",
        "article": {"title": f"Title {i} {text}", "body": f"Body of article {i}. {text}"},
        "spans": [
            {
                "start": 0,
                "end": 4,
                "quote": "Body",
                "verdicts": [
                    {"reviewer": "alice", "label": "True", "rationale": f"Because {text}"}
                ],
            }
        ],
    },
    texts=(
        ("article", "title"),
        ("article", "body"),
        ("spans", 0, "verdicts", 0, "rationale"),
        ("spans", 0, "verdicts", 0, "reviewer"),
        ("spans", 0, "verdicts", 0, "label"),
    ),
    numbers=(("spans", 0, "start"), ("spans", 0, "verdicts", 0, "version")),
)

DOCCANO_LINES = LineFormat(
    good=lambda i, text: {"text": f"Line {i}: {text}", "label": [[0, 4, "True"]]},
    texts=(("text",), ("label", 0, 2)),
    numbers=(("label", 0, 0), ("label", 0, 1)),
)

# Label Studio tasks are the items of one JSON array: a syntax error or a byte that is not UTF-8
# anywhere fails the whole file (its own test), so only well-formed refusals are generated.
LABEL_STUDIO_TASKS = LineFormat(
    good=lambda i, text: {
        "id": i,
        "data": {"text": f"Task {i}: {text}", "title": f"Title {i} {text}"},
        "annotations": [],
    },
    texts=(("data", "text"), ("data", "title")),
    numbers=(("data", "text"),),  # a number where the text should be
    kinds=("surrogate", "nul", "deep", "deep-field", "huge", "nan"),
)


def label_studio_file(file_lines: list[Line]) -> bytes:
    return b"[\n" + b",\n".join(line.raw for line in file_lines) + b"\n]\n"
