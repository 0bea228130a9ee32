"""JSON from outside (files, request bodies), decoded with the limits every reader shares.

Python's decoder recurses once per level of nesting: a line nested 50,000 deep raised
RecursionError, which is not a ValueError, so no reader's `except` saw it and an import died with
a traceback (the API with a 500). Code that walks a decoded value recursively later (serializers,
the error handler) can fail the same way well below that. No format we read nests deeper than a
few levels, so a value nested deeper than MAX_DEPTH is refused like a syntax error, as are the
non-standard constants NaN and Infinity (RFC 8259 has none) and integers too long to convert.

Dataset readers also ask for every string to be storable text (config.storable_text): a lone
surrogate or a NUL anywhere in a line fails that line, naming where, before any part of it is
stored. Article lines and API bodies leave that to article_from_draft and the serializers, which
answer by field.
"""

import json
import re
from typing import Any

from config.storable_text import unstorable_text_reason

MAX_DEPTH = 64

# Lone surrogates and NUL reach a decoded string only through \u escapes (the decoder refuses raw
# control characters, and UTF-8 decoding refuses encoded surrogates): lines without such an
# escape need no walk. A false alarm (an escaped backslash before "u0000") costs only the walk.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")


class JSONRefused(json.JSONDecodeError):
    """Well-formed JSON that is refused: nested too deeply, a non-standard constant, a number
    too long, or (for files) a string that is not storable text. `msg` is the reason; `end`
    is where the refused value ends when the decoder got that far (a reader of many values in
    one document skips to it), else None."""

    def __init__(self, msg: str, doc: str, pos: int, *, end: int | None = None) -> None:
        super().__init__(msg, doc, pos)
        self.end = end


class _Constant(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _Constant(f"{name} is not a JSON number")


_STRICT_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def json_decode(text: str, *, check_texts: bool = True) -> Any:
    """The value of a JSON document (surrounding whitespace allowed); raises JSONDecodeError."""
    try:
        value = _STRICT_DECODER.decode(text)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as error:
        raise _refused(error, text, 0) from None
    _check(value, text, 0, len(text), check_texts=check_texts)
    return value


def json_raw_decode(text: str, position: int, *, check_texts: bool = True) -> tuple[Any, int]:
    """(value, end) of the JSON value that starts at `position`, as JSONDecoder.raw_decode."""
    try:
        value, end = _STRICT_DECODER.raw_decode(text, position)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as error:
        raise _refused(error, text, position) from None
    _check(value, text, position, end, check_texts=check_texts)
    return value, end


def _refused(error: Exception, text: str, position: int) -> JSONRefused:
    if isinstance(error, RecursionError):
        return JSONRefused(f"nested deeper than {MAX_DEPTH} levels", text, position)
    if isinstance(error, _Constant):
        return JSONRefused(str(error), text, position)
    # int("9" * 5000): Python limits the digits it converts (sys.set_int_max_str_digits).
    return JSONRefused("a number has too many digits", text, position)


def _check(value: Any, text: str, start: int, end: int, *, check_texts: bool) -> None:
    # Counting in C is far cheaper than walking: most values cannot be too deep, and most lines
    # hold no escape that could decode to unstorable text.
    if text.count("[", start, end) + text.count("{", start, end) > MAX_DEPTH and _deeper_than(
        value, MAX_DEPTH
    ):
        raise JSONRefused(f"nested deeper than {MAX_DEPTH} levels", text, start, end=end)
    if check_texts and _SUSPECT_ESCAPE.search(text, start, end) is not None:
        problem = _unstorable_text(value)
        if problem is not None:
            raise JSONRefused(problem, text, start, end=end)


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether containers nest more than `limit` deep; level by level, without recursion."""
    level = [value]
    for _ in range(limit):
        below: list[Any] = []
        for node in level:
            for child in node.values() if type(node) is dict else node:
                if type(child) is dict or type(child) is list:  # what json decodes to
                    below.append(child)
        if not below:
            return False
        level = below
    return True


def _unstorable_text(value: Any) -> str | None:
    """The first string or key that is not storable text, naming where (`spans[0].note`)."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            reason = unstorable_text_reason(node)
            if reason is not None:
                return f"{path or 'the value'}: {reason}"
        elif isinstance(node, dict):
            for key, item in node.items():
                reason = unstorable_text_reason(key)
                if reason is not None:
                    return f"a key in {path or 'the object'}: {reason}"
                stack.append((item, f"{path}.{key}" if path else key))
        elif isinstance(node, list):
            stack.extend((item, f"{path}[{index}]") for index, item in enumerate(node))
    return None


# A string (escapes and all) or a bracket: enough to find where a value too deep to decode ends.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|"|[\[\]{}]')


def json_value_end(text: str, position: int) -> int | None:
    """Where the array or object starting at `position` ends, found without decoding it (for
    skipping a value too deep to decode), or None if `text` ends first."""
    if text[position : position + 1] not in ("[", "{"):
        return None
    depth = 0
    for token in _STRING_OR_BRACKET.finditer(text, position):
        mark = token.group()
        if mark == '"':  # a string that does not end in `text`
            return None
        if mark in "[{":
            depth += 1
        elif mark in "]}":
            depth -= 1
            if depth == 0:
                return token.end()
    return None


def json_error_reason(error: json.JSONDecodeError) -> str:
    """What a reader says of a line it could not decode."""
    if isinstance(error, JSONRefused):
        return error.msg
    return f"invalid JSON: {error.msg} at column {error.colno}"
