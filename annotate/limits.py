"""How long each text a user writes may be, in code points: one table for every door.

Services check it (through the models' `clean()` and `text_limits_check`), so the web forms,
the API, the admin and the dataset-import restore services refuse an overlong text alike, with
a ValidationError on the field. Forms and serializers do not repeat the numbers.

The API's request-size limit (settings.API_MAX_REQUEST_BYTES, answered with 413 before a body
is read) must stay above the largest write these limits allow, or a valid verdict would be
refused as too large: `largest_write_bytes()` is that figure, and a test holds the setting to it.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Model field -> the most code points a user may write in it. CharFields keep their max_length
# (the database column) and are listed so that every door reports them the same way.
TEXT_LIMITS: dict[str, int] = {
    "project.name": 200,
    "project.description": 10_000,
    "span.claimant": 200,
    "span.note": 5_000,
    "verdict.rationale": 20_000,
    "source.url": 2_000,
    "source.title": 500,
    "source.excerpt": 20_000,
    "comment.body": 10_000,
    "adjudication.rationale": 20_000,
    "skip.reason": 500,
    "claim.text": 5_000,
    "claim.claimant": 200,
    "claim.verdict_rationale": 20_000,
    "claimcomment.body": 10_000,
}
SOURCES_PER_VERDICT = 50  # the web form's most rows; the API and imports keep to it too
# A JSON client may escape each code point of the BMP as \uXXXX: 6 bytes.
_BYTES_PER_CHAR = 6
_REQUEST_OVERHEAD_BYTES = 64_000  # keys, labels, dates and numbers around the texts


def text_limit(model: str, field: str) -> int:
    return TEXT_LIMITS[f"{model}.{field}"]


def text_limits_check(model: str, /, **texts: str | None) -> None:
    """Raise ValidationError keyed by field for each text longer than its limit, e.g.
    `text_limits_check("verdict", rationale=rationale)`. None and unlisted fields pass."""
    errors = {}
    for field, text in texts.items():
        limit = TEXT_LIMITS.get(f"{model}.{field}")
        if limit is not None and text is not None and len(text) > limit:
            errors[field] = _("Keep this under %(limit)s characters (it has %(count)s).") % {
                "limit": format(limit, ","),
                "count": format(len(text), ","),
            }
    if errors:
        raise ValidationError(errors)


def model_text_limits_check(instance) -> None:
    """text_limits_check over the listed text fields of a model instance, for its `clean()`.
    Fields with a max_length are left to their own validator (full_clean runs both)."""
    opts = instance._meta
    prefix = f"{opts.model_name}."
    fields = [key.removeprefix(prefix) for key in TEXT_LIMITS if key.startswith(prefix)]
    text_limits_check(
        opts.model_name,
        **{
            field: getattr(instance, field)
            for field in fields
            if opts.get_field(field).max_length is None
        },
    )


def largest_write_bytes() -> int:
    """The largest request body a single write may need within the limits: a verdict with its
    rationale and the most sources, every text at its limit, JSON-escaped."""
    source = sum(text_limit("source", field) for field in ("url", "title", "excerpt"))
    chars = text_limit("verdict", "rationale") + SOURCES_PER_VERDICT * source
    return chars * _BYTES_PER_CHAR + _REQUEST_OVERHEAD_BYTES
