"""Reading a large JSON list (a Label Studio export) one item at a time."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.json_input import JSONRefused, json_decode, json_raw_decode, json_value_end


class NotAList:
    """The file holds one JSON value that is neither a list nor an object."""


@dataclass(frozen=True, slots=True)
class RefusedItem:
    """An item that is valid JSON but refused (too deep, unstorable text), at a line."""

    reason: str
    line: int


_CHUNK_CHARS = 1 << 20


def json_array_items(path: Path) -> Iterator[Any]:
    """The items of a JSON list file, decoded one at a time so that memory does not grow with the
    file (a file holding one object yields it; any other value yields NotAList). An item that is
    valid JSON but refused (too deep, unstorable text) yields RefusedItem and the items after it
    are still read; JSONDecodeError names the line of the file."""
    with path.open(encoding="utf-8-sig") as stream:
        buffer, lines = stream.read(_CHUNK_CHARS), 0
        position = _skip_space(buffer, 0)
        if buffer[position : position + 1] != "[":
            value = json_decode(buffer + stream.read())
            yield value if isinstance(value, dict) else NotAList()
            return
        position += 1
        need_comma, at_end = False, False
        while True:
            position = _skip_space(buffer, position)
            if position == len(buffer) and not at_end:
                lines += buffer.count("\n", 0, position)
                buffer, position, at_end = _refill(stream, buffer, position)
                continue
            if buffer[position : position + 1] == "]":
                return
            if need_comma:
                if buffer[position : position + 1] != ",":
                    raise _located(json.JSONDecodeError("Expecting ','", buffer, position), lines)
                need_comma = False
                position += 1
                continue
            try:
                item, end = json_raw_decode(buffer, position)
            except JSONRefused as error:
                end = error.end if error.end is not None else json_value_end(buffer, position)
                if end is None and not at_end:  # the item runs past the buffer: read on
                    lines += buffer.count("\n", 0, position)
                    buffer, position, at_end = _refill(stream, buffer, position)
                    continue
                if end is None:
                    raise _located(error, lines) from None
                need_comma = True
                yield RefusedItem(error.msg, lines + buffer.count("\n", 0, position) + 1)
                position = end
                continue
            except json.JSONDecodeError as error:
                if at_end:
                    raise _located(error, lines) from None
                # The item may run past the buffer: read on. `lines` counts the newlines before
                # the buffer (an error's line number is relative to it).
                lines += buffer.count("\n", 0, position)
                buffer, position, at_end = _refill(stream, buffer, position)
                continue
            need_comma = True
            yield item
            # Move along the buffer; it is cut only when refilled (cutting it after each task
            # copied the whole megabyte each time).
            position = end


def _refill(stream, buffer: str, position: int) -> tuple[str, int, bool]:
    """(buffer from `position` plus the next chunk, 0, whether the stream is exhausted)."""
    more = stream.read(_CHUNK_CHARS)
    return buffer[position:] + more, 0, not more


def _skip_space(buffer: str, position: int) -> int:
    while position < len(buffer) and buffer[position] in " \t\r\n":
        position += 1
    return position


def _located(error: json.JSONDecodeError, lines: int) -> json.JSONDecodeError:
    located = json.JSONDecodeError(error.msg, error.doc, error.pos)
    located.lineno += lines
    return located
