"""config/json_input.py: the one decoder of every reader. It reads what json reads within the
limits, and finds the end of a value too deep to decode (how Label Studio skips such a task)."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.json_input import MAX_DEPTH, JSONRefused, json_decode, json_value_end

TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(value=VALUES, ensure_ascii=st.booleans())
def test_decodes_what_json_decodes(value, ensure_ascii):
    text = json.dumps(value, ensure_ascii=ensure_ascii)

    assert json_decode(text) == json.loads(text)
    if text[:1] in "[{":
        assert json_value_end(text + ", [1]", 0) == len(text)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 50_000])
def test_too_deep_is_refused_and_its_end_found(depth):
    text = '[{"a": "]}\\""}, ' + "[" * depth + "]" * depth + "]"

    with pytest.raises(JSONRefused, match=f"nested deeper than {MAX_DEPTH} levels"):
        json_decode(text)
    assert json_value_end(text, 0) == len(text)


def test_exactly_max_depth_is_read():
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH

    assert json_decode(text) is not None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"a": ["x", "\\ud800"]}', "a[1]: Text may not contain a lone surrogate (U+D800)."),
        ('{"\\udfff": 1}', "a key in the object: Text may not contain a lone surrogate"),
        ('{"a": {"b": "\\u0000"}}', "a.b: Text may not contain NUL characters."),
        ("[NaN]", "NaN is not a JSON number"),
        ("[" + "9" * 5000 + "]", "a number has too many digits"),
    ],
)
def test_refusals_name_where(text, reason):
    with pytest.raises(JSONRefused) as refused:
        json_decode(text)

    assert refused.value.msg.startswith(reason)


def test_a_surrogate_pair_is_text():
    assert json_decode('"\\ud83d\\udc4b"') == "👋"
