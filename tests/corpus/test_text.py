import hashlib

import pytest

from corpus.text import canonical_body, content_hash, one_line


@pytest.mark.parametrize(
    "given, expected",
    [
        ("One.\r\n\r\nTwo.", "One.\n\nTwo."),
        ("\n\n  One.  \n \u00a0\n\n\n\tTwo.\t\n", "One.\n\nTwo."),
        ("Line one\nline two  \n\nNext", "Line one\nline two\n\nNext"),
        ("Cafe\u0301 and Zoe\u0308", "Café and Zoë"),
        ("Keeps  inner   spaces and 👋🇺🇦 emoji", "Keeps  inner   spaces and 👋🇺🇦 emoji"),
        ("Old\rMac\r\rbreaks", "Old\nMac\n\nbreaks"),
        ("   \n\n ", ""),
    ],
)
def test_canonical_body(given, expected):
    assert canonical_body(given) == expected
    assert canonical_body(expected) == expected


def test_content_hash_is_sha256_hex_of_the_utf8_body():
    assert content_hash("é") == hashlib.sha256(b"\xc3\xa9").hexdigest()
    assert len(content_hash("any body")) == 64


def test_one_line_folds_all_whitespace():
    assert one_line(" A\u00a0 title\n  on\ttwo lines ") == "A title on two lines"
