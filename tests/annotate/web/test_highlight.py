from annotate.web.highlight import segments


def _shape(body, spans):
    return [(s.text, s.span_ids) for s in segments(body, spans)]


def test_segments_cover_the_body_without_spans():
    assert _shape("Hello world", []) == [("Hello world", ())]


def test_segments_nested_and_overlapping_spans():
    body = "abcdefghij"
    shape = _shape(body, [(1, 0, 6), (2, 2, 4), (3, 5, 8)])
    assert shape == [
        ("ab", (1,)),
        ("cd", (1, 2)),
        ("e", (1,)),
        ("f", (1, 3)),
        ("gh", (3,)),
        ("ij", ()),
    ]
    assert "".join(text for text, _ in shape) == body


def test_segments_offsets_are_code_points():
    body = "Hi 👋 Envoy said talks went well."
    (before, claim, after) = segments(body, [(7, 16, 31)])
    assert claim.text == "talks went well"
    assert (claim.start, claim.end, claim.span_ids) == (16, 31, (7,))
    assert before.text == "Hi 👋 Envoy said " and after.text == "."


def test_segments_ignore_spans_outside_the_body():
    assert _shape("short", [(1, 10, 20), (2, 3, 99)]) == [("sho", ()), ("rt", (2,))]
