"""The fused score (issue 15, stage 3): one 0..1 number from the lexical stage and the cosine
similarity of the two texts' sentence embeddings, to which the project's two thresholds apply.

    fused = max(lexical_base, meaning) * numbers * negation

- lexical_base: the lexical stage before its penalties (0.5 words + 0.5 trigrams, text.py);
- meaning: the cosine rescaled, (cosine + CROSS_LINGUAL_BONUS if the languages differ - LOW)
  / (HIGH - LOW), clipped to 0..1: below LOW nothing, from HIGH on as sure as identical words;
- numbers and negation: the lexical stage's factors (text.py), which read numbers and negation
  markers across the evaluation set's languages: embeddings put "100,000 troops" and "175,000
  troops", or a claim and its negation, close together (cosine 0.88 and 0.83 on average in the
  evaluation set), so the factors are what tells them apart.

The maximum rather than a mean: a translation shares almost no words with its claim (lexical
0.20 on average) and must not be dragged down by that; a paraphrase the encoder underrates still
has its words. Reciprocal-rank fusion was not taken: it ranks lists, and the thresholds need a
score that means the same for every pair. LOW, HIGH and the bonus were chosen on
tests/fixtures/claims/evaluation.jsonl (342 pairs; a two-fold split by claim held the targets on
the unseen half) for the default thresholds 0.5 / 0.85: README, "Evaluation".
Monotonic: never lower when the lexical base or the cosine grows.
"""

from annotate.claims.matching.text import PairScore

LOW = 0.60
HIGH = 0.85
# Translations score lower than paraphrases with the same meaning (0.77-0.84 against 0.84 on
# average): a pair in two languages gets this much cosine back.
CROSS_LINGUAL_BONUS = 0.10


def primary_language(tag: str) -> str:
    return (tag or "").replace("_", "-").split("-")[0].casefold()


def cross_lingual(text_language: str, claim_language: str) -> bool:
    """Different primary subtags, both known (an unknown language gets no bonus)."""
    left, right = primary_language(text_language), primary_language(claim_language)
    return bool(left and right and left != right)


def meaning(similarity: float, *, across_languages: bool) -> float:
    """The cosine rescaled to 0..1 (see the module's docstring)."""
    raw = similarity + (CROSS_LINGUAL_BONUS if across_languages else 0.0)
    return min(max((raw - LOW) / (HIGH - LOW), 0.0), 1.0)


def fused_score(
    lexical: PairScore, similarity: float | None, *, across_languages: bool = False
) -> float:
    """The fused 0..1 score; the lexical stage's own score when there is no similarity."""
    if similarity is None:
        return lexical.score
    base = 0.5 * lexical.words + 0.5 * lexical.trigrams
    combined = max(base, meaning(similarity, across_languages=across_languages))
    return round(min(combined * lexical.numbers * lexical.negation, 1.0), 4)
