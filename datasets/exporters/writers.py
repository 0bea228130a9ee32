"""Writers shared by the formats: rows in, text pieces out (nothing accumulates)."""

import csv as stdlib_csv
import json
from collections.abc import Iterable, Iterator, Sequence

from datasets.records import ExportContext

_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_sorted = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def jsonl(rows: Iterable[dict], context: ExportContext) -> Iterator[str]:
    """One JSON object a line, UTF-8, keys in the order the formatter built them."""
    encode = _compact.encode
    for row in rows:
        yield encode(row)
        yield "\n"


def jsonl_sorted(rows: Iterable[dict], context: ExportContext) -> Iterator[str]:
    """One JSON object a line with sorted keys: byte-identical for identical data."""
    encode = _sorted.encode
    for row in rows:
        yield encode(row)
        yield "\n"


def json_list(rows: Iterable[dict], context: ExportContext) -> Iterator[str]:
    """A JSON array, one element a line: `[`, elements joined by `,\\n`, `]`."""
    encode = _compact.encode
    yield "["
    separator = "\n"
    for row in rows:
        yield separator
        yield encode(row)
        separator = ",\n"
    yield "\n]\n"


class _Pending(list):
    """A file-like sink for csv.writer: what it writes is taken out row by row."""

    write = list.append


def csv_table(header: Sequence[str]):
    """A writer of RFC 4180 CSV (CRLF, minimal quoting) with this header row."""

    def write(rows: Iterable[list], context: ExportContext) -> Iterator[str]:
        pending = _Pending()
        writer = stdlib_csv.writer(pending, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            if len(pending) >= 64:
                yield "".join(pending)
                pending.clear()
        yield "".join(pending)

    return write
