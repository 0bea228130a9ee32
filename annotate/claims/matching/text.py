"""The database-free half of lexical matching: words, numbers and the 0..1 score of a pair.

Both databases only *retrieve* candidates (PostgreSQL full-text search and trigrams, SQLite FTS5);
every candidate is then scored here, so a pair scores the same on both and the thresholds mean
the same everywhere.

score = (0.5 * words + 0.5 * trigrams) * numbers, where
- words: the mean of the Dice coefficient and the overlap coefficient of the two texts' content
  words (casefolded, accents removed, stop words and one-letter words dropped); two words count
  as the same when equal or sharing their first 5 letters (a stemmer's reach without a stemmer:
  Russia/Russian, request/requested), so a short claim inside a long quote still scores;
- trigrams: pg_trgm's similarity (shared / all distinct padded word trigrams), computed here;
- numbers: 1 when the numbers agree or either text has none, NUMBER_PENALTY when both state
  numbers and they differ ("100,000 troops" is not "10,000 troops");
- negation: NEGATION_PENALTY when one text is negated and the other is not (a crude parity of
  not/no/never/n't...; "admits" against "denies" stays beyond a lexical stage).
Measured on tests/fixtures/claims/pairs.jsonl (see its README.md).
"""

import re
import unicodedata
from collections.abc import Set
from dataclasses import dataclass, field
from functools import lru_cache

NUMBER_PENALTY = 0.45  # below the default suggest threshold (0.5) even for otherwise equal texts
NEGATION_PENALTY = 0.7
_STEM_PREFIX = 5

# Function words of the seed languages; the words stage is about content.
_STOP_WORDS_TEXT = """
    a an and are as at be been but by for from had has have he her his i in is it its of on or
    our she that the their them they this to was we were what when which who will with would you
    not no said says say also than then there these those into about after before over under
    more most other some such only own same so too very can could should may might must do does
    did being while where how all any both each few
    le la les un une des du de et est en que qui dans pour pas sur au aux il elle ils ont a
    el los las y es por con para del se lo al
    der die das und ist nicht mit den dem ein eine zu von auf für im
    o os as um uma do da dos das em com para não
"""

_WORD = re.compile(r"\w+", re.UNICODE)
# 100,000 | 100 000 | 3.5 | 3,5 | 2021 | 40%: digits with group or decimal separators.
_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d+)*")


@lru_cache(maxsize=16384)  # words(), trigrams() and negated() fold the same text in turn
def fold(text: str) -> str:
    """Casefolded, accents removed (NFKD without combining marks)."""
    if text.isascii():  # nothing to decompose: the per-character pass was a third of a match
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


STOP_WORDS = frozenset(fold(word) for word in _STOP_WORDS_TEXT.split())

# Negation and refusal markers of the evaluation set's languages (en, fr, es, de, ar), folded.
# A parity test (one side negated, the other not), so both sides must be marked alike: a claim
# "X refused ..." and its translation "X a refusé ..." both count as negated. Antonyms
# ("rose"/"fell", "extended"/"let expire") stay beyond it (README: evaluation).
_NEGATION_WORDS = """
    not no never nor neither cannot none nothing nobody without deny denies denied denying
    refuse refuses refused refusing reject rejects rejected rejecting fail fails failed
    ne pas jamais aucun aucune nie nient refuse refusent refuser rejette rejettent
    nunca ningun ninguna ninguno niega niegan negaron nego rechaza rechazan rechazo
    nicht kein keine keinen keiner keines nie niemals bestreitet bestreiten lehnt lehnten
    nao nenhum nenhuma
    لا لم لن ليس ليست لست ينفي نفى تنفي نفت رفض رفضت يرفض ترفض
"""
_NEGATION = re.compile(
    r"(?<!\w)(?:"
    + "|".join(sorted((re.escape(fold(w)) for w in _NEGATION_WORDS.split()), key=len, reverse=True))
    + r")(?!\w)|n['’]t\b|\bn['’](?=\w)|\bruled? out\b"
)


def words(text: str) -> list[str]:
    """Content words in order: folded, no stop words, no numbers, no one-letter words."""
    return [
        word
        for word in _WORD.findall(fold(text))
        if len(word) > 1 and word not in STOP_WORDS and not word.isdigit()
    ]


# A number followed by one of these is scaled: "100 ألف" is 100,000, "2,5 milliards" 2.5e9.
_SCALES = {
    "thousand": 10**3, "mil": 10**3, "tausend": 10**3, "الف": 10**3, "آلاف": 10**3,
    "ألف": 10**3, "آلف": 10**3,
    "million": 10**6, "millions": 10**6, "millon": 10**6, "millones": 10**6,
    "millionen": 10**6, "mio": 10**6, "مليون": 10**6, "ملايين": 10**6,
    "billion": 10**9, "billions": 10**9, "milliard": 10**9, "milliards": 10**9,
    "milliarde": 10**9, "milliarden": 10**9, "mrd": 10**9, "مليار": 10**9, "مليارات": 10**9,
}  # fmt: skip
_SCALES = {fold(word): scale for word, scale in _SCALES.items()}
_SCALE_AFTER = re.compile(r"\s*(\w+)")
# "3:35 p.m." is 15:35, as the French and German write it ("15 h 35", "15:35 Uhr").
_PM_TIME = re.compile(r"\b(\d{1,2})[:.](\d{2})\s*(?:p\.?\s?m\b|مساء)", re.IGNORECASE)
_H_TIME = re.compile(r"\b(\d{1,2})\s?h\s?(\d{2})\b")


def _twenty_four_hours(text: str) -> str:
    text = _PM_TIME.sub(lambda m: f"{int(m[1]) % 12 + 12}:{m[2]}", text)
    return _H_TIME.sub(lambda m: f"{m[1]}:{m[2]}", text)


def _plain(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.6f}".rstrip("0").rstrip(".")


def numbers(text: str) -> set[str]:
    """The numbers a text states, normalised: '100,000' and '100 000' -> '100000', '3,5' and
    '3.5' -> '3.5' (1-3 digits, then groups of exactly three, are thousands); a scale word after
    a number multiplies it ('100 ألف', '2.5 billion'); '3:35 p.m.' is read as 15:35."""
    text = _twenty_four_hours(text)
    found = set()
    for match in _NUMBER.finditer(text):
        raw = match.group()
        parts = re.split(r"[.,\u00a0\u202f ]", raw)
        if len(parts) > 1 and len(parts[0]) <= 3 and all(len(part) == 3 for part in parts[1:]):
            values = [float("".join(parts))]
        elif len(parts) == 2 and raw[len(parts[0])] in ".,":
            values = [float(f"{int(parts[0])}.{parts[1]}")]
        else:
            values = [float(int(part)) for part in parts]
        after = _SCALE_AFTER.match(text, match.end())
        if after:
            values[-1] *= _SCALES.get(fold(after[1]), 1)
        found.update(_plain(value) for value in values)
    return found


def negated(text: str) -> bool:
    """Whether a text carries a negation or refusal marker (see _NEGATION_WORDS)."""
    return bool(_NEGATION.search(fold(text)))


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams: each alphanumeric word, folded, padded with two spaces before and one
    after."""
    grams: set[str] = set()
    for word in _WORD.findall(fold(text)):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def _jaccard(a: Set[str], b: Set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def trigram_similarity(left: str, right: str) -> float:
    return _jaccard(trigrams(left), trigrams(right))


def _same_word(left: str, right: str) -> bool:
    if left == right:
        return True
    return (
        len(left) >= _STEM_PREFIX
        and len(right) >= _STEM_PREFIX
        and left[:_STEM_PREFIX] == right[:_STEM_PREFIX]
    )


def _shared_words(left: list[str], right: list[str]) -> list[str]:
    """Words of `left` matched one to one with words of `right` (greedy, in order)."""
    unmatched = list(dict.fromkeys(right))
    shared = []
    for word in dict.fromkeys(left):
        for index, other in enumerate(unmatched):
            if _same_word(word, other):
                shared.append(word)
                del unmatched[index]
                break
    return shared


@dataclass(frozen=True, slots=True)
class PairScore:
    """A pair's score with its stages and its reasons."""

    score: float
    words: float
    trigrams: float
    numbers: float
    negation: float
    shared_words: list[str] = field(default_factory=list)
    shared_numbers: list[str] = field(default_factory=list)
    numbers_only_in_text: list[str] = field(default_factory=list)
    numbers_only_in_claim: list[str] = field(default_factory=list)

    def stages(self) -> dict[str, float]:
        return {
            "score": self.score,
            "words": self.words,
            "trigrams": self.trigrams,
            "numbers": self.numbers,
            "negation": self.negation,
        }

    def why(self) -> dict[str, list[str]]:
        return {
            "shared_words": self.shared_words,
            "shared_numbers": self.shared_numbers,
            "numbers_only_in_text": self.numbers_only_in_text,
            "numbers_only_in_claim": self.numbers_only_in_claim,
        }


@dataclass(frozen=True, slots=True)
class _Features:
    words: tuple[str, ...]
    trigrams: frozenset[str]
    numbers: frozenset[str]
    negated: bool


@lru_cache(maxsize=8192)
def _features(text: str) -> _Features:
    """What pair_score reads of one text, computed once: a passage is scored against up to 100
    candidates, and the same claims come back for passage after passage."""
    return _Features(
        words=tuple(words(text)),
        trigrams=frozenset(trigrams(text)),
        numbers=frozenset(numbers(text)),
        negated=negated(text),
    )


def pair_score(text: str, claim_text: str) -> PairScore:
    """How alike a passage and a claim's text are, 0..1, and why."""
    mine, theirs = _features(text), _features(claim_text)
    left, right = list(mine.words), list(theirs.words)
    shared = _shared_words(left, right)
    distinct_left, distinct_right = len(set(left)), len(set(right))
    if distinct_left and distinct_right:
        dice = 2 * len(shared) / (distinct_left + distinct_right)
        overlap = len(shared) / min(distinct_left, distinct_right)
        word_score = (dice + overlap) / 2
    else:
        word_score = 0.0
    trigram_score = _jaccard(mine.trigrams, theirs.trigrams)
    text_numbers, claim_numbers = mine.numbers, theirs.numbers
    disagree = bool(text_numbers and claim_numbers and text_numbers != claim_numbers)
    number_factor = NUMBER_PENALTY if disagree else 1.0
    negated_pair = mine.negated != theirs.negated
    negation_factor = NEGATION_PENALTY if negated_pair else 1.0
    score = (0.5 * word_score + 0.5 * trigram_score) * number_factor * negation_factor
    return PairScore(
        score=round(min(score, 1.0), 4),
        words=round(word_score, 4),
        trigrams=round(trigram_score, 4),
        numbers=number_factor,
        negation=negation_factor,
        shared_words=shared,
        shared_numbers=sorted(text_numbers & claim_numbers),
        numbers_only_in_text=sorted(text_numbers - claim_numbers) if disagree else [],
        numbers_only_in_claim=sorted(claim_numbers - text_numbers) if disagree else [],
    )
