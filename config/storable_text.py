"""Text every store can hold: one rule for every door that takes text in (imports, the API).

A lone surrogate ("\\ud800" is a valid JSON escape) is not text: it cannot be encoded as UTF-8,
so hashing or storing it raised UnicodeEncodeError deep inside an import. NUL is text, but
PostgreSQL's text columns cannot hold it. Doors refuse both up front, by field or by line.
"""

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_text_reason(text: str) -> str | None:
    """Why `text` cannot be stored, or None when it can."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "Text may not contain NUL characters."
    return f"Text may not contain a lone surrogate (U+{ord(found.group()):04X})."
