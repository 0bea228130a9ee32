"""Text every store can hold: one rule for every door that takes text in (imports, the API).

A lone surrogate ("\\ud800" is a valid JSON escape) is not text: it cannot be encoded as UTF-8,
so hashing or storing it raised UnicodeEncodeError deep inside an import. NUL is text, but
PostgreSQL's text columns cannot hold it. Doors refuse both up front, by field or by line.
"""

from django.utils.translation import gettext

_NUL = "\x00"


def unstorable_text_reason(text: str) -> str | None:
    """Why `text` cannot be stored, or None when it can."""
    if _NUL in text:
        return gettext("Text may not contain NUL characters.")
    try:
        # Encoding is the test: in C, and several times faster than a regex over the text.
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return gettext("Text may not contain a lone surrogate (U+%(code)04X).") % {
            "code": ord(text[error.start])
        }
    return None
