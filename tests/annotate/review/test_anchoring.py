import pytest

from annotate.review.anchoring import CONTEXT_CHARS, Anchor, anchor_quote, quote_context

ARTICLE = (
    "The minister said on Monday that inflation had fallen to 3 percent. "
    "Opposition leaders disputed the figure, citing grocery prices. "
    "The central bank will publish its own estimate next week."
)


def _anchor(old_body: str, new_body: str, quote: str, *, occurrence: int = 0) -> Anchor | None:
    """Anchor `quote` (its `occurrence`-th place in old_body) in new_body, as a revision would."""
    start = -1
    for _ in range(occurrence + 1):
        start = old_body.index(quote, start + 1)
    end = start + len(quote)
    prefix, suffix = quote_context(old_body, start, end)
    return anchor_quote(
        body=new_body, exact=quote, prefix=prefix, suffix=suffix, start=start, end=end
    )


def test_anchor_unchanged_body_keeps_offsets():
    quote = "inflation had fallen to 3 percent"
    start = ARTICLE.index(quote)

    assert _anchor(ARTICLE, ARTICLE, quote) == Anchor(start, start + len(quote), 0)


def test_anchor_insertion_before_span_shifts_offsets():
    quote = "citing grocery prices"
    new_body = "Updated 9 May: a correction was added. " + ARTICLE

    anchor = _anchor(ARTICLE, new_body, quote)

    start = new_body.index(quote)
    assert anchor == Anchor(start, start + len(quote), 0)


def test_anchor_word_changed_inside_span_is_approximate():
    quote = "inflation had fallen to 3 percent"
    new_body = ARTICLE.replace("had fallen", "had dropped")

    anchor = _anchor(ARTICLE, new_body, quote)

    assert anchor is not None
    assert anchor.errors > 0
    assert new_body[anchor.start : anchor.end] == "inflation had dropped to 3 percent"


def test_anchor_substituted_first_word_stays_inside_span():
    old_body = "Reports say red foxes jump over fences in town."
    new_body = "Reports say big foxes jump over fences in town."

    anchor = _anchor(old_body, new_body, "red foxes jump over fences")

    assert anchor is not None
    assert new_body[anchor.start : anchor.end] == "big foxes jump over fences"
    assert anchor.errors == 3


def test_anchor_long_quote_has_no_word_size_limit():
    quote = ARTICLE[4:170]  # longer than a 32- or 64-bit word
    new_body = "Preface. " + ARTICLE.replace("grocery", "supermarket")

    anchor = _anchor(ARTICLE, new_body, quote)

    assert anchor is not None
    assert anchor.errors > 0
    assert new_body[anchor.start : anchor.end] == quote.replace("grocery", "supermarket")


def test_anchor_deleted_passage_is_orphaned():
    passage = "Opposition leaders disputed the figure, citing grocery prices. "
    new_body = ARTICLE.replace(passage, "")

    assert _anchor(ARTICLE, new_body, "leaders disputed the figure") is None


@pytest.mark.parametrize(
    "new_body, found",
    [
        ("xx abcdeVWXYZ xx", True),  # 5 errors: within len // 2
        ("xx abcdVWXYZQ xx", False),  # 6 errors: beyond it
    ],
)
def test_anchor_error_budget_is_half_the_quote(new_body, found):
    anchor = anchor_quote(body=new_body, exact="abcdefghij", prefix="", suffix="", start=3, end=13)

    assert (anchor is not None) == found
    if found:
        assert anchor.errors == 5


def test_anchor_repeated_quote_picks_matching_context():
    alice = "In March the finance office under Alice said taxes will rise, according to a report."
    bob = "Bob, a blogger without sources, said taxes will rise, citing a rumour he heard."
    old_body = f"{alice} {bob}"
    new_body = f"{bob} {alice}"

    anchor = _anchor(old_body, new_body, "taxes will rise")  # Alice's

    # Bob's copy now stands nearer Alice's old start; her context wins all the same.
    start = new_body.index(alice) + alice.index("taxes")
    assert anchor == Anchor(start, start + len("taxes will rise"), 0)


def test_anchor_repeated_quote_with_equal_context_picks_nearest():
    block = "Prices rose again. "  # 19 code points: copies 2 to 5 have equal 32-point contexts
    old_body = "Intro. " + block * 8 + "Outro."
    new_body = "Intro, added. " + block * 8 + "Outro."  # 7 code points longer
    quote = "Prices rose again."

    anchor = _anchor(old_body, new_body, quote, occurrence=4)

    # Copy 4 moved 7 points on; copy 3 now starts 12 points before the old start, so copy 4 wins.
    old_start = len("Intro. ") + 4 * len(block)
    assert anchor == Anchor(old_start + 7, old_start + 7 + len(quote), 0)


def test_anchor_repeated_quote_with_equal_context_picks_nearest_even_if_earlier():
    block = "Prices rose again. "
    old_body = "Intro, long one. " + block * 8 + "Outro."
    new_body = "Intro. " + block * 8 + "Outro."  # 10 code points shorter

    anchor = _anchor(old_body, new_body, "Prices rose again.", occurrence=3)

    # Copy 3 moved 10 points back, copy 4 now starts 9 points after the old start: it is nearer.
    old_start = len("Intro, long one. ") + 3 * len(block)
    assert anchor == Anchor(old_start + 9, old_start + 9 + len("Prices rose again."), 0)


def test_anchor_approximate_prefers_context_over_fewer_errors():
    quote = "the budget deficit grew by two billion"
    old_body = f"In Lisbon, the minister said {quote} this year. Elsewhere, nothing."
    new_body = (
        "Elsewhere, an aide said the budget deficit grew by ten billion last year. "
        "In Lisbon, the minister said the budget surplus grew by two billion this year."
    )

    anchor = _anchor(old_body, new_body, quote)

    assert anchor is not None
    assert new_body[anchor.start : anchor.end] == "the budget surplus grew by two billion"


@pytest.mark.parametrize(
    "old_body, new_body, quote, expected",
    [
        (
            "Hi 👋 Envoy said talks went well.",
            "Update: Hi 👋 Envoy said talks went well.",
            "talks went well",
            (24, 39),
        ),
        (
            "Flag 🇺🇦 then scientist 👩‍🔬 said: data is fine.",
            "Flag 🇺🇦🇺🇦 then scientist 👩‍🔬👩‍🔬 said: data is fine.",
            "said: data is fine",
            (32, 50),
        ),
        (
            "科学家说数据可靠。他补充道。",
            "记者报道：科学家说数据可靠。他补充道。",
            "数据可靠",
            (9, 13),
        ),
        (
            "Ha\u0331noi q\u0307uote: prices rose.",
            "New: Ha\u0331noi q\u0307uote: prices rose.",
            "q\u0307uote: prices",
            (12, 26),
        ),
    ],
)
def test_anchor_offsets_are_code_points_with_emoji_cjk_combining(
    old_body, new_body, quote, expected
):
    anchor = _anchor(old_body, new_body, quote)

    assert anchor == Anchor(*expected, 0)
    assert new_body[anchor.start : anchor.end] == quote


def test_anchor_edit_next_to_emoji_covers_edited_quote():
    old_body = "Intro text. Researcher 👩‍🔬 says the 🇺🇦 data holds up well. Outro."
    new_body = "Intro text. Researcher 👩‍🔬 says the 🇺🇦 data holds up fine. Outro."

    anchor = _anchor(old_body, new_body, "👩‍🔬 says the 🇺🇦 data holds up well")

    assert anchor is not None
    assert anchor.errors > 0
    assert new_body[anchor.start : anchor.end] == "👩‍🔬 says the 🇺🇦 data holds up fine"


def test_anchor_empty_quote_is_orphaned():
    assert anchor_quote(body=ARTICLE, exact="", prefix="", suffix="", start=0, end=0) is None


@pytest.mark.parametrize(
    "body, start, end",
    [
        (ARTICLE, -10, -3),  # negative offsets must not slice from the end
        (ARTICLE, 10_000, 10_020),
        (ARTICLE, 40, 5),
        ("", 0, 6),
    ],
)
def test_anchor_odd_offsets_fall_back_to_the_quote(body, start, end):
    anchor = anchor_quote(
        body=body, exact="Monday", prefix="said on ", suffix=" that", start=start, end=end
    )

    if body:
        assert body[anchor.start : anchor.end] == "Monday"
    else:
        assert anchor is None


def test_anchor_short_quote_changed_is_orphaned():
    # One character allows no error (len // 2 == 0), so a changed one cannot be re-found.
    assert anchor_quote(body="a b c", exact="x", prefix="", suffix="", start=0, end=1) is None


def test_quote_context_in_the_middle_takes_32_code_points():
    body = "🇺🇦" * 40 + "QUOTE" + "👩‍🔬" * 40
    start = body.index("QUOTE")

    prefix, suffix = quote_context(body, start, start + len("QUOTE"))

    assert (prefix, suffix) == ("🇺🇦" * 16, "👩‍🔬" * 10 + "\U0001f469\u200d")
    assert len(prefix) == len(suffix) == CONTEXT_CHARS


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (0, 5, ("", "inister said on Monday that infl")),
        (len(ARTICLE) - 5, len(ARTICLE), ("l publish its own estimate next ", "")),
        (2, len(ARTICLE) - 3, ("Th", "ek.")),
        (0, len(ARTICLE), ("", "")),
    ],
)
def test_quote_context_at_body_edges_is_shorter(start, end, expected):
    assert quote_context(ARTICLE, start, end) == expected


def test_quote_context_clamps_offsets_beyond_the_body():
    assert quote_context("short", -4, 99) == ("", "")
    assert quote_context("short", 2, 3, width=1) == ("h", "r")
