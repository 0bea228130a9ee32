"""The language of an article whose source states none: py3langid (langid.py's model, 97
languages, shipped inside the package), on the body's opening.

Only new articles without a stated language are detected (never overriding one that is stated,
and never again on a re-import). Below `LANGUAGE_DETECT_MIN_CONFIDENCE` the detector is not
trusted and the article gets `CORPUS_DEFAULT_LANGUAGE`, as before detection existed.
"""

import re
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

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


# Primary subtags of languages written right to left by default (CLDR's character order).
RTL_LANGUAGES = frozenset(
    {"ar", "arc", "azb", "ckb", "dv", "fa", "he", "iw", "ji", "khw", "ks", "lrc", "mzn", "nqo"}
    | {"pnb", "ps", "sd", "syr", "ug", "ur", "yi"}
)
# Script subtags (ISO 15924) written right to left: "az-Arab" is, "sd-Deva" is not.
RTL_SCRIPTS = frozenset({"Adlm", "Arab", "Hebr", "Mand", "Nkoo", "Rohg", "Samr", "Syrc", "Thaa"})

# A BCP 47 tag as articles need it: a 2-3 letter language, then subtags of 1-8 letters or
# digits (script, region, variant). Extensions and private use are rare enough not to model.
_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


def language_direction(tag: str) -> str:
    """ "rtl" or "ltr": how text in the language of BCP 47 `tag` runs. A script subtag decides
    when given; otherwise the language's usual script."""
    subtags = tag.replace("_", "-").split("-")
    for subtag in subtags[1:]:
        if len(subtag) == 4 and subtag.isalpha():
            return "rtl" if subtag.title() in RTL_SCRIPTS else "ltr"
    return "rtl" if subtags[0].casefold() in RTL_LANGUAGES else "ltr"


def language_tag_clean(tag: str) -> str:
    """A BCP 47 tag in its usual case (language lower, script title, region upper), or a
    ValidationError on `language`."""
    tag = tag.strip().replace("_", "-")
    if not _TAG.fullmatch(tag) or len(tag) > 35:
        raise ValidationError(
            {"language": gettext("Give a BCP 47 language tag, such as ar, he, hi or pt-BR.")}
        )
    primary, *rest = tag.split("-")
    return "-".join([primary.lower(), *(_subtag_case(subtag) for subtag in rest)])


def _subtag_case(subtag: str) -> str:
    if len(subtag) == 4 and subtag.isalpha():
        return subtag.title()
    if len(subtag) == 2 and subtag.isalpha():
        return subtag.upper()
    return subtag.lower()
