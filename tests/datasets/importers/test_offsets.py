"""Offsets from peer files: units (code points, UTF-16, graphemes) and the canonical body."""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.text import canonical_body
from datasets.importers.offsets import (
    CanonicalText,
    OffsetUnit,
    UnitIndex,
    read_quoted_span,
    same_but_spacing,
)

HELLO = "Hi 👋 Envoy said talks went well."  # FORMATS.md §1: 32 code points, 33 UTF-16 units


def test_formats_example_utf16_offsets_convert_to_code_points():
    units = UnitIndex(HELLO)
    assert units.span_to_codepoints(17, 32, OffsetUnit.UTF16) == (16, 31)
    assert units.span_to_codepoints(16, 31, OffsetUnit.CODEPOINTS) == (16, 31)
    assert HELLO[16:31] == "talks went well"


def test_utf16_offset_inside_a_surrogate_pair_is_refused():
    units = UnitIndex(HELLO)
    assert units.to_codepoints(4, OffsetUnit.UTF16) is None  # between 👋's two units
    assert units.to_codepoints(34, OffsetUnit.UTF16) is None  # past the end


def test_grapheme_offsets_count_a_flag_as_one():
    text = "🇺🇦 talks 👨🏻‍🚒 went well"
    units = UnitIndex(text)
    assert units.span_to_codepoints(2, 7, OffsetUnit.GRAPHEMES) == (3, 8)
    start, end = units.span_to_codepoints(10, 14, OffsetUnit.GRAPHEMES)
    assert text[start:end] == "went"


def test_quoted_span_prefers_code_points_then_tries_utf16():
    units = UnitIndex(HELLO)
    assert read_quoted_span(units, 16, 31, "talks went well") == (16, 31, OffsetUnit.CODEPOINTS)
    assert read_quoted_span(units, 17, 32, "talks went well") == (16, 31, OffsetUnit.UTF16)
    assert read_quoted_span(units, 18, 33, "talks went well") is None


def test_quoted_span_tolerates_label_studio_dropping_a_double_space():
    units = UnitIndex("One  two three")
    assert read_quoted_span(units, 0, 8, "One two") == (0, 8, OffsetUnit.CODEPOINTS)
    assert same_but_spacing("a  b", "a b")
    assert not same_but_spacing("  ", " ")


def test_canonical_text_maps_decomposed_accents_onto_the_nfc_body():
    sent = "Cafe\u0301 prices: naïve ministers said e\u0301nough."
    text = CanonicalText(sent)
    assert text.body == unicodedata.normalize("NFC", sent)
    start = sent.index("ministers")
    placed = text.span(start, start + len("ministers said"))
    assert text.body[placed.start : placed.end] == "ministers said"
    assert placed.exact


def test_canonical_text_widens_an_end_inside_a_composed_character():
    sent = "the cafe\u0301 is open"
    text = CanonicalText(sent)
    placed = text.span(4, 8)  # ends between "e" and its accent
    assert text.body[placed.start : placed.end] == "café"
    assert not placed.exact


@pytest.mark.parametrize(
    "sent",
    [
        "First line.  \r\nSecond line.\r\n\r\n\r\n  Third paragraph. \n",
        "\n\n  Lead.\n \n\n\nBody text here.\n\n",
        "Tabs\tstay\tinside.\rOld Mac line end.",
    ],
)
def test_canonical_text_maps_every_word_through_whitespace_tidying(sent):
    text = CanonicalText(sent)
    assert text.body == canonical_body(sent)
    position = 0
    for word in sent.split():
        start = sent.index(word, position)
        position = start + len(word)
        placed = text.span(start, position)
        assert text.body[placed.start : placed.end] == word


def test_canonical_text_out_of_range_or_empty_span_is_none():
    text = CanonicalText("Short text.")
    assert text.span(3, 3) is None
    assert text.span(0, 99) is None


_PIECES = ["a", " ", "\r", "\n", "é", "e\u0301", "👋", "🏽", "\u200d", "🇺", "🇦", "日"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
def test_grapheme_split_found_from_a_nearby_boundary_matches_all_clusters(text):
    import regex

    boundaries = {match.start() for match in regex.finditer(r"\X", text)} | {len(text)}
    units = UnitIndex(text)
    assert [units.splits_grapheme(o) for o in range(len(text) + 1)] == [
        o not in boundaries for o in range(len(text) + 1)
    ]
