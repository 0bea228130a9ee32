from django import template

from annotate.review.status import SpanStatus

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    """The status's label from the one choice type; an unknown value shows as it is."""
    try:
        return SpanStatus(status).label
    except ValueError:
        return status


@register.filter
def is_web_url(url: str) -> bool:
    """Only http(s) URLs become links: a stored javascript: or data: URL stays inert text."""
    return isinstance(url, str) and url.lower().startswith(("http://", "https://"))


@register.filter
def record_kind(record) -> str:
    """What a historical record is about: span, verdict, source, adjudication."""
    return record.instance_type._meta.verbose_name


@register.filter
def score(value: float | None) -> str:
    """A prediction's score as the reader shows it: two decimals, or "none" when the model gave
    none."""
    return "none" if value is None else f"{value:.2f}"
