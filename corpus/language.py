"""The language of an article whose source states none: py3langid (langid.py's model, 97
languages, shipped inside the package), on the body's opening.

Only new articles without a stated language are detected (never overriding one that is stated,
and never again on a re-import). Below `LANGUAGE_DETECT_MIN_CONFIDENCE` the detector is not
trusted and the article gets `CORPUS_DEFAULT_LANGUAGE`, as before detection existed.
"""

from dataclasses import dataclass
from functools import cache

from django.conf import settings

# An opening sentence or two: langid.py is made for texts of tweet length, and each character
# costs (1,000 characters: ~0.15 ms an article, 15 % of a 10,000-task dataset import).
SAMPLE_CHARS = 200


@dataclass(frozen=True, slots=True)
class DetectedLanguage:
    tag: str  # the BCP 47 primary language subtag, e.g. "es"
    confidence: float | None  # the detector's probability; None: not detected (the default)


@cache
def _identifier():
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)


def language_detect(text: str) -> DetectedLanguage:
    """The language of `text`, or the corpus default when the detector is unsure or detection
    is off (LANGUAGE_DETECT=0, for a corpus in one language)."""
    if not settings.LANGUAGE_DETECT:
        return DetectedLanguage(settings.CORPUS_DEFAULT_LANGUAGE, None)
    tag, probability = _identifier().classify(text[:SAMPLE_CHARS])
    if probability < settings.LANGUAGE_DETECT_MIN_CONFIDENCE:
        return DetectedLanguage(settings.CORPUS_DEFAULT_LANGUAGE, None)
    return DetectedLanguage(tag, round(float(probability), 4))
