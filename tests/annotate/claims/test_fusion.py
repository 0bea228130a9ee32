"""The fused score: monotonic in both stages, the lexical score alone without a similarity, the
penalties for other numbers and negations kept, and a bonus across languages."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotate.claims.matching.fusion import cross_lingual, fused_score, meaning
from annotate.claims.matching.text import PairScore, pair_score

unit = st.floats(min_value=0, max_value=1, allow_nan=False)
cosine = st.floats(min_value=-1, max_value=1, allow_nan=False)


def _lexical(words: float, trigrams: float, numbers: float = 1.0, negation: float = 1.0):
    score = (0.5 * words + 0.5 * trigrams) * numbers * negation
    return PairScore(
        score=score, words=words, trigrams=trigrams, numbers=numbers, negation=negation
    )


@given(words=unit, trigrams=unit, low=cosine, high=cosine, across=st.booleans())
def test_never_lower_when_the_similarity_grows(words, trigrams, low, high, across):
    low, high = sorted((low, high))
    lexical = _lexical(words, trigrams)
    assert fused_score(lexical, low, across_languages=across) <= fused_score(
        lexical, high, across_languages=across
    )


@given(a=unit, b=unit, similarity=cosine)
def test_never_lower_when_the_lexical_stage_grows(a, b, similarity):
    low, high = sorted((a, b))
    assert fused_score(_lexical(low, low), similarity) <= fused_score(
        _lexical(high, high), similarity
    )


@given(words=unit, trigrams=unit, similarity=cosine, across=st.booleans())
def test_between_0_and_1_and_never_below_the_lexical_stage(words, trigrams, similarity, across):
    lexical = _lexical(words, trigrams)
    fused = fused_score(lexical, similarity, across_languages=across)
    assert 0 <= fused <= 1
    assert fused >= round(lexical.score, 4) - 1e-9


def test_the_lexical_score_alone_without_a_similarity():
    lexical = pair_score("Putin asked for the call.", "Putin requested the call.")
    assert fused_score(lexical, None) == lexical.score


def test_other_numbers_and_a_negation_keep_their_penalty():
    claim = "Moscow has amassed roughly 100,000 troops at the border."
    numbers = pair_score(claim.replace("100,000", "175,000"), claim)
    negated = pair_score("Moscow has not amassed troops at the border.", claim)
    # Even with identical meaning by the embeddings, both stay below the suggest default.
    assert fused_score(numbers, 1.0) < 0.5
    assert fused_score(negated, 1.0) <= 0.7


def test_languages_differ_only_when_both_are_known():
    assert cross_lingual("fr", "en") and cross_lingual("ar", "en-GB")
    assert not cross_lingual("en-US", "en") and not cross_lingual("", "en")
    assert meaning(0.80, across_languages=True) > meaning(0.80, across_languages=False)


@pytest.mark.parametrize(("similarity", "expected"), [(0.5, 0.0), (0.6, 0.0), (0.85, 1.0)])
def test_meaning_rescales_the_cosine(similarity, expected):
    assert meaning(similarity, across_languages=False) == pytest.approx(expected)
